/**
 * Jobs in the dashboard: the table row (template, phase and reason, attempts, the result's summary,
 * artifacts, trace id) and the detail page (attempts from the owned Workloads, the result, the
 * commit status, the artifacts with their download paths, the archived log, conditions).
 */
import { conditionsOf, createdAt, workloadRow, type Obj } from './model.js';
import type { JobDetail, JobRow } from './types.js';

type JobStatusView = {
  phase?: string;
  reason?: string;
  message?: string;
  attempts?: number;
  exitCode?: number;
  startTime?: string;
  completionTime?: string;
  traceId?: string;
  result?: { summary?: string; stage?: string; commit?: string; metrics?: Record<string, number>; tests?: { total?: number; passed?: number; failed?: number; skipped?: number } };
  commitStatus?: { state?: string; outcome?: string; context?: string; message?: string; sha?: string };
  artifacts?: Array<{ name: string; url?: string; digest?: string; size?: number }>;
};

const opt = <K extends string, V>(k: K, v: V | undefined | null | ''): Partial<Record<K, V>> => (v === undefined || v === null || v === '' ? {} : ({ [k]: v } as Record<K, V>));
/** The archived log's artifact name (src/jobs/artifacts.ts LOG_ARTIFACT). */
const LOG_ARTIFACT = 'weft-logs/job.log';

/** One Job row. */
export function jobRow(j: Obj): JobRow {
  const st = (j.status ?? {}) as JobStatusView;
  const spec = (j.spec ?? {}) as { org?: string; template?: string };
  return {
    namespace: j.metadata!.namespace!,
    name: j.metadata!.name!,
    org: spec.org ?? '',
    template: spec.template ?? '',
    phase: st.phase ?? 'Pending',
    attempts: st.attempts ?? 0,
    artifactCount: (st.artifacts ?? []).length,
    ...opt('reason', st.reason),
    ...opt('summary', (st.result?.summary ?? st.message)?.slice(0, 300)),
    ...opt('exitCode', st.exitCode),
    ...opt('traceId', st.traceId),
    ...opt('startedAt', st.startTime),
    ...opt('finishedAt', st.completionTime),
    ...createdAt(j),
  };
}

/** The detail of a Job; `owned` are its Workloads (one per attempt). */
export function jobDetail(j: Obj, owned: readonly Obj[]): JobDetail {
  const st = (j.status ?? {}) as JobStatusView;
  const artifacts = (st.artifacts ?? []).map((a) => ({ name: a.name, ...opt('url', a.url), ...opt('digest', a.digest), ...opt('size', a.size) }));
  return {
    job: {
      ...jobRow(j),
      conditions: conditionsOf(j),
      params: ((j.spec as { params?: Record<string, string> } | undefined)?.params ?? {}),
      ...opt('message', st.message?.slice(0, 2000)),
      ...opt('result', st.result),
      ...opt('commitStatus', st.commitStatus),
      artifacts,
      ...opt('log', artifacts.find((a) => a.name === LOG_ARTIFACT)?.url),
    },
    attempts: owned
      .map((w) => {
        const row = workloadRow(w);
        return { attempt: Number(/-(\d+)$/.exec(row.name)?.[1] ?? 0), workload: row.name, phase: row.phase, ...opt('node', row.node), ...createdAt(w) };
      })
      .sort((a, b) => b.attempt - a.attempt),
  };
}
