/**
 * The operator side of `weft speckit sync`: every ConfigMap annotated `weft.dev/speckit-sync` is a
 * feature to keep in sync, re-read every `intervalSeconds` (and on any change of the ConfigMap).
 * The result goes to the annotation `weft.dev/speckit-sync-status` and an Event, both only when it
 * changes, so an unchanged feature costs one forge read and one list per interval and no write.
 * Runs with the AgentTask controller (behind the AgentTasks gate).
 */
import type { KubernetesObject } from '@kubernetes/client-node';
import type { Logger } from 'pino';
import { CONFIGMAPS, SECRETS } from '../../src/api/resources.js';
import { tokenFromSecret, type SecretLike } from '../../src/forge/secret.js';
import { errorMessage, EventRecorder, isNotFound, RestClient } from '../../src/runtime/index.js';
import { statusCode } from '../../src/runtime/errors.js';
import { parseTasks } from '../../src/speckit/index.js';
import { applySync, readTasksFromForge, type SyncReport } from '../../src/agents/speckit-sync.js';
import { planSync, type SyncOptions } from '../../src/speckit/sync.js';
import type { ControllerContext } from '../context.js';
import { DEFAULT_INTERVAL_SECONDS, SYNC_STATUS_ANNOTATION, syncConfigOf, type SyncConfigMap } from './config.js';

type Cm = SyncConfigMap & KubernetesObject;
interface Deps {
  rest: RestClient;
  events: EventRecorder;
  log: Logger;
}

/**
 * The one-line state after a sync (what the status annotation holds): stable while tasks.md does
 * not change, so that writing it does not make the next sync write again. What changed goes to an Event.
 */
export function summaryOf(r: SyncReport, open: number): string {
  const removed = r.removed.map((x) => x.taskId);
  return `${open} open task(s), ${r.done.length} done; every AgentTask up to date${removed.length ? `; not in tasks.md any more (kept): ${removed.join(', ')}` : ''}`;
}

/** Registers the Spec-Kit sync poller. */
export function setupSpecKitSyncController(ctx: ControllerContext): () => Promise<void> {
  const rest = new RestClient(ctx.kc);
  const events = new EventRecorder(rest, 'speckit-sync', ctx.log);
  ctx.mgr.add({
    name: 'speckit-sync',
    for: CONFIGMAPS,
    concurrency: 2,
    reconcile: ({ key, log }) => reconcileSync(ctx.mgr.informer<Cm>(CONFIGMAPS).get(key), { rest, events, log }),
  });
  return () => events.stop();
}

/** The forge token of the credentials Secret (empty without one: public repositories). */
async function tokenOf(rest: RestClient, o: SyncOptions): Promise<string> {
  if (!o.credentialsSecret) return '';
  const secret = await rest.get<SecretLike & KubernetesObject>(SECRETS, o.credentialsSecret, o.namespace).catch((err: unknown) => (isNotFound(err) ? undefined : Promise.reject(err)));
  return tokenFromSecret({ ...(secret ?? {}), metadata: { name: o.credentialsSecret, namespace: o.namespace } }, 'token');
}

async function reconcileSync(cm: Cm | undefined, d: Deps): Promise<{ requeueAfterMs: number } | undefined> {
  const cfg = cm && syncConfigOf(cm);
  if (!cm || !cfg) return undefined;
  if ('problem' in cfg) {
    await report(cm, d, { ok: false, line: cfg.problem });
    return { requeueAfterMs: DEFAULT_INTERVAL_SECONDS * 1000 };
  }
  const o = cfg.options;
  try {
    const { text, file } = await readTasksFromForge({ repoUrl: o.repoUrl, feature: o.feature, ref: o.baseBranch ?? 'main', token: await tokenOf(d.rest, o) });
    const plan = planSync(parseTasks(text, file), o);
    const r = await applySync(d.rest, plan, o.namespace);
    if (r.created.length || r.updated.length) {
      d.log.info({ feature: o.feature, created: r.created.length, updated: r.updated.length }, 'synced the Spec-Kit feature');
      void d.events.record(cm, 'Normal', 'Applied', `${o.feature}: ${r.created.length} AgentTask(s) created, ${r.updated.length} updated`);
    }
    await report(cm, d, { ok: true, line: summaryOf(r, plan.tasks.length) });
  } catch (err) {
    // tasks.md errors name the line; forge errors name the repository: both wait for the next poll.
    await report(cm, d, { ok: false, line: errorMessage(err) });
  }
  return { requeueAfterMs: cfg.intervalMs };
}

/** Writes the status annotation and an Event when the result changed. */
async function report(cm: Cm, d: Deps, r: { ok: boolean; line: string }): Promise<void> {
  const line = (r.ok ? r.line : `error: ${r.line}`).slice(0, 2048);
  if (cm.metadata?.annotations?.[SYNC_STATUS_ANNOTATION] === line) return;
  void d.events.record(cm, r.ok ? 'Normal' : 'Warning', r.ok ? 'Synced' : 'SyncFailed', line);
  try {
    await d.rest.patch(CONFIGMAPS, { name: cm.metadata!.name!, namespace: cm.metadata!.namespace! }, { metadata: { annotations: { [SYNC_STATUS_ANNOTATION]: line } } });
  } catch (err) {
    // The Event carries the result too: an operator without patch on ConfigMaps still reports.
    if (statusCode(err) === 403) d.log.debug({ err: errorMessage(err) }, 'cannot write the sync status annotation');
    else if (!isNotFound(err)) throw err;
  }
}
