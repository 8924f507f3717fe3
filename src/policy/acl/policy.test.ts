import { PolicyValidationError, type PolicyProblem } from './errors.js';
import { PolicyParseError } from './hujson.js';
import { parsePolicy } from './policy.js';

/** The problems parsePolicy reports for `text` (fails the test if it parses). */
function problems(text: string): PolicyProblem[] {
  try {
    parsePolicy(text);
  } catch (e) {
    if (e instanceof PolicyValidationError) return [...e.problems];
    throw e;
  }
  throw new Error('expected a PolicyValidationError');
}

const base = `"groups": { "group:ops": ["alice@"] }, "tagOwners": { "tag:ci": ["group:ops"], "tag:operator": ["group:ops"] }, "hosts": { "db": "10.0.0.5" }`;
const acl = (src: string, dst: string, extra = '') => `{ ${base}, "acls": [{ "action": "accept", "src": [${src}], "dst": [${dst}]${extra} }] }`;

describe('parsePolicy: rejects invalid policies with path, message and fix', () => {
  it.each([
    ['an unknown top-level key', `{ "acl": [] }`, 'acl', 'unknown key "acl" in the policy', 'did you mean "acls"?'],
    ['an unsupported top-level key', `{ "postures": {} }`, 'postures', 'unknown key "postures" in the policy', 'allowed keys: groups, hosts, tagOwners, acls, grants, nodeAttrs, autoApprovers, ssh, tests, sshTests, randomizeClientPort'],
    ['an unknown key in a rule', `{ "acls": [{ "action": "accept", "src": ["*"], "dst": ["*:*"], "ports": [] }] }`, 'acls[0].ports', 'unknown key "ports" in an entry of "acls"', 'allowed keys: action, src, dst, proto'],
    ['a misspelt key in a rule', `{ "acls": [{ "action": "accept", "src": ["*"], "dts": ["*:*"] }] }`, 'acls[0].dts', 'unknown key "dts" in an entry of "acls"', 'did you mean "dst"?'],
    ['an action other than accept', `{ "acls": [{ "action": "deny", "src": ["*"], "dst": ["*:*"] }] }`, 'acls[0].action', 'action "deny" is not supported', 'use "action": "accept" — policies only allow; everything not accepted is denied'],
    ['an undefined group', acl('"group:dev"', '"tag:ci:443"'), 'acls[0].src[0]', 'group "group:dev" is not defined in "groups"', 'add "group:dev": ["alice@"] to "groups" or remove the reference'],
    ['an undefined group with a near miss', acl('"group:opz"', '"tag:ci:443"'), 'acls[0].src[0]', 'group "group:opz" is not defined in "groups"', 'did you mean "group:ops"? Otherwise add "group:opz": ["alice@"] to "groups" or remove the reference'],
    ['a tag not in tagOwners', acl('"group:ops"', '"tag:web:443"'), 'acls[0].dst[0]', 'tag "tag:web" is not defined in "tagOwners"', 'add "tag:web": ["group:ops"] to "tagOwners" or remove the reference'],
    ['an undefined host', acl('"group:ops"', '"cache:6379"'), 'acls[0].dst[0]', 'host "cache" is not defined in "hosts"', 'add "cache": "100.64.0.10" to "hosts" or remove the reference'],
    ['a non-numeric port', acl('"*"', '"tag:ci:http"'), 'acls[0].dst[0]', 'bad port "http": "http" is not a port number', 'use *, a port (443), a list (80,443) or a range (8000-8100)'],
    ['a port out of range', acl('"*"', '"tag:ci:70000"'), 'acls[0].dst[0]', 'bad port "70000": 70000 is out of range 1-65535', 'use *, a port (443), a list (80,443) or a range (8000-8100)'],
    ['an inverted range', acl('"*"', '"tag:ci:9000-8000"'), 'acls[0].dst[0]', 'bad port range "9000-8000": first port is greater than last port', 'write 8000-9000'],
    ['port zero', acl('"*"', '"tag:ci:0"'), 'acls[0].dst[0]', 'bad port "0": port must be >0, or use *', ''],
    ['a destination without a port', acl('"*"', '"tag:ci"'), 'acls[0].dst[0]', 'destination "tag:ci" has no port', 'write "tag:ci:*" or "tag:ci:443"'],
    ['a bad CIDR', acl('"10.0.0.0/33"', '"*:*"'), 'acls[0].src[0]', 'invalid alias "10.0.0.0/33"', 'use *, a user ("alice@"), "group:…", "tag:…", "autogroup:…", a host name from "hosts", or an IP/CIDR'],
    ['a bad host IP', `{ "hosts": { "db": "10.0.0.256" } }`, 'hosts.db', 'host "db" has invalid IP/CIDR "10.0.0.256"', 'use an address like "100.64.0.10" or a CIDR like "10.0.0.0/24"'],
    ['an unknown autogroup', acl('"autogroup:members"', '"*:*"'), 'acls[0].src[0]', 'unknown autogroup "autogroup:members"', 'did you mean "autogroup:member"? Headscale knows autogroup:internet, autogroup:member, autogroup:nonroot, autogroup:tagged, autogroup:self, autogroup:danger-all'],
    ['autogroup:self as a source', acl('"autogroup:self"', '"*:*"'), 'acls[0].src[0]', 'autogroup:self can only be used in destinations', 'here use one of autogroup:member, autogroup:tagged, autogroup:danger-all'],
    ['autogroup:danger-all as a destination', acl('"*"', '"autogroup:danger-all:*"'), 'acls[0].dst[0]', 'autogroup:danger-all can only be used as a source', 'here use one of autogroup:internet, autogroup:member, autogroup:tagged, autogroup:self'],
    ['a group member that is not a user', `{ "groups": { "group:ops": ["alice"] } }`, 'groups["group:ops"][0]', 'group member "alice" is not a user', 'write users with a trailing @, e.g. "alice@"; tags and hosts cannot be group members'],
    ['a tag as a group member', `{ "groups": { "group:ops": ["tag:ci"] } }`, 'groups["group:ops"][0]', 'group member "tag:ci" is not a user', 'write users with a trailing @, e.g. "tag:ci@"; tags and hosts cannot be group members'],
    ['a nested group', `{ "groups": { "group:a": ["x@"], "group:b": ["group:a"] } }`, 'groups["group:b"][0]', 'nested group "group:a" inside "group:b" is not allowed', 'list its users here instead'],
    ['a group name without prefix', `{ "groups": { "ops": ["x@"] } }`, 'groups.ops', 'group name "ops" must start with "group:"', 'rename it to "group:ops"'],
    ['a tag owner that is not defined', `{ "tagOwners": { "tag:a": ["tag:b"] } }`, 'tagOwners["tag:a"][0]', 'tag "tag:b" is not defined in "tagOwners"', 'add "tag:b": ["group:ops"] to "tagOwners" or remove the reference'],
    ['circular tag ownership', `{ "tagOwners": { "tag:a": ["tag:b"], "tag:b": ["tag:a"] } }`, 'tagOwners["tag:a"]', 'circular tag ownership: tag:a → tag:b → tag:a', 'make one of these tags owned by a user or group instead'],
    ['an unknown protocol', acl('"*"', '"*:*"', ', "proto": "http"'), 'acls[0].proto', 'unknown protocol "http"', 'use one of icmp, igmp, ipv4, ip-in-ip, tcp, egp, igp, udp, gre, esp, ah, sctp or a number 1-255'],
    ['ports on a portless protocol', acl('"*"', '"*:22"', ', "proto": "icmp"'), 'acls[0].proto', 'protocol "icmp" has no ports but a destination names specific ports', 'use ":*" in every destination of this rule'],
    ['a grant dst with a port', `{ ${base}, "grants": [{ "src": ["*"], "dst": ["tag:ci:443"], "ip": ["443"] }] }`, 'grants[0].dst[0]', 'grant destination "tag:ci:443" includes ports', 'write "tag:ci" in "dst" and put the ports in "ip", e.g. "ip": ["tcp:443"]'],
    ['a grant with a bad ip', `{ "grants": [{ "src": ["*"], "dst": ["*"], "ip": ["tcp:99999"] }] }`, 'grants[0].ip[0]', 'bad ip entry "tcp:99999": bad port "99999": 99999 is out of range 1-65535', 'use *, a port (443), a list (80,443) or a range (8000-8100)'],
    ['a grant without ip or app', `{ "grants": [{ "src": ["*"], "dst": ["*"] }] }`, 'grants[0]', 'grant has neither "ip" nor "app"', 'add "ip": ["tcp:443"] (network access) or "app": { … } (capabilities)'],
    ['a test naming an undefined tag', `{ "tests": [{ "src": "tag:ghost", "accept": ["*:22"] }] }`, 'tests[0].src', 'tag "tag:ghost" is not defined in "tagOwners"', 'add "tag:ghost": ["group:ops"] to "tagOwners" or remove the reference'],
    ['a test destination with a bad port', `{ "tests": [{ "src": "a@", "deny": ["b@:x"] }] }`, 'tests[0].deny[0]', 'bad port "x": "x" is not a port number', 'use *, a port (443), a list (80,443) or a range (8000-8100)'],
    ['a section of the wrong type', `{ "acls": {} }`, 'acls', '"acls" must be an array, got an object', 'write acls: [ … ]'],
    ['a non-string alias', acl('42', '"*:*"'), 'acls[0].src[0]', 'each entry of "src" must be a string, got number 42', 'quote it, e.g. "tag:ci"'],
    ['an ssh rule with a bad action', `{ "ssh": [{ "action": "allow", "src": ["*"], "dst": ["*"], "users": ["root"] }] }`, 'ssh[0].action', 'ssh action "allow" is invalid', 'use "accept" or "check"'],
    ['an autoApprovers route that is not a CIDR', `{ "autoApprovers": { "routes": { "10.0.0.0": ["a@"], "x": ["a@"] } } }`, 'autoApprovers.routes.x', 'route "x" is not a valid CIDR', 'use a prefix such as "10.0.0.0/24"'],
  ])('%s', (_name, text, path, message, fix) => {
    const found = problems(text);
    expect(found).toContainEqual(expect.objectContaining({ path, message, ...(fix ? { fix } : {}) }));
  });

  it('collects every problem with line numbers, and formats them', () => {
    const text = `{
  "groups": { "group:ops": ["alice@"] },
  "acls": [
    { "action": "accept", "src": ["group:dev"], "dst": ["tag:ci:443"] },
    { "action": "accept", "src": ["group:ops"], "dst": ["*:80-"] },
  ],
}`;
    let err: unknown;
    try {
      parsePolicy(text);
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(PolicyValidationError);
    const v = err as PolicyValidationError;
    expect(v.problems.map((p) => [p.path, p.line])).toEqual([
      ['acls[0].src[0]', 4],
      ['acls[0].dst[0]', 4],
      ['acls[1].dst[0]', 5],
    ]);
    expect(v.message).toContain('policy is invalid (3 problems):');
    expect(v.message).toContain('  acls[0].src[0] (line 4): group "group:dev" is not defined in "groups" — add "group:dev": ["alice@"] to "groups" or remove the reference');
  });

  it('rejects a document that is not an object', () => {
    expect(problems('[]')).toEqual([
      { path: '(document)', line: 1, message: 'the policy must be a JSON object, got an array', fix: 'wrap the policy in { … }' },
    ]);
  });

  it('passes parse errors through with their position', () => {
    expect(() => parsePolicy('{\n  "acls": [,]\n}')).toThrow(PolicyParseError);
    expect(() => parsePolicy('{\n  "acls": [,]\n}')).toThrow('line 2, column 12: unexpected "," — expected a value');
  });
});

describe('parsePolicy: accepts what Headscale accepts', () => {
  it.each([
    ['an empty policy', '{}'],
    ['keys in another case (Headscale matches names case-insensitively)', '{ "ACLs": [{ "Action": "accept", "SRC": ["*"], "dst": ["*:*"] }] }'],
    ['"#" metadata keys in acl entries (headscale-admin)', '{ "acls": [{ "#ha-name": "x", "action": "accept", "src": ["*"], "dst": ["*:*"] }] }'],
    ['bracketed IPv6 destinations', '{ "acls": [{ "action": "accept", "src": ["*"], "dst": ["[fd7a:115c:a1e0::1]:443", "fd7a:115c:a1e0::/48:22"] }] }'],
    ['email users', '{ "groups": { "group:a": ["alice@example.com"] }, "acls": [{ "action": "accept", "src": ["bob@example.com"], "dst": ["group:a:*"] }] }'],
    ['all sections', `{
      "groups": { "group:ops": ["alice@"] },
      "hosts": { "router": "10.0.0.1/32" },
      "tagOwners": { "tag:router": ["group:ops"], "tag:exit": ["tag:router"] },
      "acls": [{ "action": "accept", "src": ["autogroup:member"], "dst": ["autogroup:internet:*"], "proto": "tcp" }],
      "grants": [{ "src": ["group:ops"], "dst": ["10.1.0.0/16"], "ip": ["*"], "via": ["tag:router"] }, { "src": ["autogroup:danger-all"], "dst": ["tag:exit"], "ip": ["icmp", "udp:53", "8000-8100"] }],
      "nodeAttrs": [{ "target": ["*"], "attr": ["magicdns-aaaa"] }],
      "autoApprovers": { "routes": { "10.1.0.0/16": ["tag:router"] }, "exitNode": ["group:ops"] },
      "ssh": [{ "action": "check", "src": ["group:ops"], "dst": ["autogroup:self"], "users": ["autogroup:nonroot", "root"] }],
      "tests": [{ "src": "alice@", "proto": "tcp", "accept": ["1.1.1.1:443"], "deny": [] }],
      "sshTests": [{ "src": "alice@", "dst": ["tag:router"], "accept": ["root"] }],
      "randomizeClientPort": true,
    }`],
  ])('%s', (_name, text) => {
    expect(() => parsePolicy(text)).not.toThrow();
  });

  it('compiles acls then grants, in order, keeping their ids', () => {
    const p = parsePolicy('{ "grants": [{ "src": ["*"], "dst": ["*"], "ip": ["*"] }], "acls": [{ "action": "accept", "src": ["*"], "dst": ["*:*"] }] }');
    expect(p.rules.map((r) => r.id)).toEqual(['acls[0]', 'grants[0]']);
  });
});
