import { benchDecisions, benchPolicyText, benchRequests } from './bench.js';
import { decide } from './evaluate.js';
import { parsePolicy } from './policy.js';

describe('benchmark policy', () => {
  const policy = parsePolicy(benchPolicyText());

  it('is realistic: about 50 rules over 20 groups', () => {
    expect(policy.rules.length).toBeGreaterThanOrEqual(45);
    expect(policy.groups.size).toBe(20);
  });

  it('mixes allowed and denied decisions', () => {
    const results = benchRequests(2000).map((r) => decide(policy, r).allowed);
    expect(results.filter(Boolean).length).toBeGreaterThan(50);
    expect(results.filter((a) => !a).length).toBeGreaterThan(50);
  });

  it('reports a positive decision rate', () => {
    expect(benchDecisions(5000, policy)).toBeGreaterThan(0);
  });
});
