/**
 * The summary a Job's pod writes to its termination message (JSON), read back into `status.result`.
 * Only known fields of the right type are kept: the pod is not trusted to write the status.
 */
import type { JobResult, JobTestSummary } from '../api/job/types.js';

const str = (v: unknown, max: number): string | undefined => (typeof v === 'string' && v !== '' ? v.slice(0, max) : undefined);
const count = (v: unknown): number | undefined => (typeof v === 'number' && Number.isInteger(v) && v >= 0 ? v : undefined);
const FORMATS = new Set(['junit', 'tap', 'text', 'none']);

function tests(v: unknown): JobTestSummary | undefined {
  if (!v || typeof v !== 'object') return undefined;
  const t = v as Record<string, unknown>;
  const out: JobTestSummary = {};
  if (typeof t.format === 'string' && FORMATS.has(t.format)) out.format = t.format as JobTestSummary['format'];
  for (const k of ['total', 'passed', 'failed', 'skipped'] as const) {
    const n = count(t[k]);
    if (n !== undefined) out[k] = n;
  }
  return Object.keys(out).length > 0 ? out : undefined;
}

/** Up to 32 finite numbers under short names (ml-batch's metrics.json, flattened by the pod). */
function metrics(v: unknown): Record<string, number> | undefined {
  if (!v || typeof v !== 'object' || Array.isArray(v)) return undefined;
  const out: Record<string, number> = {};
  for (const [k, n] of Object.entries(v as Record<string, unknown>)) {
    if (Object.keys(out).length >= 32) break;
    if (/^[A-Za-z0-9_.-]{1,63}$/.test(k) && typeof n === 'number' && Number.isFinite(n)) out[k] = n;
  }
  return Object.keys(out).length > 0 ? out : undefined;
}

/**
 * The result in a termination message, or undefined when there is none or it is not JSON (a pod
 * that died before writing it). A message that is not JSON becomes the summary's text.
 * @example parseTerminationMessage('{"stage":"done","summary":"2 passed, 0 failed, 0 skipped (junit)"}')
 */
export function parseTerminationMessage(message: string | undefined): (JobResult & { exitCode?: number }) | undefined {
  if (!message?.trim()) return undefined;
  let raw: unknown;
  try {
    raw = JSON.parse(message);
  } catch {
    return { summary: message.trim().slice(0, 1024) };
  }
  if (!raw || typeof raw !== 'object') return undefined;
  const r = raw as Record<string, unknown>;
  const out: JobResult & { exitCode?: number } = {};
  const summary = str(r.summary, 1024);
  const stage = str(r.stage, 63);
  const commit = typeof r.commit === 'string' && /^[0-9a-f]{7,64}$/.test(r.commit) ? r.commit : undefined;
  const t = tests(r.tests);
  const m = metrics(r.metrics);
  if (summary) out.summary = summary;
  if (m) out.metrics = m;
  if (stage) out.stage = stage;
  if (commit) out.commit = commit;
  if (t) out.tests = t;
  if (typeof r.exitCode === 'number' && Number.isInteger(r.exitCode)) out.exitCode = r.exitCode;
  return out;
}
