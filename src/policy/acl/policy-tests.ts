// The policy's own `tests` section, and loadPolicy, which refuses a policy whose tests fail
// (as Headscale does on `headscale policy set` and on file reload).

import { DEFAULT_PROTOS, type Alias, type PortRange } from './alias.js';
import { PolicyTestError, type PolicyTestFailure } from './errors.js';
import { decide, findAllowingRule, identityOf, type RuleMatch } from './evaluate.js';
import { joinPath } from './hujson.js';
import { cachedAddr, formatAddr } from './ip.js';
import { parsePolicy } from './policy.js';
import { DeviceView, type Device, type Policy, type PolicyTestSpec, type PolicyTestTarget } from './types.js';

/**
 * Supplies the devices an alias stands for in tests (e.g. from the live node list).
 * Return undefined to fall back to the synthesized representative devices.
 */
export type AliasResolver = (alias: string) => readonly Device[] | undefined;

/** Options for `runTests` and `loadPolicy`. */
export interface RunTestsOptions {
  readonly resolve?: AliasResolver;
}

const userDevice = (login: string): Device => ({ name: `${login}@`, ips: [], user: login, tags: [] });
const tagDevice = (tag: string): Device => ({ name: tag, ips: [], tags: [tag] });

/**
 * One representative device per thing an alias names, built from the policy alone: a user's
 * untagged device, a device per group member, a device carrying the tag, a device at the
 * host's/prefix's first address; autogroup:member is every user the policy names,
 * autogroup:tagged every tag in tagOwners, `*` both.
 */
export function synthesizeDevices(policy: Policy, alias: Alias): Device[] {
  const members = () => (policy.users.length ? policy.users : ['member']).map(userDevice);
  const tagged = () => [...policy.tagOwners.keys()].map(tagDevice);
  switch (alias.kind) {
    case 'user':
      return [userDevice(alias.login)];
    case 'group':
      return (policy.groups.get(alias.text) ?? []).map(userDevice);
    case 'tag':
      return [tagDevice(alias.text)];
    case 'host':
    case 'prefix': {
      const prefix = alias.kind === 'prefix' ? alias.prefix : policy.hosts.get(alias.text);
      return prefix ? [{ name: alias.text, ips: [formatAddr(prefix.addr)], tags: [] }] : [];
    }
    case 'wildcard':
      return [...members(), ...tagged()];
    case 'autogroup':
      if (alias.text === 'autogroup:member') return members();
      if (alias.text === 'autogroup:tagged') return tagged();
      if (alias.text === 'autogroup:internet') return [{ name: 'internet', ips: ['1.1.1.1'], tags: [] }];
      if (alias.text === 'autogroup:danger-all') return [...members(), ...tagged(), { name: 'internet', ips: ['1.1.1.1'], tags: [] }];
      return [];
  }
}

function devicesFor(policy: Policy, alias: Alias, opts: RunTestsOptions): readonly Device[] {
  return opts.resolve?.(alias.text) ?? synthesizeDevices(policy, alias);
}

type Want = { readonly ranges: readonly PortRange[]; readonly protos: readonly number[] };

/** The first rule letting `src` reach any of `dsts` on one of the ranges (Headscale's portsAllowed). */
function allowingRule(policy: Policy, src: Device, dsts: readonly Device[], want: Want): RuleMatch | undefined {
  const s = new DeviceView(src, cachedAddr);
  for (const dst of dsts) {
    const d = new DeviceView(dst, cachedAddr);
    for (const ports of want.ranges) {
      const hit = findAllowingRule(policy, s, d, { ports, protos: want.protos });
      if (hit) return hit;
    }
  }
  return undefined;
}

/** One entry of `tests` being run: its source devices and where destinations' devices come from. */
interface TestRun {
  readonly policy: Policy;
  readonly test: PolicyTestSpec;
  readonly srcs: readonly Device[];
  readonly opts: RunTestsOptions;
}

function checkTarget(run: TestRun, target: PolicyTestTarget, expect: 'accept' | 'deny'): string | undefined {
  const { policy, test, ...ctx } = run;
  const dsts = devicesFor(policy, target.alias, ctx.opts);
  if (dsts.length === 0) return `destination ${JSON.stringify(target.alias.text)} resolved to no devices`;
  const want = { ranges: target.ports, protos: test.protos ?? DEFAULT_PROTOS };
  const flow = `${test.src.text} → ${target.text}`;
  if (expect === 'accept') {
    // Every source device must reach the destination (Headscale: all src prefixes must).
    const blocked = ctx.srcs.find((s) => !allowingRule(policy, s, dsts, want));
    if (!blocked) return undefined;
    const why = decide(policy, { src: blocked, dst: dsts[0] as Device, port: target.ports[0]?.first ?? 0 }).reason;
    return `${flow}: expected ALLOWED, got DENIED for ${identityOf(blocked)} (${why})`;
  }
  // Stricter than Headscale: a deny holds only if no source device reaches the destination.
  for (const s of ctx.srcs) {
    const hit = allowingRule(policy, s, dsts, want);
    if (hit) return `${flow}: expected DENIED, got ALLOWED for ${identityOf(s)} by ${hit.rule.id}${hit.rule.line === undefined ? '' : ` (line ${hit.rule.line})`}`;
  }
  return undefined;
}

/**
 * Evaluates the policy's `tests` section and returns the failures (empty when all pass).
 * Devices come from `opts.resolve` when given, otherwise from `synthesizeDevices`.
 * @example runTests(policy).map((f) => `${f.path}: ${f.message}`)
 */
export function runTests(policy: Policy, opts: RunTestsOptions = {}): PolicyTestFailure[] {
  const failures: PolicyTestFailure[] = [];
  const fail = (path: string, message: string) => {
    const line = policy.positions.get(path)?.line;
    failures.push(line === undefined ? { path, message } : { path, line, message });
  };
  for (const test of policy.tests) {
    const srcs = devicesFor(policy, test.src, opts);
    if (srcs.length === 0) {
      fail(joinPath(test.path, 'src'), `source ${JSON.stringify(test.src.text)} resolved to no devices`);
      continue;
    }
    const run: TestRun = { policy, test, srcs, opts };
    for (const expect of ['accept', 'deny'] as const) {
      test[expect].forEach((target, i) => {
        const problem = checkTarget(run, target, expect);
        if (problem) fail(joinPath(joinPath(test.path, expect), i), problem);
      });
    }
  }
  return failures;
}

/**
 * Parses, validates and tests a policy: what the operator does before putting a new policy in
 * force. A policy whose `tests` fail is rejected.
 * @throws PolicyParseError, PolicyValidationError or PolicyTestError.
 */
export function loadPolicy(text: string, opts: RunTestsOptions = {}): Policy {
  const policy = parsePolicy(text);
  const failures = runTests(policy, opts);
  if (failures.length > 0) throw new PolicyTestError(failures);
  return policy;
}
