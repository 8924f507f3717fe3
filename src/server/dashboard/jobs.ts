/**
 * Jobs in the dashboard: the table row (template, phase and reason, attempts, the result's summary,
 * artifacts, trace id) and the detail page (attempts from the owned Workloads, the result, the
 * commit status, the artifacts with their download paths, the archived log, conditions).
 */
import type { Job, JobStatus } from '../../api/job/types.js';
import { LOG_ARTIFACT } from '../../jobs/artifacts.js';
import { artifactViews, attemptRows, conditionsOf, createdAt, opt, type Obj } from './model.js';
import type { JobDetail, JobRow } from './types.js';

/** One Job row. */
export function jobRow(j: Obj): JobRow {
  const st = (j.status ?? {}) as JobStatus;
  const spec = (j.spec ?? {}) as Partial<Job['spec']>;
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
  const st = (j.status ?? {}) as JobStatus;
  const artifacts = artifactViews(st.artifacts);
  return {
    job: {
      ...jobRow(j),
      conditions: conditionsOf(j),
      params: ((j.spec as Partial<Job['spec']> | undefined)?.params ?? {}) as Record<string, string>,
      ...opt('message', st.message?.slice(0, 2000)),
      ...opt('result', st.result as JobDetail['job']['result']),
      ...opt('commitStatus', st.commitStatus),
      artifacts,
      ...opt('log', artifacts.find((a) => a.name === LOG_ARTIFACT)?.url),
    },
    attempts: attemptRows(owned),
  };
}
