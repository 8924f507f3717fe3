/**
 * AgentTasks in the dashboard: the table row (phase, outcome, change, Spec-Kit labels, why it waits,
 * usage) and the detail page (attempts from the owned Workloads, the last toolchain summary,
 * diagnostics, usage per model against the budget, conditions, whether the caller may attach).
 */
import type { AgentTask, AgentTaskStatus } from '../../api/agenttask/types.js';
import { artifactViews, attemptRows, conditionsOf, createdAt, opt, type Obj } from './model.js';
import type { AgentTaskDetail, AgentTaskRow } from './types.js';


/** One AgentTask row: its phase, outcome and change, its Spec-Kit labels, why it waits, its usage. */
export function agentTaskRow(t: Obj): AgentTaskRow {
  const st = (t.status ?? {}) as AgentTaskStatus;
  const blocked = st.conditions?.find((c) => c.type === 'Blocked' && c.status === 'True');
  return { ...taskBasics(t, st), ...taskDetails(t, st, blocked?.message), blocked: blocked !== undefined };
}

function taskBasics(t: Obj, st: AgentTaskStatus): Omit<AgentTaskRow, 'blocked'> {
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

function taskDetails(t: Obj, st: AgentTaskStatus, blockedWhy: string | undefined): Partial<AgentTaskRow> {
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


const n = (v: number | undefined) => v ?? 0;
/** Diagnostics can be 64 KiB: the page shows the end, where the failure is. */
const DIAGNOSTICS_SHOWN = 8000;

/** The detail of an AgentTask; `owned` are its Workloads (one per attempt). */
export function agentTaskDetail(t: Obj, owned: readonly Obj[], can: { canAttach: boolean; canReadTranscript: boolean }): AgentTaskDetail {
  const spec = (t.spec ?? {}) as Partial<AgentTask['spec']>;
  const st = (t.status ?? {}) as AgentTaskStatus;
  const u = st.usage ?? {};
  const d = st.diagnostics;
  return {
    task: {
      ...agentTaskRow(t),
      conditions: conditionsOf(t),
      artifacts: artifactViews(st.artifacts),
      ...opt('traceId', st.traceId),
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
    attempts: attemptRows(owned),
  };
}
