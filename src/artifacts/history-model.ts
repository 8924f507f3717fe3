import { createHash } from 'node:crypto';
import type { ArtifactEntry } from './uploader.js';

/** How a run ended. */
export type RunOutcome = 'Succeeded' | 'Failed' | 'Cancelled' | 'TimedOut' | 'ArtifactsFailed';

/** What is kept of one finished run of a Job or AgentTask once its object is gone. */
export interface RunRecord {
  namespace: string;
  /** Lower-case kind: `job`, `agenttask`. */
  kind: string;
  name: string;
  attempt: number;
  uid?: string;
  /** The Job template (or AgentTask agent) it ran. */
  template?: string;
  org?: string;
  /** sha256 of the spec that ran, e.g. `sha256:3f…`. */
  specDigest: string;
  outcome: RunOutcome;
  /** RFC 3339 times. */
  startedAt: string;
  finishedAt: string;
  artifacts: ArtifactEntry[];
  /** The run's trace (W3C trace id, 32 hex digits). */
  traceId?: string;
  /** A short human explanation of the outcome. */
  message?: string;
}

/** The one-line summary of a run kept in the index: the record without its artifact list. */
export interface HistoryEntry extends Omit<RunRecord, 'artifacts' | 'namespace'> {
  /** `<inverted finish time>_<kind>_<name>_<attempt>`: the record's key and the sort key (newest first). */
  id: string;
  artifactCount: number;
  artifactBytes: number;
}

/** Filters of a history listing; every given field must match. */
export interface HistoryFilter {
  kind?: string;
  name?: string;
  template?: string;
  org?: string;
  /** One outcome or any of several. */
  outcome?: RunOutcome | RunOutcome[];
  /** Finished at or after (RFC 3339). */
  since?: string;
  /** Finished before (RFC 3339). */
  until?: string;
}

const TIME_MAX = 9_999_999_999_999;

/**
 * `RunRecord.specDigest`: the sha256 of the spec as JSON.
 * @example specDigest(job.spec) // 'sha256:3f…'
 */
export function specDigest(spec: unknown): string {
  return `sha256:${createHash('sha256').update(JSON.stringify(spec)).digest('hex')}`;
}

/** A time (ms since the epoch) as 13 digits that sort newest first. */
export function invertedTime(ms: number): string {
  if (!Number.isFinite(ms) || ms < 0 || ms > TIME_MAX) throw new TypeError(`time ${ms} is out of range for the history index`);
  return String(TIME_MAX - Math.floor(ms)).padStart(13, '0');
}

/** The run's id: its finish time inverted (13 digits, so newer sorts first), kind, name and attempt. */
export function runId(run: Pick<RunRecord, 'finishedAt' | 'kind' | 'name' | 'attempt'>): string {
  const ms = Date.parse(run.finishedAt);
  if (Number.isNaN(ms)) throw new TypeError(`run record: finishedAt "${run.finishedAt}" is not an RFC 3339 time`);
  return `${invertedTime(ms)}_${run.kind}_${run.name}_${run.attempt}`;
}

/** The index summary of a record. */
export function toEntry(run: RunRecord): HistoryEntry {
  const { artifacts, namespace: _ns, ...rest } = run;
  const message = rest.message && rest.message.length > 200 ? `${rest.message.slice(0, 199)}…` : rest.message;
  return {
    ...rest,
    message,
    id: runId(run),
    artifactCount: artifacts.length,
    artifactBytes: artifacts.reduce((n, a) => n + a.size, 0),
  };
}

/** Newest first, then by id. */
export function compareEntries(a: HistoryEntry, b: HistoryEntry): number {
  return a.id < b.id ? -1 : a.id > b.id ? 1 : 0;
}

/** Whether an entry passes the filter. */
export function matches(e: HistoryEntry, f: HistoryFilter): boolean {
  return matchesFields(e, f) && matchesOutcome(e, f) && matchesTime(e, f);
}

function matchesFields(e: HistoryEntry, f: HistoryFilter): boolean {
  return (['kind', 'name', 'template', 'org'] as const).every((k) => f[k] === undefined || e[k] === f[k]);
}

function matchesOutcome(e: HistoryEntry, f: HistoryFilter): boolean {
  if (f.outcome === undefined) return true;
  return Array.isArray(f.outcome) ? f.outcome.includes(e.outcome) : f.outcome === e.outcome;
}

function matchesTime(e: HistoryEntry, f: HistoryFilter): boolean {
  const t = Date.parse(e.finishedAt);
  return (f.since === undefined || t >= Date.parse(f.since)) && (f.until === undefined || t < Date.parse(f.until));
}

/** An opaque, URL-safe cursor: the id of the last entry of the previous page. */
export function encodeCursor(lastId: string): string {
  return Buffer.from(`h1:${lastId}`).toString('base64url');
}

/** The last id in a cursor from {@link encodeCursor}; a TypeError names a malformed one. */
export function decodeCursor(cursor: string): string {
  const text = Buffer.from(cursor, 'base64url').toString('utf8');
  if (!/^h1:\d{13}_/.test(text)) throw new TypeError(`invalid history cursor "${cursor.slice(0, 40)}": pass the "next" of the previous page`);
  return text.slice(3);
}
