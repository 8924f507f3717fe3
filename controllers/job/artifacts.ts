/**
 * A Job's artifacts (docs/artifacts.md): before an attempt's Workload is made, its pod gets the
 * upload post step and the Job's own ServiceAccount (owned by the Job); when the Job has ended, what
 * reached the store is listed into `status.artifacts`, the run goes into the history, and condition
 * `ArtifactsPublished` says how it went (reason `Published`, or `ArtifactsFailed` with the cause).
 */
import type { KubernetesObject, V1Pod } from '@kubernetes/client-node';
import type { Job, JobStatus } from '../../src/api/job/types.js';
import { SERVICE_ACCOUNTS } from '../../src/api/resources.js';
import type { Workload } from '../../src/api/workload/types.js';
import { jobServiceAccountName } from '../../src/agents/gateway/identity.js';
import { recordRun, specDigest, type ArtifactStore, type RunRecord } from '../../src/artifacts/index.js';
import { runPrefix } from '../../src/artifacts/store.js';
import { withArtifactUpload } from '../../src/jobs/artifacts.js';
import { JOB_CONTAINER } from '../../src/jobs/pod.js';
import { errorMessage, isAlreadyExists, metaTime, setConditions, type RestClient } from '../../src/runtime/index.js';

export const ARTIFACTS_CONDITION = 'ArtifactsPublished';

/** Does the Job publish artifacts? (with `spec.artifacts`, at least its log archive) */
export const publishes = (job: Job): boolean => job.spec.artifacts !== undefined;

/** The Workload with the upload step, and the Job's ServiceAccount made (idempotent). */
export async function prepareUpload(rest: RestClient, job: Job, wl: Workload, operatorUrl: string): Promise<Workload> {
  if (!publishes(job)) return wl;
  const attempt = Number(/-(\d+)$/.exec(wl.metadata?.name ?? '')?.[1] ?? job.status?.attempts ?? 1);
  const sa = {
    apiVersion: 'v1',
    kind: 'ServiceAccount',
    metadata: { name: jobServiceAccountName(job.metadata.name!), namespace: job.metadata.namespace, labels: { 'weft.dev/job': job.metadata.name!.slice(0, 63) }, ownerReferences: [{ apiVersion: 'weft.dev/v1alpha1', kind: 'Job', name: job.metadata.name!, uid: job.metadata.uid!, controller: true, blockOwnerDeletion: true }] },
    automountServiceAccountToken: false,
  } as KubernetesObject;
  await rest.create(SERVICE_ACCOUNTS, sa).catch((err: unknown) => {
    if (!isAlreadyExists(err)) throw err;
  });
  return { ...wl, spec: { ...wl.spec, template: withArtifactUpload(wl.spec.template, job, attempt, operatorUrl) } };
}

/** Has the ended Job's publication not been recorded yet? */
export function needsCollection(job: Job): boolean {
  const ended = job.status?.phase === 'Succeeded' || job.status?.phase === 'Failed';
  return ended && publishes(job) && !(job.status?.conditions ?? []).some((c) => c.type === ARTIFACTS_CONDITION);
}

/** What the pod's post step said went wrong (`artifactsError` in its termination message). */
export function uploadErrorOf(pod: V1Pod | undefined): string | undefined {
  const msg = pod?.status?.containerStatuses?.find((c) => c.name === JOB_CONTAINER)?.state?.terminated?.message;
  if (!msg) return undefined;
  try {
    const v = (JSON.parse(msg) as { artifactsError?: unknown }).artifactsError;
    return typeof v === 'string' ? v.slice(0, 1000) : undefined;
  } catch {
    return undefined;
  }
}

type Published = { name: string; url: string; digest?: string; size: number };

/** The history record of the Job's last attempt. */
function runRecord(job: Job, run: { attempt: number; prefix: string; artifacts: Published[] }, o: { uploadError?: string; now: Date }): RunRecord {
  const { attempt, prefix, artifacts } = run;
  const st = job.status ?? {};
  return {
    namespace: job.metadata.namespace!,
    kind: 'job',
    name: job.metadata.name!,
    attempt,
    ...(job.metadata.uid ? { uid: job.metadata.uid } : {}),
    template: job.spec.template,
    org: job.spec.org,
    specDigest: specDigest(job.spec),
    outcome: st.phase !== 'Succeeded' ? 'Failed' : o.uploadError ? 'ArtifactsFailed' : 'Succeeded',
    startedAt: st.startTime ?? metaTime(o.now),
    finishedAt: st.completionTime ?? metaTime(o.now),
    artifacts: artifacts.map((a) => ({ path: a.name, key: `${prefix}${a.name}`, size: a.size, sha256: a.digest?.slice(7) ?? '' })),
    ...(st.traceId ? { traceId: st.traceId } : {}),
  };
}

/**
 * The status after collecting: `artifacts` from the store listing of the last attempt, the run in
 * the history, and the condition. Never throws: a store that fails is the condition's message.
 */
export async function collectArtifacts(o: { job: Job; store: () => Promise<ArtifactStore>; uploadError?: string; now: Date }): Promise<JobStatus> {
  const { job } = o;
  const attempt = job.status?.attempts ?? 1;
  const prefix = runPrefix({ namespace: job.metadata.namespace!, kind: 'job', name: job.metadata.name!, attempt });
  const condition = (ok: boolean, message: string) =>
    setConditions(job.status?.conditions, [{ type: ARTIFACTS_CONDITION, status: ok ? 'True' : 'False', reason: ok ? 'Published' : 'ArtifactsFailed', message }], { now: o.now, generation: job.metadata.generation });
  try {
    const store = await o.store();
    const objects = [];
    let cursor: string | undefined;
    do {
      const page = await store.list(prefix, cursor ? { cursor } : {});
      objects.push(...page.objects);
      cursor = page.next;
    } while (cursor && objects.length < 256);
    // A listing has no digests (S3 keeps them as object metadata): HEAD the ones without, 8 at a time.
    const listed = objects.slice(0, 256);
    for (let i = 0; i < listed.length; i += 8) {
      await Promise.all(listed.slice(i, i + 8).map(async (x, j) => (x.sha256 ? undefined : (listed[i + j] = await store.head(x.key)))));
    }
    const artifacts: Published[] = listed.map((x) => {
      const name = x.key.slice(prefix.length);
      return { name, url: `/api/v1/artifacts/${prefix}${name}`, ...(x.sha256 ? { digest: `sha256:${x.sha256}` } : {}), size: x.size };
    });
    await recordRun(store, runRecord(job, { attempt, prefix, artifacts }, o));
    if (o.uploadError) return { ...job.status, artifacts, conditions: condition(false, `${artifacts.length} published; the pod's upload failed: ${o.uploadError}`) };
    return { ...job.status, artifacts, conditions: condition(true, `${artifacts.length} artifact(s) in ${store.description}`) };
  } catch (err) {
    return { ...job.status, conditions: condition(false, `cannot publish the artifacts: ${errorMessage(err)}`) };
  }
}
