/**
 * Spec-Kit intake: a feature's tasks.md → one AgentTask per open task, with stable names and
 * labels, and `spec.dependsOn` from the task graph (phases in order, `[P]` tasks of a phase side by
 * side, explicit `Depends: T004`). Pure: `weft speckit sync` (src/cli/speckit.ts) reads tasks.md
 * and applies or prints what this returns.
 */
import { createHash } from 'node:crypto';
import type { AgentTask } from '../api/agenttask/types.js';
import { dependencyMap, validateGraph } from './graph.js';
import type { TasksDocument } from './tasks.js';

export const LABEL_FEATURE = 'weft.dev/speckit-feature';
export const LABEL_TASK = 'weft.dev/speckit-task';
export const LABEL_REPO = 'weft.dev/speckit-repo';
export const ANNOTATION_REPO_URL = 'weft.dev/speckit-repo-url';
export const ANNOTATION_LINE = 'weft.dev/speckit-line';
/** The task's tasks.md phase, e.g. `Phase 2: User Story 1` (the dashboard's feature view groups by it). */
export const ANNOTATION_PHASE = 'weft.dev/speckit-phase';
/** The pull request title the controller uses for a Spec-Kit task (`T004: the description`). */
export const ANNOTATION_TITLE = 'weft.dev/title';

/** tasks.md cannot be synced: the message names the line(s) or the flag, and the fix. */
export class SyncError extends Error {
  override readonly name = 'SyncError';
}

export interface SyncOptions {
  repoUrl: string;
  /** `specs/001-login` or `001-login`. */
  feature: string;
  namespace: string;
  org: string;
  baseBranch?: string;
  credentialsSecret?: string;
  /** At most this many tasks of the feature run at once (spec.concurrency; default: no limit). */
  maxParallel?: number;
  /** Spec fields every task gets (agent, toolchain, budget, retryPolicy, review, resources, mcp, …). */
  template?: Partial<AgentTask['spec']>;
}

export interface SyncPlan {
  /** The AgentTasks of the open tasks, in document order. */
  tasks: AgentTask[];
  /** Ids already checked off (no AgentTask is made for them; they count as done for dependencies). */
  done: string[];
  /** The feature's directory name and label value. */
  feature: string;
  /** The label selector of this feature's AgentTasks. */
  selector: string;
}

/** `specs/001-login` → `001-login`; refuses anything that is not a Spec-Kit feature directory. */
export function featureName(feature: string): string {
  const name = feature.replace(/^\.?\/?(specs\/)?/, '').replace(/\/(tasks\.md)?$/, '');
  if (!/^\d{3,}-[A-Za-z0-9._-]+$/.test(name)) throw new SyncError(`--feature "${feature}" is not a Spec-Kit feature directory: expected specs/NNN-name (e.g. specs/001-login)`);
  return name;
}

const slug = (s: string) => s.toLowerCase().replace(/[^a-z0-9-]+/g, '-').replace(/^-+|-+$/g, '');
const short = (s: string, n: number) => createHash('sha256').update(s).digest('hex').slice(0, n);

/** The AgentTask name of a task: `<feature>-<id>`, at most 52 characters (a hash keeps long ones unique). */
export function taskName(feature: string, id: string): string {
  const name = `${slug(feature)}-${id.toLowerCase()}`;
  if (name.length <= 52) return name;
  return `${slug(feature).slice(0, 52 - id.length - 10).replace(/-+$/, '')}-${short(feature, 8)}-${id.toLowerCase()}`;
}

/** A label value for the repository (a hash: URLs are not label values). */
export function repoLabel(url: string): string {
  return short(url.replace(/\.git$/, '').replace(/\/$/, ''), 16);
}

/**
 * Document order inside a phase: a task without `[P]` waits for the tasks before it in its phase
 * (the run of `[P]` tasks right before it, or the task before that); a `[P]` task waits for the
 * nearest task without `[P]` before it. Sub-tasks (indented) follow their phase only.
 */
export function orderDependencies(doc: TasksDocument): Map<string, string[]> {
  const out = new Map<string, string[]>();
  let phase: number | undefined;
  let sequential: string | undefined;
  let run: string[] = [];
  for (const t of doc.tasks) {
    if (t.parent !== undefined) continue;
    if (t.phase?.order !== phase) [phase, sequential, run] = [t.phase?.order, undefined, []];
    if (t.parallel) {
      if (sequential) out.set(t.id, [sequential]);
      run.push(t.id);
      continue;
    }
    const before = run.length ? run : sequential ? [sequential] : [];
    if (before.length) out.set(t.id, before);
    [sequential, run] = [t.id, []];
  }
  return out;
}

/** A cycle that document order closes with an explicit Depends: (the graph check saw none without it). */
function orderCycle(doc: TasksDocument, deps: ReadonlyMap<string, readonly string[]>): string | undefined {
  const state = new Map<string, 'open' | 'done'>();
  const visit = (id: string, path: string[]): string[] | undefined => {
    if (state.get(id) === 'done') return undefined;
    if (state.get(id) === 'open') return [...path.slice(path.indexOf(id)), id];
    state.set(id, 'open');
    for (const on of deps.get(id) ?? []) {
      const c = visit(on, [...path, id]);
      if (c) return c;
    }
    state.set(id, 'done');
    return undefined;
  };
  for (const t of doc.tasks) {
    const c = visit(t.id, []);
    if (c) return `${doc.file}:${doc.byId.get(c[0]!)?.line ?? 0}: dependency cycle ${c.join(' → ')} (tasks without [P] run in document order within a phase: move the task, or mark the tasks [P])`;
  }
  return undefined;
}

/** The spec.concurrency group of a feature: the repository (no scheme, no .git) and the feature, e.g. `git.example.com/acme/app#001-login`. */
export function concurrencyGroup(repoUrl: string, feature: string): string {
  const group = `${repoUrl.replace(/^[a-z+]+:\/\//, '').replace(/\.git$/, '').replace(/\/$/, '')}#${feature}`;
  return group.length <= 253 ? group : `${repoLabel(repoUrl)}#${feature}`.slice(0, 253);
}

/**
 * The plan for a tasks.md. Throws a SpecKitError naming the line for an unknown dependency id or a
 * cycle (duplicate ids are refused by the parser, with their lines).
 */
export function planSync(doc: TasksDocument, o: SyncOptions): SyncPlan {
  const feature = featureName(o.feature);
  const issues = validateGraph(doc);
  if (issues.length) throw new SyncError(`${doc.file} has ${issues.length} dependency problem(s); nothing was applied:\n${issues.map((i) => `  ${doc.file}:${i.line}: ${i.message}`).join('\n')}`);
  const deps = dependencyMap(doc);
  const ordered = orderDependencies(doc);
  const all = new Map(doc.tasks.map((t) => [t.id, [...new Set([...(deps.get(t.id) ?? []).map((d) => d.on), ...(ordered.get(t.id) ?? [])])]]));
  const cycle = orderCycle(doc, all);
  if (cycle) throw new SyncError(`${doc.file} has 1 dependency problem(s); nothing was applied:\n  ${cycle}`);
  const done = doc.tasks.filter((t) => t.done).map((t) => t.id);
  const open = doc.tasks.filter((t) => !t.done);
  const labels = (id: string) => ({ [LABEL_FEATURE]: slug(feature).slice(0, 63).replace(/-+$/, ''), [LABEL_TASK]: id, [LABEL_REPO]: repoLabel(o.repoUrl) });
  const tasks = open.map((t): AgentTask => {
    const dependsOn = (all.get(t.id) ?? []).filter((id) => !doc.byId.get(id)?.done).map((id) => taskName(feature, id));
    const title = `${t.id}: ${t.description.replace(/\s+/g, ' ').trim()}`.slice(0, 256);
    return {
      apiVersion: 'weft.dev/v1alpha1',
      kind: 'AgentTask',
      metadata: {
        name: taskName(feature, t.id),
        namespace: o.namespace,
        labels: labels(t.id),
        annotations: { [ANNOTATION_REPO_URL]: o.repoUrl, [ANNOTATION_LINE]: String(t.line), [ANNOTATION_TITLE]: title, ...(t.phase ? { [ANNOTATION_PHASE]: `Phase ${t.phase.number}: ${t.phase.title}`.slice(0, 256) } : {}) },
      },
      spec: {
        ...(o.template ?? {}),
        org: o.org,
        repo: { url: o.repoUrl, baseBranch: o.baseBranch ?? 'main', ...(o.credentialsSecret ? { credentialsSecretRef: { name: o.credentialsSecret } } : {}) },
        source: { specKit: { path: `specs/${feature}/tasks.md`, taskId: t.id } },
        ...(dependsOn.length ? { dependsOn } : {}),
        ...(o.maxParallel ? { concurrency: { group: concurrencyGroup(o.repoUrl, feature), limit: o.maxParallel } } : {}),
      } as AgentTask['spec'],
    };
  });
  return { tasks, done, feature, selector: `${LABEL_FEATURE}=${labels('x')[LABEL_FEATURE]},${LABEL_REPO}=${repoLabel(o.repoUrl)}` };
}
