/**
 * The AgentTask controller: reads what `planAgentTask` needs (the task, the owned Workload of the
 * current attempt, the runner's report from its pod, the gateway's signals, the change on the
 * forge), plans, and applies the plan (identity objects, Workloads, the change, one status write,
 * Events). Decisions are in `plan.ts`; the pod in `pod.ts`; the identity in `identity.ts`.
 */
import type { KubernetesObject, V1Pod } from '@kubernetes/client-node';
import type { Logger } from 'pino';
import { performance } from 'node:perf_hooks';
import type { AgentTask } from '../../src/api/agenttask/types.js';
import type { Workload } from '../../src/api/workload/types.js';
import type { ControllerContext } from '../context.js';
import { AGENTTASKS, PODS, ROLE_BINDINGS, ROLES, SECRETS, SERVICE_ACCOUNTS, WORKLOADS } from '../../src/api/resources.js';
import { errorMessage, EventRecorder, isConflict, isNotFound, RestClient, updateStatusIfChanged, type ResourceType } from '../../src/runtime/index.js';
import { isAlreadyExists } from '../../src/runtime/errors.js';
import { withContainerEnv } from '../../src/telemetry/runs.js';
import { faultPoint } from '../../src/runtime/faults.js';
import { podOf, type ClusterConnections } from '../../src/cluster/connections.js';
import type { SchedulingState } from '../../src/placement/state.js';
import { decodeResult, type RunnerResult } from '../../src/agents/run/spec.js';
import { forgeForTask, type TaskSecretReader } from '../../src/agents/repo.js';
import type { AgentSignals } from '../../src/agents/signals.js';
import type { ForgeProvider, ReviewThread, SecretLike } from '../../src/forge/index.js';
import { agentWorkload, AGENT_CONTAINER, type AgentPodConfig } from './pod.js';
import { taskIdentityObjects } from './identity.js';
import { dispatchObservation, wakeOnEnd } from './dependencies.js';
import { planAgentTask, type AgentTaskAction, type AgentTaskObservation, type AgentTaskPlan, type ChangeObservation } from './plan.js';
import { AgentTaskMetrics } from './metrics.js';
import { newComments, type Feedback, type ForgeAction } from './review.js';
import { needsPublishing, publishEnded } from './artifacts.js';
import { TaskRuns } from './runs.js';
import { storeResolver } from '../../src/artifacts/resolve.js';

type TaskForge = { forge: ForgeProvider; repo: string };
/** How long "may this user write to the repository" is remembered. */
const WRITER_TTL_MS = 5 * 60_000;

type Task = AgentTask & KubernetesObject;
type Wl = Workload & KubernetesObject;

export interface AgentTaskControllerDeps {
  /** The pod's image, how it reaches the operator (gateway URL). */
  pod: AgentPodConfig;
  /** Budget, upstream failures and usage from the LLM gateway (none: no gateway in this operator). */
  signals?: AgentSignals;
}

/** Registers the AgentTask controller (behind the AgentTasks feature gate). */
export function setupAgentTaskController(ctx: ControllerContext & { scheduling: SchedulingState; connections: ClusterConnections }, deps: AgentTaskControllerDeps): () => Promise<void> {
  const r = new AgentTaskReconciler(ctx, deps);
  ctx.mgr.add({
    name: 'agenttask',
    for: AGENTTASKS,
    owns: [WORKLOADS],
    // A task that ends wakes the tasks waiting for it (spec.dependsOn) or for its group's slot (spec.concurrency).
    watches: [{ type: AGENTTASKS, map: (obj) => wakeOnEnd(obj as Task, ctx.mgr.informer<Task>(AGENTTASKS).list()) }],
    concurrency: 32, // reconciles wait on API calls (identity objects, the Workload, status), not CPU
    reconcile: ({ key, log }) => r.reconcile(key, log),
    traceContext: (key) => r.runs.context(key),
  });
  deps.signals?.onWake((key) => ctx.mgr.enqueue('agenttask', key));
  deps.signals?.onTraceContext((key) => r.runs.context(key));
  return () => r.stop();
}

class AgentTaskReconciler {
  private readonly rest: RestClient;
  private readonly events: EventRecorder;
  private readonly readSecret: TaskSecretReader;
  private readonly metrics: AgentTaskMetrics;
  /** Tasks (by uid) whose identity objects this process has made or found. */
  private readonly identityDone = new Set<string>();
  /** Tasks (namespace/name) this process let start that the cache does not show started yet. */
  private readonly admitted = new Set<string>();
  /** `repo|user` → may write, and until when that is known. */
  private readonly writers = new Map<string, { ok: boolean; until: number }>();
  /** The operator's artifact store (`--artifact-store`), where ended tasks leave transcripts, reports and run records. */
  private readonly storeFor: ReturnType<typeof storeResolver> | undefined;
  /** The run traces of the tasks (off unless tracing is on). */
  readonly runs = new TaskRuns();

  constructor(
    private readonly ctx: ControllerContext & { scheduling: SchedulingState; connections: ClusterConnections },
    private readonly deps: AgentTaskControllerDeps,
  ) {
    this.rest = new RestClient(ctx.kc);
    this.events = new EventRecorder(this.rest, 'agenttask', ctx.log);
    this.metrics = new AgentTaskMetrics(ctx.mgr.metricsRegistry);
    this.storeFor = ctx.cfg.artifactStore ? storeResolver({ rest: this.rest, defaultSecret: ctx.cfg.artifactStore }) : undefined;
    this.readSecret = async (ns, name) =>
      this.rest.get<SecretLike & KubernetesObject>(SECRETS, name, ns).catch((err: unknown) => {
        if (isNotFound(err)) return undefined;
        throw err;
      });
  }

  async stop(): Promise<void> {
    this.runs.endAll();
    await this.events.stop();
  }

  /** The task's forge with the operator's credentials (its Secret, or the Radicle identity). */
  private forgeOf(task: Task): Promise<TaskForge | undefined> {
    return forgeForTask(task, this.readSecret, this.ctx.cfg.agents.radicle);
  }

  task(key: string): Task | undefined {
    return this.ctx.mgr.informer<Task>(AGENTTASKS).get(key);
  }

  async reconcile(key: string, log: Logger): Promise<{ requeueAfterMs: number } | undefined> {
    const task = this.task(key);
    if (!task) {
      this.deps.signals?.forget(key);
      this.runs.end(key, 'Deleted');
      return undefined;
    }
    this.deps.signals?.seed({ namespace: task.metadata!.namespace!, name: task.metadata!.name! }, task.status?.usage);
    const t0 = performance.now();
    const obs = await this.observe(task, key);
    log.debug({ ms: Math.round(performance.now() - t0) }, 'observed');
    // The gate and the plan run with no await between them: two workers cannot both take a group's last slot.
    Object.assign(obs, dispatchObservation(task, this.ctx.mgr.informer<Task>(AGENTTASKS), this.admitted));
    let plan = planAgentTask(obs);
    if (task.spec.concurrency && plan.actions.some((a) => a.type === 'createWorkload' && a.attempt === 1)) this.admitted.add(key);
    // Opening the change is the one action whose answer the status needs: plan again with it.
    const open = plan.actions.find((a): a is Extract<AgentTaskAction, { type: 'openChange' }> => a.type === 'openChange');
    if (open) {
      Object.assign(obs, await this.openChange(task, open, log));
      await faultPoint('agenttask:after:openChange', key);
      plan = planAgentTask(obs);
    }
    plan = this.runs.traced(key, task, plan);
    const next = await this.apply(task, key, plan, log);
    this.runs.endIfEnded(key, task, plan);
    // An ended task's transcripts, report and run record go to the artifact store (artifacts.ts).
    const now = this.task(key);
    if (!now || !this.storeFor || !needsPublishing(now)) return next;
    return publishEnded({ rest: this.rest, informer: this.ctx.mgr.informer<Task>(AGENTTASKS), events: this.events, storeFor: this.storeFor, transcriptDir: this.ctx.cfg.agents.transcriptDir, transcriptsWritten: async () => this.deps.signals?.transcriptsWritten() }, now, log);
  }

  // --- read ---------------------------------------------------------------------------------

  private async observe(task: Task, key: string): Promise<AgentTaskObservation> {
    const workload = this.ownedWorkload(task);
    const obs: AgentTaskObservation = { task, now: new Date(), workload, forge: false, ...(this.deps.signals?.of(key) ?? {}) };
    if (workload && ['Succeeded', 'Failed'].includes(workload.status?.phase ?? '')) Object.assign(obs, await this.podReport(workload));
    // The forge (a Secret read) only when the plan can use it: a pushed branch, or a change in review.
    const reviewing = task.status?.phase === 'Reviewing';
    if (reviewing || obs.result?.result === 'pushed') Object.assign(obs, await this.observeForge(task, reviewing));
    return obs;
  }

  private async observeForge(task: Task, reviewing: boolean): Promise<Partial<AgentTaskObservation>> {
    const forge = await this.forgeOf(task).catch((err: unknown) => ({ error: errorMessage(err) }));
    try {
      const id = reviewing ? changeIdOf(task.status?.pullRequest) : undefined;
      const change = id !== undefined && forge ? await this.readChange(forge, id) : {};
      // New review comments matter only while no iteration runs (they wait for the next poll otherwise).
      const feedback = change.change?.state === 'open' && !task.status?.review?.current && forge && !('error' in forge) ? await this.readFeedback(task, forge, id!) : {};
      return { forge: forge !== undefined, ...change, ...feedback };
    } finally {
      if (forge && !('error' in forge)) await closeForge(forge);
    }
  }

  /** Review comments after status.review.lastCommentId, not Weft's own, by users who may write. */
  private async readFeedback(task: Task, f: TaskForge, id: string): Promise<Partial<AgentTaskObservation>> {
    let threads: ReviewThread[];
    try {
      threads = await f.forge.listReviewComments(f.repo, id);
    } catch (err) {
      return { changeError: `cannot read the review comments: ${errorMessage(err)}` };
    }
    const last = task.status?.review?.lastCommentId;
    const fresh = newComments(threads, last);
    const fb: Feedback = { threads: [], lastCommentId: fresh.lastCommentId ?? last ?? '', ignored: 0 };
    for (const t of fresh.threads) {
      const comments: Feedback['threads'][number]['comments'] = [];
      for (const c of t.comments) {
        if (await this.mayWrite(f, c.author)) comments.push({ author: c.author, body: c.body });
        else fb.ignored++;
      }
      if (comments.length) fb.threads.push({ id: t.id, ...(t.path ? { path: t.path } : {}), ...(t.line ? { line: t.line } : {}), comments });
    }
    return fb.lastCommentId || fb.threads.length ? { feedback: fb } : {};
  }

  private async mayWrite(f: TaskForge, user: string): Promise<boolean> {
    const key = `${f.repo}|${user}`;
    const known = this.writers.get(key);
    if (known && known.until > Date.now()) return known.ok;
    const ok = await f.forge.canWrite(f.repo, user).catch(() => false);
    if (this.writers.size > 10_000) this.writers.clear();
    this.writers.set(key, { ok, until: Date.now() + WRITER_TTL_MS });
    return ok;
  }

  /** The Workload of the current attempt, when the cache has it and the task controls it. */
  private ownedWorkload(task: Task): Wl | undefined {
    const name = task.status?.workload;
    const wl = name ? this.ctx.mgr.informer<Wl>(WORKLOADS).get(`${task.metadata!.namespace}/${name}`) : undefined;
    return wl?.metadata?.ownerReferences?.some((r) => r.controller && r.uid === task.metadata?.uid) ? wl : undefined;
  }

  private async readChange(forge: TaskForge | { error: string }, id: string): Promise<Partial<AgentTaskObservation>> {
    if ('error' in forge) return { changeError: forge.error };
    try {
      const c = await forge.forge.getChange(forge.repo, id);
      return { change: { url: c.url, id: c.id, ...numberOf(c.id), state: c.state, headSha: c.headSha, checks: c.checks } };
    } catch (err) {
      return { changeError: errorMessage(err) };
    }
  }

  /** The runner's report (termination message) from the attempt's pod, or the pod's own words. */
  private async podReport(wl: Wl): Promise<{ result?: RunnerResult; podEnd?: string }> {
    const ref = wl.status?.podRef;
    // podRef.cluster is written by newer Workload controllers; placement.cluster by every one.
    const cluster = ref?.cluster ?? wl.status?.placement?.cluster;
    const oc = cluster ? this.ctx.scheduling.clusters.get(cluster) : undefined;
    if (!ref?.name || !ref.namespace || !oc) return {};
    let pod: V1Pod;
    try {
      const conn = await this.ctx.connections.get(oc);
      pod = podOf(conn, `${ref.namespace}/${ref.name}`) ?? (await conn.rest.get<V1Pod & KubernetesObject>(PODS, ref.name, ref.namespace));
    } catch (err) {
      return { podEnd: `cannot read pod ${ref.namespace}/${ref.name}: ${errorMessage(err)}` };
    }
    return reportOf(pod);
  }

  /** Opens (or finds: idempotent by branch) the change of the pushed branch with the operator's credentials. */
  private async openChange(task: Task, a: { branch: string; headSha: string }, log: Logger): Promise<Partial<AgentTaskObservation>> {
    try {
      const f = await this.forgeOf(task);
      if (!f) return { forge: false };
      try {
        return await this.openWith(f, task, a, log);
      } finally {
        await closeForge(f);
      }
    } catch (err) {
      return { changeError: errorMessage(err) };
    }
  }

  private async openWith(f: TaskForge, task: Task, a: { branch: string; headSha: string }, log: Logger): Promise<Partial<AgentTaskObservation>> {
    const src = task.spec.source;
    const title = changeTitle(task);
    const body = [src.inline?.description ?? '', '', `Opened by Weft for AgentTask \`${task.metadata!.namespace}/${task.metadata!.name}\` (attempt ${task.status?.attempt ?? 1}).`].join('\n').trim();
    const c = await f.forge.openOrUpdateChange(f.repo, { branch: a.branch, base: task.spec.repo.baseBranch ?? 'main', title, body });
    log.info({ change: c.url, created: c.created }, c.created ? 'opened the change' : 'found the change of the branch');
    const change: ChangeObservation = { url: c.url, id: c.id, ...numberOf(c.id), state: c.state, headSha: a.headSha };
    return { change };
  }

  // --- apply --------------------------------------------------------------------------------

  private async apply(task: Task, key: string, plan: AgentTaskPlan, log: Logger): Promise<{ requeueAfterMs: number } | undefined> {
    for (const action of plan.actions) {
      const t0 = performance.now();
      await this.act(task, action, { key, log, changeId: changeIdOf(plan.status?.pullRequest) });
      await faultPoint(`agenttask:after:${action.type}`, key);
      log.debug({ action: action.type, ms: Math.round(performance.now() - t0) }, 'action done');
    }
    if (plan.status) {
      try {
        const before = task.status;
        const updated = await updateStatusIfChanged(this.rest, AGENTTASKS, task, plan.status);
        if (updated !== task) this.ctx.mgr.informer<Task>(AGENTTASKS).observeWrite(updated);
        this.metrics.observe(task, before, plan.status);
      } catch (err) {
        if (isConflict(err)) return { requeueAfterMs: 100 };
        if (isNotFound(err)) return undefined;
        throw err;
      }
    }
    for (const e of plan.events) void this.events.record(task, e.type, e.reason, e.message);
    return plan.requeueAfterMs === undefined ? undefined : { requeueAfterMs: plan.requeueAfterMs };
  }

  private async act(task: Task, action: AgentTaskAction, { key, log, changeId }: { key: string; log: Logger; changeId: string | undefined }): Promise<void> {
    switch (action.type) {
      case 'ensureIdentity':
        return this.ensureIdentity(task);
      case 'createWorkload': {
        this.deps.signals?.forget(key, 'upstream');
        const wl = withContainerEnv(agentWorkload(task, action.attempt, this.deps.pod, { diagnostics: action.diagnostics, deadlineSeconds: action.deadlineSeconds }), AGENT_CONTAINER, this.runs.podEnv(key));
        await this.createIfMissing(WORKLOADS, wl as unknown as KubernetesObject);
        log.info({ workload: wl.metadata?.name, attempt: action.attempt }, 'attempt started');
        return;
      }
      case 'deleteWorkload':
        await this.rest.delete(WORKLOADS, action.name, task.metadata!.namespace).catch((err: unknown) => {
          if (!isNotFound(err)) throw err;
        });
        log.info({ workload: action.name }, 'stopped the attempt');
        return;
      case 'openChange':
        return; // done before planning again (reconcile)
      case 'comment':
      case 'reply':
      case 'commitStatus':
        return this.onForge(task, action, log, changeId);
    }
  }

  /**
   * A comment, replies or a commit status on the change. Comments and replies are posted only when
   * none with their marker exists yet, so a retry after a crash never posts twice. Failures are
   * logged and recorded as an Event: the change itself is fine, and the next iteration says more.
   */
  private async onForge(task: Task, action: ForgeAction, log: Logger, id: string | undefined): Promise<void> {
    try {
      const f = await this.forgeOf(task);
      if (!f) return;
      try {
        await this.writeOnChange(f, action, id);
      } finally {
        await closeForge(f);
      }
    } catch (err) {
      log.warn({ err: errorMessage(err), action: action.type }, 'could not write on the change');
      void this.events.record(task, 'Warning', 'ChangeCommentFailed', `${action.type} on the change failed: ${errorMessage(err)}`);
    }
  }

  private async writeOnChange(f: TaskForge, action: ForgeAction, id: string | undefined): Promise<void> {
    if (action.type === 'commitStatus') {
      // Radicle has no commit statuses: the summary comment says how the toolchain went.
      if (f.forge.kind !== 'radicle') await f.forge.setCommitStatus(f.repo, { sha: action.sha, context: 'weft/agent', state: action.state, description: action.description });
      return;
    }
    if (id === undefined) return;
    const threads = await f.forge.listReviewComments(f.repo, id);
    const has = (t: ReviewThread | undefined) => t?.comments.some((c) => c.body.includes(action.marker)) ?? false;
    if (action.type === 'comment') {
      if (!threads.some(has)) await f.forge.comment(f.repo, id, action.body);
      return;
    }
    for (const threadId of action.threads) if (!has(threads.find((t) => t.id === threadId))) await f.forge.reply(f.repo, id, { threadId, body: action.body });
  }



  private async ensureIdentity(task: Task): Promise<void> {
    if (this.identityDone.has(task.metadata!.uid!)) return;
    const { serviceAccount, role, roleBinding } = taskIdentityObjects(task);
    // The ServiceAccount and the Role at once; the RoleBinding after the Role (the apiserver checks
    // that the operator holds what the bound Role grants, which needs the Role).
    await Promise.all([this.createIfMissing(SERVICE_ACCOUNTS, serviceAccount), this.createIfMissing(ROLES, role)]);
    await this.createIfMissing(ROLE_BINDINGS, roleBinding);
    this.identityDone.add(task.metadata!.uid!);
  }

  private async createIfMissing(t: ResourceType, obj: KubernetesObject): Promise<void> {
    try {
      await this.rest.create(t, obj);
    } catch (err) {
      if (!isAlreadyExists(err)) throw err;
    }
  }
}

/** The runner's report in the agent container's termination message, else how the container ended. */
export function reportOf(pod: V1Pod): { result?: RunnerResult; podEnd?: string } {
  const st = pod.status?.containerStatuses?.find((c) => c.name === AGENT_CONTAINER);
  const term = st?.state?.terminated ?? st?.lastState?.terminated;
  if (!term) return {};
  const result = decodeResult(term.message);
  if (result) return { result };
  const message = term.message ? `: ${term.message.slice(0, 2000)}` : '';
  return { podEnd: `container ${AGENT_CONTAINER} ended: ${term.reason ?? 'Error'} (exit code ${term.exitCode})${message}` };
}

/** Releases a forge client's connections (each reconcile makes its own from the task's Secret). */
const closeForge = (f: TaskForge): Promise<void> => (f.forge as ForgeProvider & { close?: () => Promise<void> }).close?.() ?? Promise.resolve();

/** The pull request title: the inline title, else the one `weft speckit sync` wrote, else the Spec-Kit task id. */
function changeTitle(task: Task): string {
  const src = task.spec.source;
  return src.inline?.title ?? task.metadata?.annotations?.['weft.dev/title'] ?? `${src.specKit?.taskId}: ${src.specKit?.path}`;
}

/** A PR number from a change id ("12"); Radicle patch ids are not numbers. */
const numberOf = (id: string): { number?: number } => (/^[1-9][0-9]{0,9}$/.test(id) ? { number: Number(id) } : {});
/** The change's id in status (`id`; tasks from before it have only the PR `number`). */
const changeIdOf = (pr: { id?: string; number?: number } | undefined): string | undefined => pr?.id ?? (pr?.number !== undefined ? String(pr.number) : undefined);
