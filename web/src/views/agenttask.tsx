import type { AgentTaskDetail } from '../../../src/server/dashboard/types.ts';
import { useState } from 'preact/hooks';
import { download } from '../api.ts';
import { useData } from '../data.ts';
import { useNotify } from '../session.ts';
import { since } from '../format.ts';
import { apiPathFor, href, hrefOf, type Route } from '../route.ts';
import { Badge, Empty, Facts, Link } from '../ui/bits.tsx';
import { Artifacts, Conditions, detailFallback, Head } from './common.tsx';

type Task = AgentTaskDetail['task'];
const num = (n: number) => n.toLocaleString('en');

/** Attach to the agent's code-server: only for users RBAC allows (attach on this task); the route checks again. */
function AttachButton(p: { task: Task }) {
  const t = p.task;
  if (!t.canAttach || !t.codeServer) return null;
  const live = t.phase === 'Running' || t.phase === 'Reviewing';
  return (
    <span class="attach">
      {live ? (
        <a class="button" data-action="attach" href={`/attach/${encodeURIComponent(t.namespace)}/${encodeURIComponent(t.name)}/`} target="_blank" rel="noopener" title="Opens code-server through the operator (signed in with your client certificate)">Attach</a>
      ) : (
        <button type="button" data-action="attach" disabled title="The agent pod is not running">Attach</button>
      )}{' '}
      <span class="small muted">or <code>weft agent attach {t.namespace}/{t.name}</code></span>
    </span>
  );
}

/** Downloads the attempt's LLM transcript (JSONL): only for users RBAC allows get on agenttasks/transcript. */
function TranscriptButton(p: { task: Task; attempt: number }) {
  const notify = useNotify();
  const [busy, setBusy] = useState(false);
  if (!p.task.canReadTranscript) return null;
  const e = encodeURIComponent;
  const run = async () => {
    setBusy(true);
    try {
      await download(`/api/v1/agenttasks/${e(p.task.namespace)}/${e(p.task.name)}/transcript?attempt=${p.attempt}`, `${p.task.name}-attempt-${p.attempt}.jsonl`);
    } catch (err) {
      notify({ text: `No transcript: ${(err as Error).message}`, tone: 'bad' });
    } finally {
      setBusy(false);
    }
  };
  return <button type="button" class="small" data-action="transcript" disabled={busy} onClick={() => void run()}>{busy ? '…' : 'Transcript'}</button>;
}

function budgetOf(t: Task): string {
  const b = t.budget;
  if (!b) return 'none';
  const parts = [b.maxTokens ? `${num(t.usage.inputTokens + t.usage.outputTokens)} of ${num(b.maxTokens)} tokens` : '', b.maxRequests ? `${num(t.usage.requests)} of ${num(b.maxRequests)} requests` : '', b.maxWallSeconds ? `${b.maxWallSeconds} s wall time` : ''];
  return parts.filter(Boolean).join(', ') || 'none';
}

function Usage(p: { task: Task }) {
  const u = p.task.usage;
  if (u.models.length === 0) return <Empty title="No LLM requests yet" />;
  return (
    <div class="table-wrap">
      <table aria-label="LLM usage" data-testid="usage">
        <Head cols={['Model', 'Requests', 'Input tokens', 'Cached', 'Output tokens']} />
        <tbody>
          {u.models.map((m) => (
            <tr key={m.model}><td>{m.model}</td><td class="num">{num(m.requests)}</td><td class="num">{num(m.inputTokens)}</td><td class="num">{num(m.cachedTokens)}</td><td class="num">{num(m.outputTokens)}</td></tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}

function LastRun(p: { task: Task }) {
  const r = p.task.lastRun;
  if (!r) return <Empty title="No toolchain run yet" />;
  const c = r.tests;
  return (
    <div data-testid="last-run">
      <Facts items={[['Tests', r.test ?? '—'], ['Counts', c ? `${c.passed ?? 0} passed, ${c.failed ?? 0} failed, ${c.skipped ?? 0} skipped` : '—'], ['Lint', r.lint ?? '—']]} />
      {(r.failures?.length ?? 0) > 0 && (
        <ul class="failures" aria-label="Failing tests">
          {r.failures!.map((f) => <li key={f.name}><code>{f.location ?? ''}</code> {f.name}{f.message ? `: ${f.message}` : ''}</li>)}
        </ul>
      )}
      {(r.lintErrors?.length ?? 0) > 0 && (
        <ul class="failures" aria-label="Lint errors">
          {r.lintErrors!.map((e) => <li key={`${e.location}${e.message}`}><code>{e.location}</code> {e.message}</li>)}
        </ul>
      )}
    </div>
  );
}

function Attempts(p: { detail: AgentTaskDetail }) {
  if (p.detail.attempts.length === 0) return <Empty title={p.detail.task.blocked ? 'Not started: it waits (see Blocked below)' : 'No attempt yet'} />;
  return (
    <div class="table-wrap">
      <table aria-label="Attempts" data-testid="attempts">
        <Head cols={['Attempt', 'Phase', 'Node', 'Started', 'Finished', 'Message', '']} />
        <tbody>
          {p.detail.attempts.map((a) => (
            <tr key={a.workload} data-attempt={a.attempt} data-phase={a.phase}>
              <td><Link href={hrefOf('workload', `${p.detail.task.namespace}/${a.workload}`)}>#{a.attempt}</Link></td>
              <td><Badge>{a.phase}</Badge></td>
              <td>{a.node ?? '—'}</td>
              <td class="nowrap">{since(a.startedAt ?? a.createdAt)}</td>
              <td class="nowrap">{a.finishedAt ? since(a.finishedAt) : '—'}</td>
              <td class="wrap small">{a.message ?? ''}</td>
              <td><TranscriptButton task={p.detail.task} attempt={a.attempt} /></td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}

/** One AgentTask: attempts, change, usage against the budget, last toolchain run, diagnostics, conditions; live. */
export function AgentTask(p: { route: Route }) {
  const id = `${p.route.namespace}/${p.route.name}`;
  const d = useData<AgentTaskDetail>(apiPathFor(p.route)!, ['agenttasks', 'workloads']);
  const back = <Link href={href('agenttasks')}>← All agent tasks</Link>;
  const fallback = detailFallback(d, { back, gone: `AgentTask “${id}”`, what: `agent task ${id}` });
  if (fallback || !d.data) return fallback ?? null;
  const t = d.data.task;
  const phase = t.blocked ? 'Blocked' : t.phase;
  return (
    <section aria-labelledby="h-agenttask" data-task={id} data-phase={t.phase}>
      {back}
      <header class="page-head">
        <h1 id="h-agenttask">{id} <Badge>{phase}</Badge>{t.outcome && <> <Badge>{t.outcome}</Badge></>}</h1>
        <div class="actions"><AttachButton task={t} /></div>
      </header>
      {t.message && <p class="callout">{t.message}</p>}
      <Facts
        items={[
          ['Org', t.org],
          ['Attempt', t.attempt || '—'],
          ['Change', t.pullRequest ? <a href={t.pullRequest} rel="noopener noreferrer" target="_blank">{t.pullRequest.replace(/^https?:\/\/[^/]+\//, '')}{t.pullRequestState ? ` (${t.pullRequestState})` : ''}</a> : '—'],
          ['Branch', t.branch ?? '—'],
          ['Spec-Kit', t.feature ? <Link href={href('feature', { namespace: t.namespace, name: t.feature })}>{t.feature} {t.taskId ?? ''}</Link> : '—'],
          ['Depends on', t.dependsOn.length ? t.dependsOn.map((n, i) => <>{i ? ', ' : ''}<Link href={href('agenttask', { namespace: t.namespace, name: n })}>{n}</Link></>) : '—'],
          ['Concurrency', t.concurrency ? `${t.concurrency.group} (at most ${t.concurrency.limit})` : '—'],
          ['Review', t.review ? `${t.review.iterations} review, ${t.review.checkIterations} CI iteration(s)` : '—'],
          ['Budget', budgetOf(t)],
          ['Trace', t.traceId ? <code>{t.traceId}</code> : '—'],
          ['Created', since(t.createdAt)],
        ]}
      />
      <h2>Attempts</h2>
      <Attempts detail={d.data} />
      <h2>Last toolchain run</h2>
      <LastRun task={t} />
      {t.diagnostics && (
        <>
          <h2>Diagnostics</h2>
          <pre class="diagnostics" data-testid="diagnostics">{t.diagnostics}</pre>
        </>
      )}
      <h2>LLM usage</h2>
      <Usage task={t} />
      <h2>Artifacts</h2>
      <Artifacts items={t.artifacts} empty={<>Published when the task ends, with an artifact store (the operator&apos;s <code>--artifact-store</code>): each attempt&apos;s transcript and a report.</>} />
      <h2>Conditions</h2>
      <Conditions conditions={t.conditions} />
    </section>
  );
}
