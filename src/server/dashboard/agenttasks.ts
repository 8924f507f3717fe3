/**
 * AgentTasks in the dashboard: the table row (phase, outcome, change, Spec-Kit labels, why it waits,
 * usage) and the detail page (attempts from the owned Workloads, the last toolchain summary,
 * diagnostics, usage per model against the budget, conditions, whether the caller may attach).
 */
import { conditionsOf, createdAt, workloadRow, type Obj } from './model.js';
import type { AgentTaskAttempt, AgentTaskDetail, AgentTaskRow } from './types.js';

/** `{ [k]: v }` when v is set, else nothing (optional row fields). */
const opt = <K extends string, V>(k: K, v: V | undefined | null | ''): Partial<Record<K, V>> => (v === undefined || v === null || v === '' ? {} : ({ [k]: v } as Record<K, V>));

type TaskStatusView = { phase?: string; outcome?: string; attempt?: number; message?: string; pullRequest?: { url?: string }; usage?: { requests?: number; inputTokens?: number; outputTokens?: number }; conditions?: Array<{ type: string; status: string; message?: string }> };

/** One AgentTask row: its phase, outcome and change, its Spec-Kit labels, why it waits, its usage. */
export function agentTaskRow(t: Obj): AgentTaskRow {
  const st = (t.status ?? {}) as TaskStatusView;
  const blocked = st.conditions?.find((c) => c.type === 'Blocked' && c.status === 'True');
  return { ...taskBasics(t, st), ...taskDetails(t, st, blocked?.message), blocked: blocked !== undefined };
}

function taskBasics(t: Obj, st: TaskStatusView): Omit<AgentTaskRow, 'blocked'> {
  const usage = st.usage ?? {};
  return {
    namespace: t.metadata!.namespace!,
    name: t.metadata!.name!,
    org: (t.spec as { org?: string } | undefined)?.org ?? '',
    phase: st.phase ?? 'Pending',
    attempt: st.attempt ?? 0,
    requests: usage.requests ?? 0,
    tokens: (usage.inputTokens ?? 0) + (usage.outputTokens ?? 0),
  };
}

function taskDetails(t: Obj, st: TaskStatusView, blockedWhy: string | undefined): Partial<AgentTaskRow> {
  const labels = t.metadata?.labels ?? {};
  return {
    ...opt('outcome', st.outcome),
    ...opt('feature', labels['weft.dev/speckit-feature']),
    ...opt('taskId', labels['weft.dev/speckit-task']),
    ...opt('pullRequest', st.pullRequest?.url),
    ...opt('message', (blockedWhy ?? st.message)?.slice(0, 500)),
    ...createdAt(t),
    ...specKitPlace(t.metadata?.annotations ?? {}),
  };
}

/** The title, and the tasks.md phase and line, from weft speckit sync's annotations. */
function specKitPlace(a: Record<string, string>): Partial<AgentTaskRow> {
  return { ...opt('title', a['weft.dev/title']?.slice(0, 256)), ...opt('specPhase', a['weft.dev/speckit-phase']), ...opt('line', Number(a['weft.dev/speckit-line']) || undefined) };
}

type Spec = { dependsOn?: string[]; concurrency?: { group: string; limit: number }; budget?: AgentTaskDetail['task']['budget']; agent?: { codeServer?: boolean } };
type Status = { branch?: string; pullRequest?: { state?: string }; lastRun?: AgentTaskDetail['task']['lastRun']; diagnostics?: string; review?: { iterations?: number; checkIterations?: number }; usage?: { requests?: number; inputTokens?: number; outputTokens?: number; cachedTokens?: number; models?: Array<{ model: string; requests?: number; inputTokens?: number; outputTokens?: number; cachedTokens?: number }> } };

const n = (v: number | undefined) => v ?? 0;
/** Diagnostics can be 64 KiB: the page shows the end, where the failure is. */
const DIAGNOSTICS_SHOWN = 8000;

/** The detail of an AgentTask; `owned` are its Workloads (one per attempt). */
export function agentTaskDetail(t: Obj, owned: readonly Obj[], can: { canAttach: boolean; canReadTranscript: boolean }): AgentTaskDetail {
  const spec = (t.spec ?? {}) as Spec;
  const st = (t.status ?? {}) as Status;
  const u = st.usage ?? {};
  const d = st.diagnostics;
  return {
    task: {
      ...agentTaskRow(t),
      conditions: conditionsOf(t),
      ...opt('branch', st.branch),
      ...opt('pullRequestState', st.pullRequest?.state),
      dependsOn: spec.dependsOn ?? [],
      ...opt('concurrency', spec.concurrency),
      ...opt('budget', spec.budget),
      usage: { requests: n(u.requests), inputTokens: n(u.inputTokens), outputTokens: n(u.outputTokens), cachedTokens: n(u.cachedTokens), models: (u.models ?? []).map((m) => ({ model: m.model, requests: n(m.requests), inputTokens: n(m.inputTokens), outputTokens: n(m.outputTokens), cachedTokens: n(m.cachedTokens) })) },
      ...opt('lastRun', st.lastRun),
      ...opt('diagnostics', d && d.length > DIAGNOSTICS_SHOWN ? `…${d.slice(-DIAGNOSTICS_SHOWN)}` : d),
      ...(st.review ? { review: { iterations: n(st.review.iterations), checkIterations: n(st.review.checkIterations) } } : {}),
      codeServer: spec.agent?.codeServer === true,
      ...can,
    },
    attempts: owned.map(attemptOf).sort((a, b) => b.attempt - a.attempt),
  };
}

function attemptOf(w: Obj): AgentTaskAttempt {
  const row = workloadRow(w);
  const attempt = Number(/-(\d+)$/.exec(row.name)?.[1] ?? 0);
  const ready = conditionsOf(w).find((c) => c.type === 'Ready');
  const message = ['Succeeded', 'Failed'].includes(row.phase) ? (ready?.message ?? row.message) : row.message;
  const time = (k: string) => (typeof w.status?.[k] === 'string' ? (w.status[k] as string) : undefined);
  return { attempt, workload: row.name, phase: row.phase, ...opt('node', row.node), ...opt('message', message?.slice(0, 500)), ...createdAt(w), ...opt('startedAt', time('startTime')), ...opt('finishedAt', time('completionTime')) };
}
