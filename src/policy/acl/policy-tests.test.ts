import { PolicyTestError } from './errors.js';
import { CONTROL_PLANE_POLICY, D } from './fixtures.test-util.js';
import { parsePolicy } from './policy.js';
import { loadPolicy, runTests, synthesizeDevices } from './policy-tests.js';

/** The fixture policy with a `tests` section appended. */
const withTests = (tests: string) => CONTROL_PLANE_POLICY.replace(/\}\s*$/, `  "tests": ${tests},\n}`);

describe('runTests', () => {
  it.each([
    ['tag → tag accept and deny', '[{ "src": "tag:ci", "accept": ["tag:operator:443"], "deny": ["tag:operator:22"] }]'],
    ['group src: every member must pass', '[{ "src": "group:ops", "accept": ["tag:operator:443"] }]'],
    ['user src with autogroup:self dst via a user', '[{ "src": "alice@", "accept": ["alice@:22"], "deny": ["bob@:22"] }]'],
    ['proto restricts the test', '[{ "src": "tag:workload", "proto": "udp", "accept": ["apiserver:53"] }, { "src": "tag:workload", "proto": "tcp", "deny": ["apiserver:53"] }]'],
    ['host src and dst', '[{ "src": "office", "accept": ["apiserver:6443"], "deny": ["apiserver:22"] }]'],
    ['CIDR dst and port range', '[{ "src": "carol@", "accept": ["10.20.0.0/16:5432"] }, { "src": "tag:operator", "accept": ["tag:workload:8000-8100"] }]'],
    ['grants count too', '[{ "src": "group:dev", "accept": ["tag:operator:8443"], "deny": ["tag:operator:443"] }]'],
  ])('passes: %s', (_name, tests) => {
    expect(runTests(parsePolicy(withTests(tests)))).toEqual([]);
  });

  it.each([
    [
      'an accept that the policy denies',
      '[{ "src": "tag:ci", "accept": ["tag:operator:8080"] }]',
      'tests[0].accept[0]',
      'tag:ci → tag:operator:8080: expected ALLOWED, got DENIED for tag:ci (no rule in acls or grants allows tag:ci → tag:operator:8080; acls[1] (line 19) matches tag:ci → tag:operator but only allows ports 443)',
    ],
    [
      'a deny that the policy allows',
      '[{ "src": "tag:ci", "deny": ["tag:operator:443"] }]',
      'tests[0].deny[0]',
      'tag:ci → tag:operator:443: expected DENIED, got ALLOWED for tag:ci by acls[1] (line 19)',
    ],
    [
      'a group where only some members pass',
      '[{ "src": "group:ops", "accept": ["alice@:22"] }]',
      'tests[0].accept[0]',
      'group:ops → alice@:22: expected ALLOWED, got DENIED for bob@ (no rule in acls or grants allows bob@ → alice@:22)',
    ],
  ])('fails: %s', (_name, tests, path, message) => {
    const failures = runTests(parsePolicy(withTests(tests)));
    expect(failures).toEqual([expect.objectContaining({ path, message })]);
    expect(failures[0]?.line).toBeGreaterThan(30);
  });

  it('fails a source that names no devices', () => {
    const p = parsePolicy('{ "groups": { "group:empty": [] }, "tests": [{ "src": "group:empty", "accept": ["*:22"] }] }');
    expect(runTests(p)).toEqual([{ path: 'tests[0].src', line: 1, message: 'source "group:empty" resolved to no devices' }]);
  });

  it('uses resolve() for real devices and falls back to synthesis', () => {
    const p = parsePolicy(withTests('[{ "src": "tag:ci", "accept": ["tag:operator:443"] }]'));
    // Given the real CI runner is (wrongly) tagged tag:monitor, the accept fails.
    const failures = runTests(p, { resolve: (alias) => (alias === 'tag:ci' ? [D.aliceMonitor] : undefined) });
    expect(failures.map((f) => f.path)).toEqual(['tests[0].accept[0]']);
    expect(runTests(p, { resolve: () => undefined })).toEqual([]);
  });

  it('synthesizes one representative device per thing an alias names', () => {
    const p = parsePolicy(CONTROL_PLANE_POLICY);
    const names = (alias: string) => synthesizeDevices(p, { kind: 'autogroup', text: alias }).map((d) => d.name);
    expect(names('autogroup:member')).toEqual(['alice@', 'bob@', 'carol@', 'dave@']);
    expect(names('autogroup:tagged')).toEqual(['tag:operator', 'tag:ci', 'tag:workload', 'tag:monitor']);
    expect(synthesizeDevices(p, { kind: 'host', text: 'office' })).toEqual([{ name: 'office', ips: ['192.168.10.0'], tags: [] }]);
  });
});

describe('loadPolicy', () => {
  it('returns the policy when its tests pass', () => {
    // 9 acls + 3 grants; the app-only grant confers no network access and compiles to nothing.
    expect(loadPolicy(withTests('[{ "src": "tag:ci", "accept": ["tag:operator:443"] }]')).rules).toHaveLength(12);
  });

  it('rejects a policy whose tests fail, listing each failure', () => {
    const text = withTests('[{ "src": "tag:ci", "accept": ["tag:operator:443", "tag:workload:80"], "deny": ["tag:operator:443"] }]');
    expect(() => loadPolicy(text)).toThrow(PolicyTestError);
    try {
      loadPolicy(text);
    } catch (e) {
      const err = e as PolicyTestError;
      expect(err.failures.map((f) => f.path)).toEqual(['tests[0].accept[1]', 'tests[0].deny[0]']);
      expect(err.message).toMatch(/^policy tests failed \(2 failures\) — fix the rules or the tests:\n  tests\[0\]\.accept\[1\] \(line \d+\): tag:ci → tag:workload:80: expected ALLOWED/);
    }
  });
});
