// A micro-benchmark for `decide` on a realistic policy: 20 groups, 20 tags, ~50 rules mixing
// acls and grants with tags, groups, users, hosts, CIDRs, autogroups and port lists/ranges.

import { decide } from './evaluate.js';
import { parsePolicy } from './policy.js';
import type { DecisionRequest, Device, Policy } from './types.js';

const TEAMS = 20;

/** The benchmark policy's text (HuJSON). */
export function benchPolicyText(): string {
  const groups: Record<string, string[]> = {};
  const tagOwners: Record<string, string[]> = { 'tag:operator': ['group:team0'] };
  const acls: object[] = [];
  const grants: object[] = [];
  for (let t = 0; t < TEAMS; t++) {
    groups[`group:team${t}`] = [`user${t}a@`, `user${t}b@`, `user${t}c@`];
    tagOwners[`tag:svc${t}`] = [`group:team${t}`, 'tag:operator'];
  }
  for (let t = 0; t < TEAMS; t++) {
    acls.push({ action: 'accept', src: [`group:team${t}`], dst: [`tag:svc${t}:443,8443`, `tag:svc${(t + 1) % TEAMS}:8000-8100`] });
    grants.push({ src: [`tag:svc${t}`], dst: [`tag:svc${(t + 3) % TEAMS}`], ip: ['tcp:5432', 'tcp:6379'] });
  }
  acls.push(
    { action: 'accept', src: ['autogroup:member'], dst: ['autogroup:self:*'] },
    { action: 'accept', src: ['group:team0', 'group:team1'], dst: ['tag:operator:443'] },
    { action: 'accept', src: ['tag:operator'], dst: ['autogroup:tagged:9090,9100'] },
    { action: 'accept', src: ['100.64.0.0/16'], dst: ['monitoring:9090'] },
    { action: 'accept', src: ['user0a@'], dst: ['*:22'] },
  );
  for (let i = 0; i < 5; i++) grants.push({ src: [`group:team${i}`], dst: ['tag:operator'], ip: [`tcp:${9000 + i}`] });
  return JSON.stringify({ groups, tagOwners, hosts: { monitoring: '100.100.1.1/32' }, acls, grants }, null, 2);
}

function devices(): Device[] {
  const out: Device[] = [];
  for (let t = 0; t < TEAMS; t++) {
    out.push({ name: `svc${t}`, ips: [`100.64.${t}.1`, `fd7a:115c:a1e0::${t + 1}`], tags: [`tag:svc${t}`] });
    for (const s of ['a', 'b', 'c']) out.push({ name: `laptop-${t}${s}`, ips: [`100.65.${t}.${s.charCodeAt(0)}`], user: `user${t}${s}`, tags: [] });
  }
  out.push({ name: 'operator', ips: ['100.64.200.1'], tags: ['tag:operator'] }, { name: 'monitoring', ips: ['100.100.1.1'], tags: [] });
  return out;
}

/**
 * Builds `n` deterministic requests over the benchmark devices: three quarters are the
 * traffic the policy is written for (a team's users and services), a quarter is random pairs
 * (mostly denied), so both the allow and the deny path are measured.
 */
export function benchRequests(n: number): DecisionRequest[] {
  const ds = devices();
  const svc = (t: number) => ds[(t % TEAMS) * 4] as Device;
  const member = (t: number, k: number) => ds[(t % TEAMS) * 4 + 1 + (k % 3)] as Device;
  const ports = [22, 443, 5432, 8050, 8443, 9000, 9090, 6379, 80, 31337];
  // mulberry32: a small deterministic PRNG.
  let seed = 42;
  const next = () => {
    seed = (seed + 0x6d2b79f5) >>> 0;
    let z = Math.imul(seed ^ (seed >>> 15), seed | 1);
    z ^= z + Math.imul(z ^ (z >>> 7), z | 61);
    return (z ^ (z >>> 14)) >>> 0;
  };
  return Array.from({ length: n }, () => {
    const t = next() % TEAMS;
    switch (next() % 4) {
      case 0:
        return { src: member(t, next()), dst: svc(t), port: 443 };
      case 1:
        return { src: svc(t), dst: svc(t + 3), port: 5432 };
      case 2:
        return { src: member(t, next()), dst: svc(t + 1), port: 8050 };
      default:
        return { src: ds[next() % ds.length] as Device, dst: ds[next() % ds.length] as Device, port: ports[next() % ports.length] as number };
    }
  });
}

/**
 * Times `n` decisions against the benchmark policy and returns decisions per second.
 * Requests are prepared up front so only `decide` is measured.
 * @example console.log(`${Math.round(benchDecisions(200_000))} decisions/s`)
 */
export function benchDecisions(n: number, policy: Policy = parsePolicy(benchPolicyText())): number {
  const requests = benchRequests(Math.min(n, 10_000));
  let allowed = 0;
  for (let i = 0; i < Math.min(n, 2_000); i++) allowed += decide(policy, requests[i % requests.length] as DecisionRequest).allowed ? 1 : 0;
  const start = performance.now();
  for (let i = 0; i < n; i++) allowed += decide(policy, requests[i % requests.length] as DecisionRequest).allowed ? 1 : 0;
  const seconds = (performance.now() - start) / 1000;
  // Reading `allowed` keeps the loop from being optimized away.
  return allowed >= 0 ? n / Math.max(seconds, 1e-9) : 0;
}
