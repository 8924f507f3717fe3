import { SpecKitError } from './errors.js';
import type { SpecTask, TasksDocument } from './tasks.js';

/** Why a task waits for another: an explicit `Depends:` or the phase order. */
export type DependencyKind = 'explicit' | 'phase';

/** One edge of the task graph: `task` cannot start before `on` is done. */
export interface TaskDependency {
  readonly on: string;
  readonly kind: DependencyKind;
}

/** A problem in the dependency graph, with the line that causes it. */
export interface GraphIssue {
  readonly kind: 'unknown-id' | 'cycle';
  readonly message: string;
  readonly line: number;
  /** the ids involved: the task and the unknown id, or the cycle in order */
  readonly ids: readonly string[];
}

/**
 * The tasks of the nearest earlier phase that has tasks. Spec-Kit phases are barriers: Setup before
 * Foundational, Foundational before the user stories, and so on.
 */
function previousPhaseTasks(task: SpecTask, byPhase: Map<number, SpecTask[]>): SpecTask[] {
  const order = task.phase?.order;
  if (order === undefined) return [];
  for (let o = order - 1; o >= 0; o--) {
    const ts = byPhase.get(o);
    if (ts && ts.length > 0) return ts;
  }
  return [];
}

function groupByPhase(doc: TasksDocument): Map<number, SpecTask[]> {
  const m = new Map<number, SpecTask[]>();
  for (const t of doc.tasks) {
    if (!t.phase) continue;
    const list = m.get(t.phase.order) ?? [];
    list.push(t);
    m.set(t.phase.order, list);
  }
  return m;
}

/**
 * The dependencies of one task: its explicit `Depends:` ids, then every task of the previous phase
 * that has tasks (the phase barrier). Sub-tasks also wait for what their parent waits for.
 */
export function dependenciesOf(doc: TasksDocument, id: string, byPhase = groupByPhase(doc)): TaskDependency[] {
  const task = doc.byId.get(id);
  if (!task) return [];
  const out = new Map<string, TaskDependency>();
  for (const on of task.dependsOn) out.set(on, { on, kind: 'explicit' });
  for (const t of previousPhaseTasks(task, byPhase)) if (!out.has(t.id)) out.set(t.id, { on: t.id, kind: 'phase' });
  return [...out.values()];
}

/** Every task's dependencies, keyed by id, computed once for the whole document. */
export function dependencyMap(doc: TasksDocument): Map<string, TaskDependency[]> {
  const byPhase = groupByPhase(doc);
  return new Map(doc.tasks.map((t) => [t.id, dependenciesOf(doc, t.id, byPhase)]));
}

function unknownIds(doc: TasksDocument): GraphIssue[] {
  const issues: GraphIssue[] = [];
  for (const t of doc.tasks) {
    for (const on of t.dependsOn) {
      if (!doc.byId.has(on)) issues.push({ kind: 'unknown-id', line: t.line, ids: [t.id, on], message: `${doc.file}:${t.line}: task ${t.id} depends on unknown task ${on}` });
    }
  }
  return issues;
}

/**
 * Cycles through explicit dependencies and phase barriers. Phase barriers are modelled by one
 * virtual node per phase (a task → its previous phase → that phase's tasks), so the graph stays
 * linear in size even for 10,000 tasks.
 */
function edgesOf(doc: TasksDocument): Map<string, string[]> {
  const byPhase = groupByPhase(doc);
  const edges = new Map<string, string[]>();
  for (const t of doc.tasks) {
    const prev = previousPhaseTasks(t, byPhase)[0]?.phase;
    edges.set(t.id, [...t.dependsOn.filter((d) => doc.byId.has(d)), ...(prev ? [`#phase${prev.order}`] : [])]);
  }
  for (const [order, ts] of byPhase) edges.set(`#phase${order}`, ts.map((t) => t.id));
  return edges;
}

function cycleIssue(doc: TasksDocument, path: ReadonlyArray<[string, number]>, next: string): GraphIssue {
  const ids = [...path.slice(path.findIndex(([n]) => n === next)).map(([n]) => n), next].filter((n) => !n.startsWith('#'));
  const top = path[path.length - 1]?.[0] ?? '';
  const line = doc.byId.get(top.startsWith('#') ? (ids[0] ?? '') : top)?.line ?? 0;
  return { kind: 'cycle', line, ids, message: `${doc.file}:${line}: dependency cycle ${ids.join(' → ')}` };
}

function cycles(doc: TasksDocument): GraphIssue[] {
  const edges = edgesOf(doc);
  const state = new Map<string, 1 | 2>();
  const issues: GraphIssue[] = [];
  for (const start of doc.tasks) {
    if (state.has(start.id)) continue;
    // Iterative DFS: a path stack of [node, next edge index].
    const path: Array<[string, number]> = [[start.id, 0]];
    state.set(start.id, 1);
    while (path.length > 0) {
      const top = path[path.length - 1] as [string, number];
      const next = edges.get(top[0])?.[top[1]++];
      if (next === undefined) {
        state.set(top[0], 2);
        path.pop();
      } else if (state.get(next) === 1) {
        issues.push(cycleIssue(doc, path, next));
      } else if (!state.has(next)) {
        state.set(next, 1);
        path.push([next, 0]);
      }
    }
  }
  return issues;
}

/** Unknown dependency ids and dependency cycles, each with its line. Empty when the graph is sound. */
export function validateGraph(doc: TasksDocument): GraphIssue[] {
  return [...unknownIds(doc), ...cycles(doc)];
}

/**
 * Throws the first graph issue as a `SpecKitError` (file and line), for callers that dispatch tasks
 * and must not start on a broken plan.
 */
export function assertValidGraph(doc: TasksDocument): void {
  const first = validateGraph(doc)[0];
  if (first) throw new SpecKitError(doc.file, first.line, first.message.slice(first.message.indexOf(': ') + 2));
}

/** Tasks that are not done and whose dependencies are all done: what can be dispatched now. */
export function readyTasks(doc: TasksDocument): SpecTask[] {
  const deps = dependencyMap(doc);
  return doc.tasks.filter((t) => !t.done && (deps.get(t.id) ?? []).every((d) => doc.byId.get(d.on)?.done === true));
}
