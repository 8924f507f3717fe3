// parsePolicy: HuJSON text → validated, compiled Policy, or a typed error naming every problem.

import { Checker, describe, type Member } from './check.js';
import { compileRules, indexRules } from './compile.js';
import { PolicyValidationError } from './errors.js';
import { parseHuJson } from './hujson.js';
import type { Definitions } from './refs.js';
import { checkAcls, checkGrants, checkTests } from './rules.js';
import {
  checkAutoApprovers, checkGroups, checkHosts, checkNodeAttrs, checkSsh, checkSshTests, checkTagOwners, readTagOwners,
} from './sections.js';
import type { Policy } from './types.js';

/** The top-level keys of a Headscale v0.29 policy (hscontrol/policy/v2 Policy struct). */
export const POLICY_KEYS = [
  'groups', 'hosts', 'tagOwners', 'acls', 'grants', 'nodeAttrs', 'autoApprovers', 'ssh', 'tests', 'sshTests',
  'randomizeClientPort',
] as const;

type PolicyKey = (typeof POLICY_KEYS)[number];

function collectUsers(policy: Pick<Policy, 'groups' | 'tagOwners'>, aliases: readonly { kind: string; text: string }[]): string[] {
  const users = new Set<string>();
  for (const members of policy.groups.values()) for (const m of members) users.add(m);
  for (const owners of policy.tagOwners.values()) for (const o of owners) if (o.includes('@')) users.add(o.replace(/@$/, ''));
  for (const a of aliases) if (a.kind === 'user') users.add(a.text.replace(/@$/, ''));
  return [...users].sort();
}

/**
 * Parses and validates a Headscale ACL policy and precompiles it for `decide`.
 *
 * Checks what Headscale checks — unknown keys, `action` other than accept, port specs,
 * protocols, IPs/CIDRs, autogroup placement, group members that are not users, nested groups,
 * tag-ownership cycles — and, unlike Headscale (which tolerates some at load and drops the rule
 * later), rejects every reference to a group, tag or host the policy does not define.
 *
 * @throws PolicyParseError for malformed HuJSON (with line and column).
 * @throws PolicyValidationError listing every problem with its JSON path, line and fix.
 * @example
 * const policy = parsePolicy(`{
 *   "tagOwners": { "tag:operator": ["group:ops"] },
 *   "groups": { "group:ops": ["alice@"] },
 *   "acls": [{ "action": "accept", "src": ["group:ops"], "dst": ["tag:operator:443"] }],
 * }`);
 */
export function parsePolicy(text: string): Policy {
  const { value, positions } = parseHuJson(text);
  if (value === null || typeof value !== 'object' || Array.isArray(value)) {
    throw new PolicyValidationError([
      { path: '(document)', line: 1, message: `the policy must be a JSON object, got ${describe(value)}`, fix: 'wrap the policy in { … }' },
    ]);
  }
  const c = new Checker(positions);
  const { groups, hosts, tagOwners, acls, grants, tests } = checkSections(c, c.members(value, '', { keys: POLICY_KEYS, what: 'the policy' }));
  if (c.problems.length > 0) throw new PolicyValidationError(c.problems);

  const rules = compileRules(acls, grants, { groups, hosts }, (id) => c.line(id));
  const aliases = [...acls.flatMap((a) => [...a.src, ...a.dst.map((d) => d.alias)]), ...grants.flatMap((g) => [...g.src, ...g.dst]), ...tests.map((t) => t.src)];
  return { rules, index: indexRules(rules), tests, groups, hosts, tagOwners, users: collectUsers({ groups, tagOwners }, aliases), positions };
}

/** Checks every section of the policy (problems go to `c`) and returns the ones rules are compiled from. */
function checkSections(c: Checker, m: ReadonlyMap<string, Member>) {
  const valueOf = (key: PolicyKey) => m.get(key)?.value;
  const pathOf = (key: PolicyKey) => m.get(key)?.path;

  const groups = checkGroups(c, valueOf('groups'), pathOf('groups'));
  const hosts = checkHosts(c, valueOf('hosts'), pathOf('hosts'));
  const rawOwners = readTagOwners(c, valueOf('tagOwners'), pathOf('tagOwners'));
  const defs: Definitions = { groups: new Set(groups.keys()), tags: new Set(rawOwners.keys()), hosts: new Set(hosts.keys()) };
  const tagOwners = checkTagOwners(c, defs, rawOwners, pathOf('tagOwners'));

  const acls = checkAcls(c, defs, m.get('acls'));
  const grants = checkGrants(c, defs, m.get('grants'));
  const tests = checkTests(c, defs, m.get('tests'));
  checkAutoApprovers(c, defs, valueOf('autoApprovers'), pathOf('autoApprovers'));
  checkNodeAttrs(c, defs, valueOf('nodeAttrs'), pathOf('nodeAttrs'));
  checkSsh(c, defs, valueOf('ssh'), pathOf('ssh'));
  checkSshTests(c, defs, valueOf('sshTests'), pathOf('sshTests'));
  const randomize = m.get('randomizeClientPort');
  if (randomize && typeof randomize.value !== 'boolean') {
    c.report(randomize.path, `"randomizeClientPort" must be true or false, got ${describe(randomize.value)}`, 'write "randomizeClientPort": true');
  }
  return { groups, hosts, tagOwners, acls, grants, tests };
}
