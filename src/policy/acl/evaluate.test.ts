import { decide, identityOf } from './evaluate.js';
import { CONTROL_PLANE_POLICY, D } from './fixtures.test-util.js';
import { canApplyTag } from './owners.js';
import { parsePolicy } from './policy.js';
import type { Device, TransportProto } from './types.js';

const policy = parsePolicy(CONTROL_PLANE_POLICY);

type Case = [name: string, src: Device, dst: Device, port: number, proto: TransportProto | undefined, allowed: boolean, ruleOrReason: string];

describe('decide', () => {
  const cases: Case[] = [
    // groups and users
    ['group member → tag', D.alice, D.operator, 443, undefined, true, 'acls[0]'],
    ['another group member → tag', D.bob, D.operator, 443, 'tcp', true, 'acls[0]'],
    ['group member, port the rule does not list', D.alice, D.operator, 8080, undefined, false, 'acls[0] (line 18) matches alice@ → tag:operator but only allows ports 443'],
    ['user alias matches any dst with *', D.dave, D.workload, 22, undefined, true, 'acls[7]'],
    ['user alias, other port', D.dave, D.workload, 23, undefined, false, 'no rule in acls or grants allows dave@ → tag:workload:23'],
    ['non-member of the group', D.carol, D.workload, 443, undefined, false, 'no rule in acls or grants allows carol@ → tag:workload:443'],
    // tags
    ['tag → tag', D.ci, D.operator, 443, undefined, true, 'acls[1]'],
    ['tag → tag, only matching rule has another port', D.ci, D.operator, 8080, undefined, false, 'no rule in acls or grants allows tag:ci → tag:operator:8080; acls[1] (line 19) matches tag:ci → tag:operator but only allows ports 443'],
    ['device with several tags matches any of them', D.workloadCi, D.operator, 443, undefined, true, 'acls[1]'],
    ['tag owned by a tag does not make the owner a member', D.operator, D.operator, 80, undefined, false, 'no rule in acls or grants allows tag:operator → tag:operator:80'],
    ['tagged device acts as its tag, not its user', D.aliceCi, D.operator, 443, undefined, true, 'acls[1]'],
    ['tagged device gets nothing its user has', D.aliceMonitor, D.operator, 443, undefined, false, 'src alice-monitor is tagged tag:monitor, so acls[0] (which allows its user alice@) does not apply'],
    // ports: list, range, *
    ['port list, first', D.operator, D.workload, 80, undefined, true, 'acls[2]'],
    ['port list, second', D.operator, D.workload, 443, undefined, true, 'acls[2]'],
    ['port range, inside', D.operator, D.workload, 8050, undefined, true, 'acls[2]'],
    ['port range, upper bound', D.operator, D.workload, 8100, undefined, true, 'acls[2]'],
    ['port range, just outside', D.operator, D.workload, 8101, undefined, false, 'only allows ports 80,443,8000-8100'],
    ['invalid port', D.operator, D.workload, 70000, undefined, false, 'invalid port 70000'],
    // autogroups
    ['autogroup:self, same user', D.alice, D.alice2, 22, undefined, true, 'acls[3]'],
    ['autogroup:self, other user', D.alice, D.bob, 22, undefined, false, 'no rule in acls or grants allows alice@ → bob@:22'],
    ['autogroup:self excludes a tagged dst of the same user', D.alice, D.aliceCi, 22, undefined, false, 'alice@ → tag:ci:22'],
    ['autogroup:member excludes tagged srcs', D.aliceCi, D.alice2, 22, undefined, false, 'tag:ci → alice@:22'],
    ['autogroup:tagged dst', D.monitor, D.operator, 9100, undefined, true, 'acls[4]'],
    ['autogroup:tagged excludes untagged dst', D.monitor, D.alice, 9100, undefined, false, 'tag:monitor → alice@:9100'],
    // proto
    ['proto udp rule, udp request', D.workload, D.apiserver, 53, 'udp', true, 'acls[5]'],
    ['proto udp rule, tcp request', D.workload, D.apiserver, 53, 'tcp', false, 'only allows udp ports 53'],
    // hosts and CIDRs
    ['host CIDR src → host dst', D.officePc, D.apiserver, 6443, undefined, true, 'acls[6]'],
    ['host dst, address outside', D.officePc, D.db, 6443, undefined, false, 'office-pc → db:6443'],
    ['CIDR dst', D.carol, D.db, 5432, undefined, true, 'acls[8]'],
    ['CIDR dst, other port', D.carol, D.db, 5433, undefined, false, 'acls[8] (line 26) matches carol@ → db but only allows ports 5432'],
    // grants
    ['grant ip tcp:port', D.carol, D.operator, 8443, undefined, true, 'grants[0]'],
    ['grant ip tcp:port, udp request', D.carol, D.operator, 8443, 'udp', false, 'grants[0] (line 29) matches carol@ → tag:operator but only allows tcp ports 8443'],
    ['grant ip *', D.operator, D.ci, 12345, 'udp', true, 'grants[1]'],
    ['grant ip port without proto, tcp', D.workload, D.monitor, 4317, 'tcp', true, 'grants[2]'],
    ['grant ip port without proto, udp', D.workload, D.monitor, 4317, 'udp', true, 'grants[2]'],
    ['app-only grant confers no network access', D.carol, D.operator, 443, undefined, false, 'carol@ → tag:operator:443'],
    // identity-less devices
    ['device without user or tags', D.anonymous, D.operator, 443, undefined, false, 'an unidentified device → tag:operator:443'],
  ];

  it.each(cases)('%s', (_name, src, dst, port, proto, allowed, expected) => {
    const d = decide(policy, { src, dst, port, ...(proto ? { proto } : {}) });
    expect(d.allowed).toBe(allowed);
    if (allowed) {
      expect(d.rule).toBe(expected);
      expect(d.reason).toMatch(new RegExp(`^${expected.replace(/[[\]]/g, '\\$&')} allows `));
    } else {
      expect(d.rule).toBeUndefined();
      expect(d.reason).toContain(expected);
    }
  });

  it('names the matching aliases in the reason', () => {
    expect(decide(policy, { src: D.bob, dst: D.operator, port: 443 }).reason).toBe(
      'acls[0] allows bob@ → tag:operator:443 (src "group:ops", dst "tag:operator:443")',
    );
    expect(decide(policy, { src: D.carol, dst: D.operator, port: 8443 }).reason).toBe(
      'grants[0] allows carol@ → tag:operator:8443 (src "group:dev", dst "tag:operator", ip "tcp:8443")',
    );
  });

  it('denies everything under a policy with no rules', () => {
    const empty = parsePolicy('{}');
    expect(decide(empty, { src: D.alice, dst: D.operator, port: 443 })).toEqual({
      allowed: false,
      reason: 'no rule in acls or grants allows alice@ → tag:operator:443: the policy has no rules, so everything is denied',
    });
  });

  it('reports the first allowing rule in policy order across tag and non-tag destinations', () => {
    const p = parsePolicy(`{
      "tagOwners": { "tag:x": [], "tag:y": [] },
      "acls": [
        { "action": "accept", "src": ["*"], "dst": ["tag:y:443"] },
        { "action": "accept", "src": ["*"], "dst": ["autogroup:tagged:443"] },
        { "action": "accept", "src": ["*"], "dst": ["tag:x:443"] },
      ],
      "grants": [{ "src": ["*"], "dst": ["tag:x"], "ip": ["tcp:8443"] }],
    }`);
    const x = { name: 'x', ips: [], tags: ['tag:x'] };
    const xy = { name: 'xy', ips: [], tags: ['tag:x', 'tag:y'] };
    expect(decide(p, { src: D.alice, dst: x, port: 443 }).rule).toBe('acls[1]');
    expect(decide(p, { src: D.alice, dst: xy, port: 443 }).rule).toBe('acls[0]');
    expect(decide(p, { src: D.alice, dst: x, port: 8443 }).rule).toBe('grants[0]');
    expect(p.index.byDstTag.get('tag:x')).toEqual([2, 3]);
    expect(p.index.anyDst).toEqual([1]);
  });

  it('matches IPv6 addresses in CIDRs and autogroup:internet', () => {
    const p = parsePolicy(`{
      "acls": [
        { "action": "accept", "src": ["fd7a:115c:a1e0::/48"], "dst": ["autogroup:internet:443"] },
      ],
    }`);
    const exit = { name: 'exit', ips: ['8.8.8.8'], tags: [] };
    expect(decide(p, { src: D.dave, dst: exit, port: 443 }).allowed).toBe(true);
    expect(decide(p, { src: D.dave, dst: D.officePc, port: 443 }).allowed).toBe(false);
    expect(decide(p, { src: D.alice, dst: exit, port: 443 }).allowed).toBe(false);
  });
});

describe('identityOf', () => {
  it.each([
    [D.operator, 'tag:operator'],
    [D.workloadCi, 'tag:workload,tag:ci'],
    [D.alice, 'alice@'],
    [{ name: 'x', ips: [], user: 'eve@example.com', tags: [] }, 'eve@example.com'],
    [D.db, 'db'],
  ])('%j → %s', (device, want) => expect(identityOf(device)).toBe(want));
});

describe('canApplyTag', () => {
  it.each([
    ['a group member owns the tag', D.alice, 'tag:operator', true],
    ['a user outside the owning group', D.carol, 'tag:operator', false],
    ['a device tagged with the owning tag (tag owns tag)', D.operator, 'tag:workload', true],
    ['a user owning the owning tag (transitive)', D.bob, 'tag:workload', true],
    ['a device tagged with an unrelated tag', D.ci, 'tag:workload', false],
    ['a tagged device is not its user', D.aliceCi, 'tag:monitor', false],
    ['a direct user owner', D.alice, 'tag:monitor', true],
    ['an undefined tag', D.alice, 'tag:nope', false],
  ] as const)('%s', (_name, device, tag, want) => expect(canApplyTag(policy, device, tag)).toBe(want));
});
