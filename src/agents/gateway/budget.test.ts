import { spentBudget } from './budget.js';

const task = { namespace: 'acme', name: 'fix-login' };
const now = Date.parse('2026-12-05T03:00:00Z');

describe('spentBudget', () => {
  it.each([
    ['no budget', undefined, { tokens: 1e9, requests: 1e9 }, undefined],
    ['under every limit', { maxTokens: 100, maxRequests: 10, maxWallSeconds: 60 }, { tokens: 99, requests: 9, firstRequestMs: now - 59_000 }, undefined],
    ['requests reached', { maxRequests: 10 }, { tokens: 0, requests: 10 }, 'maxRequests'],
    ['tokens reached', { maxTokens: 100 }, { tokens: 100, requests: 1 }, 'maxTokens'],
    ['tokens crossed by the last reply', { maxTokens: 100 }, { tokens: 140, requests: 1 }, 'maxTokens'],
    ['wall time spent', { maxWallSeconds: 60 }, { tokens: 0, requests: 1, firstRequestMs: now - 60_000 }, 'maxWallSeconds'],
    ['wall time not started (no request yet)', { maxWallSeconds: 1 }, { tokens: 0, requests: 0 }, undefined],
  ])('%s', (_name, budget, use, expected) => {
    expect(spentBudget({ task, budget, use, now })?.budget).toBe(expected);
  });

  it('says which budget, the use, and how to raise it', () => {
    const v = spentBudget({ task, budget: { maxTokens: 1000 }, use: { tokens: 1042, requests: 3 }, now })!;
    expect(v).toMatchObject({ budget: 'maxTokens', limit: 1000, used: 1042 });
    expect(v.message).toBe(
      'budget spec.budget.maxTokens=1000 of AgentTask acme/fix-login is spent (1042 tokens); the gateway refuses further LLM requests. ' +
        `Raise it, e.g.: kubectl patch agenttask fix-login -n acme --type merge -p '{"spec":{"budget":{"maxTokens":2000}}}'`,
    );
  });
});
