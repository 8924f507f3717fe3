import { AgentSignals } from './signals.js';

describe('AgentSignals', () => {
  it('forget: a deleted task tells the listeners (the git mirror goes); a new attempt forgets only the upstream failure, silently', () => {
    const s = new AgentSignals();
    const gone: string[] = [];
    s.onForget((k) => gone.push(k));
    s.onUpstreamFailure({ task: { namespace: 'a', name: 't' }, status: 500, retries: 2, message: 'down' } as Parameters<AgentSignals['onUpstreamFailure']>[0]);
    s.onBudgetExceeded({ task: { namespace: 'a', name: 't' }, message: 'spent' } as Parameters<AgentSignals['onBudgetExceeded']>[0]);
    s.forget('a/t', 'upstream');
    expect(s.of('a/t')).toEqual({ budgetExceeded: 'spent' });
    expect(gone).toEqual([]);
    s.forget('a/t');
    expect(s.of('a/t')).toEqual({});
    expect(gone).toEqual(['a/t']);
  });

  it('transcriptsWritten waits for the gateway registered with onFlushTranscripts (resolves at once without one)', async () => {
    const s = new AgentSignals();
    await expect(s.transcriptsWritten()).resolves.toBeUndefined();
    let flushed = 0;
    s.onFlushTranscripts(async () => void flushed++);
    await s.transcriptsWritten();
    expect(flushed).toBe(1);
  });
});
