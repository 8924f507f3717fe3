/**
 * The Job controller: reads the Job, its Workloads (the informer cache) and, once an attempt has
 * finished, that attempt's pod (through the shared ClusterConnections, by its owner labels); plans
 * (`plan.ts`); applies the plan (Workloads, the commit status, the TTL), writes the status once and
 * records the Events.
 */
import type { KubernetesObject, V1Pod } from '@kubernetes/client-node';
import type { Logger } from 'pino';
import type { Job, JobStatus } from '../../src/api/job/types.js';
import { POD_LABELS } from '../../src/api/labels.js';
import type { OrgCluster } from '../../src/api/orgcluster/types.js';
import { JOBS, ORGCLUSTERS, PODS, WORKLOADS } from '../../src/api/resources.js';
import type { Workload } from '../../src/api/workload/types.js';
import { ClusterConnections, podOf, podsOf } from '../../src/cluster/connections.js';
import { ensureFinalizer, errorMessage, EventRecorder, isAlreadyExists, isConflict, isNotFound, removeFinalizer, RestClient, updateStatusIfChanged, type Informer, type InformerEvent } from '../../src/runtime/index.js';
import type { ControllerContext } from '../context.js';
import { setCommitStatus } from './forge.js';
import { JOB_FINALIZER, planJob, type JobAction, type JobPlan } from './plan.js';
import { podOfJob, workloadName } from './workload.js';
import { JOB_CONTAINER } from '../../src/jobs/pod.js';
import { collectArtifacts, needsCollection, prepareUpload, uploadErrorOf } from './artifacts.js';
import { storeResolver } from '../../src/artifacts/resolve.js';
import { RunSpans, withContainerEnv } from '../../src/telemetry/runs.js';

type Obj<T> = T & KubernetesObject;

/**
 * Registers the Job controller (behind the `Jobs` feature gate): one owned Workload per attempt,
 * retries, deadline, suspend, TTL, the result in status and the commit status on the forge.
 */
export function setupJobController(ctx: ControllerContext): () => Promise<void> {
  const r = new JobReconciler(ctx);
  ctx.mgr.add({
    name: 'job',
    for: JOBS,
    owns: [WORKLOADS],
    concurrency: 16,
    reconcile: ({ key, log }) => r.reconcile(key, log),
    traceContext: (key) => r.runs.context(key),
  });
  return () => r.stop();
}

class JobReconciler {
  private readonly rest: RestClient;
  private readonly events: EventRecorder;
  private readonly jobs: Informer<Obj<Job>>;
  private readonly workloads: Informer<Obj<Workload>>;
  private readonly clusters: Informer<Obj<OrgCluster>>;
  private readonly connections: ClusterConnections;
  private readonly ownConnections: boolean;
  /** Job key (namespace/name) → keys of the Workloads whose controller owner it names: no scan of every Workload per reconcile. */
  private readonly byOwner = new Map<string, Set<string>>();

  private readonly storeFor: ReturnType<typeof storeResolver>;
  /** The run spans of the Jobs in flight (tracing). */
  readonly runs = new RunSpans('job');

  constructor(private readonly ctx: ControllerContext) {
    this.rest = new RestClient(ctx.kc);
    this.storeFor = storeResolver({ rest: this.rest, ...(ctx.cfg.artifactStore ? { defaultSecret: ctx.cfg.artifactStore } : {}) });
    this.events = new EventRecorder(this.rest, 'job', ctx.log);
    this.jobs = ctx.mgr.informer(JOBS);
    this.workloads = ctx.mgr.informer(WORKLOADS);
    this.clusters = ctx.mgr.informer(ORGCLUSTERS);
    this.ownConnections = !ctx.connections;
    this.connections = ctx.connections ?? new ClusterConnections({ hub: this.rest, log: ctx.log });
    this.workloads.on((event, wl) => this.index(event, wl));
  }

  private index(event: InformerEvent, wl: Obj<Workload>): void {
    const owner = wl.metadata?.ownerReferences?.find((o) => o.controller === true && o.kind === 'Job');
    if (!owner) return;
    const job = `${wl.metadata!.namespace}/${owner.name}`;
    const key = `${wl.metadata!.namespace}/${wl.metadata!.name}`;
    let set = this.byOwner.get(job);
    if (event === 'delete') {
      set?.delete(key);
      if (set?.size === 0) this.byOwner.delete(job);
      return;
    }
    if (!set) this.byOwner.set(job, (set = new Set()));
    set.add(key);
  }

  async stop(): Promise<void> {
    this.runs.endAll();
    await this.events.stop();
    if (this.ownConnections) await this.connections.stop();
  }

  async reconcile(key: string, log: Logger): Promise<{ requeueAfterMs: number } | undefined> {
    const job = this.jobs.get(key);
    if (!job) {
      this.runs.end(key, 'Deleted');
      return undefined;
    }
    const workloads = [...(this.byOwner.get(key) ?? [])].map((k) => this.workloads.get(k)).filter((w): w is Obj<Workload> => w !== undefined);
    const current = job.status?.attempts ? workloads.find((w) => w.metadata?.name === workloadName(job, job.status!.attempts!)) : undefined;
    const finished = current?.status?.phase === 'Succeeded' || current?.status?.phase === 'Failed';
    const pod = finished && job.status?.phase !== 'Succeeded' && job.status?.phase !== 'Failed' ? await this.podOf(job, current, log) : undefined;
    const plan = this.traced(key, job, planJob({ job, now: new Date(), workloads, pod }));
    const result = await this.apply(job, plan, log);
    this.endRunIfEnded(key, job, plan);
    await this.publishIfEnded(key, current, log);
    return result;
  }

  /**
   * With tracing on, the first attempt starts the run's trace: its id goes into status.traceId and
   * its traceparent into the pod's env (TRACEPARENT) of every attempt's Workload.
   */
  private traced(key: string, job: Obj<Job>, plan: JobPlan): JobPlan {
    if (!plan.actions.some((a) => a.type === 'createWorkload')) return plan;
    const run = this.runs.begin(key, { namespace: job.metadata.namespace!, name: job.metadata.name!, template: job.spec.template, ...(job.status?.traceId ? { traceId: job.status.traceId } : {}) });
    if (!run?.traceId) return plan;
    const env = run.podEnv();
    const actions = plan.actions.map((a): JobAction => (a.type === 'createWorkload' ? { ...a, workload: withContainerEnv(a.workload, JOB_CONTAINER, env) } : a));
    return { ...plan, actions, status: { ...(plan.status ?? job.status), traceId: run.traceId } };
  }

  /** The run span ends when the plan ends the Job (with `Succeeded` or the reason it failed). */
  private endRunIfEnded(key: string, job: Job, plan: JobPlan): void {
    const st = plan.status;
    if (!st || (st.phase !== 'Succeeded' && st.phase !== 'Failed') || job.status?.phase === st.phase) return;
    this.runs.end(key, st.phase === 'Succeeded' ? 'Succeeded' : (st.reason ?? 'Failed'), st.message);
  }

  /** The ended Job's artifacts into status (condition ArtifactsPublished) and the run history, once. */
  private async publishIfEnded(key: string, current: Obj<Workload> | undefined, log: Logger): Promise<void> {
    const job = this.jobs.get(key);
    if (!job || !needsCollection(job)) return;
    const pod = current ? await this.podOf(job, current, log) : undefined;
    const uploadError = uploadErrorOf(pod);
    const status = await collectArtifacts({ job, store: () => this.storeFor({ namespace: job.metadata.namespace!, kind: 'job', name: job.metadata.name! }), now: new Date(), ...(uploadError ? { uploadError } : {}) });
    try {
      const updated = await updateStatusIfChanged(this.rest, JOBS, job, status);
      if (updated !== job) this.jobs.observeWrite(updated);
    } catch (err) {
      if (!isNotFound(err) && !isConflict(err)) throw err;
    }
  }

  /** The attempt's pod, by the owner labels (then by the Workload's podRef); undefined when it cannot be read. */
  private async podOf(job: Job, wl: Workload, log: Logger): Promise<V1Pod | undefined> {
    const ref = wl.status?.podRef;
    const oc = ref?.cluster ? this.clusters.get(ref.cluster) : wl.status?.placement?.cluster ? this.clusters.get(wl.status.placement.cluster) : undefined;
    if (!oc) return undefined;
    try {
      const conn = await this.connections.get(oc);
      const byLabels = podsOf(conn).find((p) => podOfJob(job, p) && p.metadata?.labels?.[POD_LABELS.uid] === wl.metadata?.uid && p.metadata?.name === ref?.name);
      if (byLabels || !ref?.name || !ref.namespace) return byLabels;
      return podOf(conn, `${ref.namespace}/${ref.name}`) ?? (await conn.rest.get<Obj<V1Pod>>(PODS, ref.name, ref.namespace));
    } catch (err) {
      log.debug({ err: errorMessage(err), workload: wl.metadata?.name }, 'cannot read the attempt\'s pod: its exit code comes from the Workload');
      return undefined;
    }
  }

  private async apply(job: Obj<Job>, plan: JobPlan, log: Logger): Promise<{ requeueAfterMs: number } | undefined> {
    let current = job;
    let status = plan.status;
    for (const action of plan.actions) {
      const r = await this.act(current, action, log);
      if (r === 'deleted') return undefined;
      if (r && 'commitStatus' in r) status = { ...(status ?? current.status), commitStatus: r.commitStatus };
      else if (r) current = r;
    }
    if (status) {
      try {
        const updated = await updateStatusIfChanged(this.rest, JOBS, current, status);
        if (updated !== current) this.jobs.observeWrite(updated);
      } catch (err) {
        if (isNotFound(err)) return undefined;
        if (isConflict(err)) return { requeueAfterMs: 100 };
        throw err;
      }
    }
    for (const e of plan.events) void this.events.record(current, e.type, e.reason, e.message);
    return plan.requeueAfterMs === undefined ? undefined : { requeueAfterMs: plan.requeueAfterMs };
  }

  private async act(job: Obj<Job>, action: JobAction, log: Logger): Promise<Obj<Job> | 'deleted' | { commitStatus: JobStatus['commitStatus'] } | undefined> {
    const ns = job.metadata.namespace!;
    const ignoreNotFound = (err: unknown) => {
      if (!isNotFound(err)) throw err;
    };
    switch (action.type) {
      case 'addFinalizer':
        return ensureFinalizer(this.rest, JOBS, job, JOB_FINALIZER);
      case 'removeFinalizer':
        await removeFinalizer(this.rest, JOBS, job, JOB_FINALIZER).catch(ignoreNotFound);
        return 'deleted';
      case 'createWorkload': {
        const wl = await prepareUpload(this.rest, job, action.workload, this.ctx.cfg.agents.gatewayUrl);
        await this.rest.create(WORKLOADS, wl as Obj<Workload>).catch((err: unknown) => {
          if (!isAlreadyExists(err)) throw err;
        });
        log.debug({ workload: action.workload.metadata?.name }, 'attempt Workload created');
        return undefined;
      }
      case 'deleteWorkload':
        await this.rest.delete(WORKLOADS, action.name, ns).catch(ignoreNotFound);
        return undefined;
      case 'deleteJob':
        await this.rest.delete(JOBS, job.metadata.name!, ns).catch(ignoreNotFound);
        return 'deleted';
      case 'setCommitStatus':
      case 'setPendingStatus': {
        const at = action.type === 'setPendingStatus' ? { sha: { ref: action.ref }, state: 'pending' as const } : { sha: action.sha, state: action.state };
        const commitStatus = await setCommitStatus(this.rest, { namespace: ns, target: action.target, ...at, description: action.description });
        if (commitStatus.outcome === 'PostFailed') log.warn({ message: commitStatus.message }, 'commit status not set');
        return { commitStatus };
      }
    }
  }
}
