import { main } from './main.js';
import type { CliIO } from './io.js';

function capture(): CliIO & { stdout: string; stderr: string } {
  const io = { stdout: '', stderr: '', out: (t: string) => void (io.stdout += t), err: (t: string) => void (io.stderr += t) };
  return io;
}

const run = async (...args: string[]) => {
  const io = capture();
  const code = await main(['node', 'weft', ...args], io);
  return { code, ...io };
};

describe('weft CLI argument errors (exit 2, message names the flag and the allowed values)', () => {
  it.each([
    [['operator', '--bogus'], /unknown option '--bogus'/],
    [['operator', '--log-format', 'xml'], /--log-format.*'xml' is invalid\. Allowed choices are json, pretty/],
    [['operator', '--log-level', 'loud'], /--log-level.*Allowed choices are trace, debug, info, warn, error, fatal, silent/],
    [['operator', '--http-addr', 'nope'], /invalid value for --http-addr: "nope" is not an address; use HOST:PORT/],
    [['operator', '--webhook-addr', ':70000'], /--webhook-addr: port 70000/],
    [['operator', '--feature-gates', 'Foo=true'], /--feature-gates: unrecognized feature gate "Foo"; known gates: AgentTasks, Jobs, MeshACL/],
    [['up', '--feature-gates', 'Jobs=maybe'], /gate Jobs has value "maybe"; use true or false/],
    [['version', '-o', 'yaml'], /Allowed choices are text, json/],
    [['clutser', 'up'], /unknown command 'clutser'/],
    [['cluster', 'up', 'extra'], /too many arguments/],
    [['demo', '--timeout', 'soon'], /--timeout: "soon" is not a positive number of seconds/],
    [['agent', '--name', 'h1', '--org', 'acme', '--mesh', 'headscale'], /--login-server: is required with --mesh=headscale/],
    [['agent', '--name', 'h1', '--org', 'acme', '--mesh', 'zerotier'], /--mesh.*Allowed choices are none, stub, headscale/],
    [['agent', '--org', 'acme'], /--name: is required/],
    [['agent', '--name', 'h1', '--org', 'acme', '--tags', 'GPU'], /--tags: "GPU" is not a valid tag/],
  ])('weft %j', async (args, message) => {
    const r = await run(...args);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(message);
  });

  it('suggests the closest command', async () => {
    expect((await run('verison')).stderr).toMatch(/Did you mean version\?/);
  });
});

describe('weft version', () => {
  it('prints the version and the pinned components', async () => {
    const r = await run('version');
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/^weft \d+\.\d+\.\d+ \(node v\d+.*kubernetes v1\.\d+\.\d+, etcd v3\.\d+\.\d+, kwok v0\.\d+\.\d+\)\n$/);
  });

  it('prints JSON with -o json', async () => {
    const r = await run('version', '-o', 'json');
    expect(JSON.parse(r.stdout)).toMatchObject({ version: expect.any(String), components: { k8s: expect.stringMatching(/^v1\./) } });
  });
});

describe('weft demo', () => {
  it('fails with what to start when no weft up runs in the home', async () => {
    const r = await run('demo', '--home', '/nonexistent/weft-home');
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/weft up is not running with home \/nonexistent\/weft-home; start it in another terminal with `npm run up`/);
  });
});

describe('weft cluster kubeconfig', () => {
  it('fails with a hint when no cluster runs', async () => {
    const r = await run('cluster', 'kubeconfig', '--home', '/nonexistent/weft-home');
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/no local cluster is running in \/nonexistent\/weft-home: start one with `weft cluster up`/);
  });
});
