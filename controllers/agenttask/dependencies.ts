/** The dispatch gate: spec.dependsOn and spec.concurrency keep a task from starting, in words. */
import type { AgentTask } from '../../src/api/agenttask/types.js';

/** A dependency as the cache has it. */
export interface DependencyView {
  name: string;
  phase?: string;
  outcome?: string;
}

/**
 * Why the task may not start yet (undefined: every dependency Succeeded). `deps[i]` is `names[i]`
 * as the cache has it (undefined: not found).
 */
export function blockedBy(names: readonly string[], deps: ReadonlyArray<DependencyView | undefined>): { reason: 'WaitingForDependency' | 'DependencyFailed'; message: string } | undefined {
  const open = names.map((name, i) => ({ name, d: deps[i] })).filter(({ d }) => d?.phase !== 'Succeeded');
  if (open.length === 0) return undefined;
  const what = ({ name, d }: { name: string; d: DependencyView | undefined }) => `${name} (${d ? `${d.phase ?? 'Pending'}${d.outcome ? `, ${d.outcome}` : ''}` : 'not found'})`;
  const failed = open.filter(({ d }) => d?.phase === 'Failed');
  if (failed.length) return { reason: 'DependencyFailed', message: `a dependency failed: ${open.map(what).join(', ')}; fix it, or remove it from spec.dependsOn` };
  return { reason: 'WaitingForDependency', message: `waits for ${open.map(what).join(', ')} to succeed (change merged)` };
}

/** A task of the same concurrency group as the cache has it. */
export interface GroupMember {
  name: string;
  phase?: string;
  attempt?: number;
}

/** Has the task started an attempt and not finished? (then it holds a slot of its group) */
export function holdsSlot(t: GroupMember): boolean {
  return (t.attempt ?? 0) > 0 && t.phase !== 'Succeeded' && t.phase !== 'Failed';
}

/**
 * Why the task may not start for spec.concurrency (undefined: its group has room). `members` are
 * the other tasks of the group; `admitted` the names this process let start that the cache does
 * not show started yet (they hold a slot too).
 */
export function concurrencyBlock(c: { group: string; limit: number } | undefined, members: readonly GroupMember[], admitted: ReadonlySet<string> = new Set()): { reason: 'ConcurrencyLimit'; message: string } | undefined {
  if (!c) return undefined;
  const running = new Set(members.filter((m) => holdsSlot(m) || (admitted.has(m.name) && m.phase !== 'Succeeded' && m.phase !== 'Failed')).map((m) => m.name));
  if (running.size < c.limit) return undefined;
  const names = [...running].sort();
  const shown = names.length > 5 ? `${names.slice(0, 5).join(', ')} and ${names.length - 5} more` : names.join(', ');
  return { reason: 'ConcurrencyLimit', message: `concurrency group ${c.group} runs ${running.size} of ${c.limit} tasks (${shown}); waits for a slot` };
}

/** What the dispatch gate reads from the informer cache. */
export interface TaskCache {
  get(key: string): AgentTask | undefined;
  list(): AgentTask[];
}

const view = (t: AgentTask): GroupMember => ({ name: t.metadata.name ?? '', ...(t.status?.phase ? { phase: t.status.phase } : {}), ...(t.status?.attempt ? { attempt: t.status.attempt } : {}) });

/**
 * The dispatch gate's inputs for a task that has not started: its spec.dependsOn as the cache has
 * them, and whether its spec.concurrency group is full. `admitted` holds the keys (namespace/name)
 * this process let start that the cache does not show started yet; it is pruned here. Call it and
 * the planner with no await between them, so that two workers cannot both take a group's last slot.
 */
export function dispatchObservation(task: AgentTask, cache: TaskCache, admitted: Set<string>): { dependencies?: Array<DependencyView | undefined>; concurrency?: { reason: 'ConcurrencyLimit'; message: string } } {
  if (task.status?.attempt) return {};
  const ns = task.metadata.namespace ?? '';
  const out: ReturnType<typeof dispatchObservation> = {};
  if (task.spec.dependsOn?.length) {
    out.dependencies = task.spec.dependsOn.map((name) => {
      const d = cache.get(`${ns}/${name}`);
      return d ? { name, ...(d.status?.phase ? { phase: d.status.phase } : {}), ...(d.status?.outcome ? { outcome: d.status.outcome } : {}) } : undefined;
    });
  }
  const c = task.spec.concurrency;
  if (!c) return out;
  for (const key of admitted) {
    const t = cache.get(key);
    if (!t || (t.status?.attempt ?? 0) > 0) admitted.delete(key);
  }
  const self = task.metadata.name;
  const members = cache.list().filter((t) => t.metadata.namespace === ns && t.metadata.name !== self && t.spec.concurrency?.group === c.group);
  const block = concurrencyBlock(c, members.map(view), new Set([...admitted].filter((k) => k.startsWith(`${ns}/`)).map((k) => k.slice(ns.length + 1))));
  if (block) out.concurrency = block;
  return out;
}

/**
 * The keys of the waiting tasks that a change of `changed` may release: when it has ended or is
 * going away, the unstarted tasks of its namespace whose spec.dependsOn names it or that share its
 * concurrency group.
 */
export function wakeOnEnd(changed: AgentTask, all: readonly AgentTask[]): string[] {
  const ns = changed.metadata.namespace;
  const name = changed.metadata.name;
  const ended = ['Succeeded', 'Failed'].includes(changed.status?.phase ?? '') || changed.metadata.deletionTimestamp !== undefined;
  if (!ns || !name || !ended) return [];
  const group = changed.spec.concurrency?.group;
  const waits = (t: AgentTask) => t.spec.dependsOn?.includes(name) === true || (group !== undefined && t.spec.concurrency?.group === group);
  return all.filter((t) => t.metadata.namespace === ns && !t.status?.attempt && t.metadata.name !== name && waits(t)).map((t) => `${ns}/${t.metadata.name}`);
}
