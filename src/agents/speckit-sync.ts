/**
 * Applying a Spec-Kit sync plan (src/speckit/sync.ts, pure) to the cluster, and reading tasks.md through the
 * forge: shared by `weft speckit sync` (src/cli/speckit.ts) and the operator's ConfigMap poller
 * (controllers/speckitsync/). Server-side apply, field manager `weft-speckit-sync`, only for the
 * AgentTasks that differ; never deletes (a task gone from tasks.md is reported in `removed`).
 */
import type { KubernetesObject } from '@kubernetes/client-node';
import type { AgentTask } from '../api/agenttask/types.js';
import { AGENTTASKS } from '../api/resources.js';
import { repoLocation } from './repo.js';
import { GiteaForge, GitHubForge } from '../forge/index.js';
import type { RestClient } from '../runtime/rest.js';
import { ANNOTATION_REPO_URL, LABEL_FEATURE, LABEL_REPO, LABEL_TASK, SyncError, type SyncPlan } from '../speckit/sync.js';

type Task = AgentTask & KubernetesObject;

/** What a sync did (or would do). */
export interface SyncReport {
  created: string[];
  updated: string[];
  unchanged: string[];
  /** AgentTasks of this feature whose task is no longer in tasks.md (left in place). */
  removed: Array<{ name: string; taskId: string }>;
  /** Tasks checked off in tasks.md. */
  done: string[];
}

/** Does `have` contain every leaf of `want` (the apiserver adds defaults, never removes what we set)? */
export function covers(have: unknown, want: unknown): boolean {
  if (want === null || typeof want !== 'object') return have === want;
  if (Array.isArray(want)) return Array.isArray(have) && have.length === want.length && want.every((w, i) => covers(have[i], w));
  if (have === null || typeof have !== 'object' || Array.isArray(have)) return false;
  return Object.entries(want as Record<string, unknown>).every(([k, v]) => covers((have as Record<string, unknown>)[k], v));
}

export const SYNC_FIELD_MANAGER = 'weft-speckit-sync';

/**
 * Refuses a plan whose AgentTask names already belong to the same feature of another repository in
 * the namespace (names are `<feature>-<id>`): syncing it would take those tasks over.
 */
function refuseForeign(plan: SyncPlan, sameFeature: readonly Task[], namespace: string): void {
  const repo = plan.tasks[0]?.metadata.labels?.[LABEL_REPO];
  const planned = new Set(plan.tasks.map((t) => t.metadata.name!));
  const foreign = sameFeature.filter((t) => planned.has(t.metadata!.name!) && t.metadata?.labels?.[LABEL_REPO] !== repo);
  if (!foreign.length) return;
  const other = foreign[0]!.metadata?.annotations?.[ANNOTATION_REPO_URL] ?? 'another repository';
  throw new SyncError(`AgentTasks ${foreign.map((t) => t.metadata!.name).slice(0, 5).join(', ')} in namespace ${namespace} belong to the same feature of ${other}; nothing was applied. Sync this repository's feature into another namespace (-n), or delete those tasks first`);
}

/** Applies the plan (server-side apply, `concurrency` at a time); skips the tasks that already match. */
export async function applySync(rest: RestClient, plan: SyncPlan, namespace: string, o: { dryRun?: boolean; concurrency?: number } = {}): Promise<SyncReport> {
  const sameFeature = (await rest.list<Task>(AGENTTASKS, { namespace, labelSelector: plan.selector.split(',').find((s) => s.startsWith(`${LABEL_FEATURE}=`)) })).items;
  refuseForeign(plan, sameFeature, namespace);
  const repo = plan.selector.split(',').find((s) => s.startsWith(`${LABEL_REPO}=`))?.slice(LABEL_REPO.length + 1);
  const existing = new Map(sameFeature.filter((t) => t.metadata?.labels?.[LABEL_REPO] === repo).map((t) => [t.metadata!.name!, t]));
  const report: SyncReport = { created: [], updated: [], unchanged: [], removed: [], done: plan.done };
  const planned = new Set(plan.tasks.map((t) => t.metadata.name!));
  for (const [name, t] of existing) {
    const id = t.metadata?.labels?.[LABEL_TASK] ?? '?';
    if (!planned.has(name) && !plan.done.includes(id)) report.removed.push({ name, taskId: id });
  }
  const todo = plan.tasks.filter((t) => {
    const have = existing.get(t.metadata.name!);
    if (have && covers(have.metadata, { labels: t.metadata.labels, annotations: t.metadata.annotations }) && covers(have.spec, t.spec)) {
      report.unchanged.push(t.metadata.name!);
      return false;
    }
    (have ? report.updated : report.created).push(t.metadata.name!);
    return true;
  });
  if (o.dryRun) return report;
  let next = 0;
  const worker = async () => {
    while (next < todo.length) {
      const t = todo[next++]!;
      await rest.patch(AGENTTASKS, { name: t.metadata.name!, namespace }, t, { type: 'apply', fieldManager: SYNC_FIELD_MANAGER, force: true });
    }
  };
  await Promise.all(Array.from({ length: Math.max(1, o.concurrency ?? 16) }, worker));
  return report;
}

/**
 * A feature's tasks.md from the forge at a branch (Gitea's contents API, or GitHub's). Throws a
 * SyncError for a URL with no forge API, and the forge's typed errors (not found, auth).
 */
export async function readTasksFromForge(o: { repoUrl: string; feature: string; ref: string; token?: string }): Promise<{ text: string; file: string }> {
  const loc = repoLocation(o.repoUrl);
  if (!loc) throw new SyncError(`"${o.repoUrl}" has no forge API to read tasks.md from (http(s) Gitea or GitHub URLs only)`);
  const forge = loc.kind === 'github' ? new GitHubForge({ token: o.token ?? '' }) : new GiteaForge({ url: loc.baseUrl, token: o.token ?? '' });
  const path = `specs/${o.feature}/tasks.md`;
  try {
    return { text: await forge.readFile(loc.repo, path, o.ref), file: `${o.repoUrl}@${o.ref}:${path}` };
  } finally {
    await forge.close();
  }
}
