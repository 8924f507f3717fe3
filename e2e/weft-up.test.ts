import { execFileSync } from 'node:child_process';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort } from '../src/cluster/ports.js';
import { toolPath } from '../src/cluster/tools.js';
import { eventually } from '../test/harness/eventually.js';
import { withDiagnostics } from '../test/harness/diagnostics.js';
import { WEFT, processesMentioning, requireBuild, startWeft } from './helpers.js';
import { S3ArtifactStore } from '../src/artifacts/s3.js';
import type { UpState } from '../src/cli/up-state.js';

const kubectl = (kubeconfig: string, ...args: string[]) =>
  execFileSync(toolPath('kubectl'), ['--kubeconfig', kubeconfig, ...args], { encoding: 'utf8' });

describe('weft up (the whole system as a user starts it)', () => {
  let home: string;
  beforeAll(async () => {
    requireBuild();
    home = await mkdtemp(join(tmpdir(), 'weft-e2e-up-'));
  });
  afterAll(async () => rm(home, { recursive: true, force: true }));

  it('brings up the control plane, a real node, CRDs, operator, Gitea and versitygw; weft demo opens pull requests and runs a scan with artifacts; Ctrl-C stops everything', async () => {
    const port = await freePort();
    const weft = startWeft(['up', '--http-addr', `127.0.0.1:${port}`, '--log-level', 'warn'], { WEFT_HOME: home });
    try {
      await withDiagnostics(async () => {
        // A cold real node builds its images first (cached by the earlier real-node tests in CI).
        await weft.waitFor(/Press Ctrl-C to stop everything/, 900_000);
        const kubeconfig = weft.output().match(/kubeconfig\s+(\S+)/)![1]!;
        expect(weft.output()).toContain(`operator       http://127.0.0.1:${port}`);
        // the local forge (default on): Gitea answers at the printed URL with the demo repository
        const forgeUrl = weft.output().match(/forge\s+Gitea (http:\/\/127\.0\.0\.1:\d+)/)![1]!;
        expect((await fetch(`${forgeUrl}/api/v1/repos/weft/demo`)).status).toBe(200);

        // curl /health
        const health = await fetch(`http://127.0.0.1:${port}/health`);
        expect(health.status).toBe(200);
        expect(await health.json()).toMatchObject({ status: 'ok' });
        // readiness follows the apiserver
        await eventually(async () => expect((await fetch(`http://127.0.0.1:${port}/readyz`)).status).toBe(200));
        // kubectl with the printed kubeconfig
        expect(kubectl(kubeconfig, 'get', 'ns', '-o', 'name')).toContain('namespace/kube-system');
        // the same kubeconfig through `weft cluster kubeconfig`
        expect(execFileSync(process.execPath, [WEFT, 'cluster', 'kubeconfig'], { env: { ...process.env, WEFT_HOME: home }, encoding: 'utf8' }).trim()).toBe(kubeconfig);
        // metrics
        expect(await (await fetch(`http://127.0.0.1:${port}/metrics`)).text()).toMatch(/weft_apiserver_up 1/);
        // the read API needs a token: the printed viewer's reads, nobody's is refused
        expect((await fetch(`http://127.0.0.1:${port}/api/v1/nodes`)).status).toBe(401);
        const viewer = weft.output().match(/^\s+viewer\s+(\S+)$/m)![1]!;
        for (const path of ['/api/v1/nodes', '/api/v1/clusters', '/api/v1/capacity', '/api/v1/pods']) {
          expect({ path, status: (await fetch(`http://127.0.0.1:${port}${path}`, { headers: { authorization: `Bearer ${viewer}` } })).status }).toEqual({ path, status: 200 });
        }
        expect(processesMentioning(home).length).toBeGreaterThanOrEqual(2);
        await firstTenMinutes(home, weft.output());
      });
    } finally {
      weft.child.kill('SIGINT');
    }
    expect(await weft.exited).toBe(0);
    expect(weft.output()).toContain('stopped');
    expect(processesMentioning(home)).toEqual([]);
    await expect(fetch(`http://127.0.0.1:${port}/health`)).rejects.toThrow();
  }, 1_500_000);
});

/** `weft demo` as the banner says: two pull requests in Gitea, a third task waiting for them, the scan's artifacts in the bucket. */
async function firstTenMinutes(home: string, banner: string): Promise<void> {
  expect(banner).toMatch(/real node\s+weft-node-1 \(kubelet \+ containerd \+ runc\)/);
  expect(banner).toContain('Try the demo: node bin/weft.js demo');
  const state = JSON.parse(await readFile(join(home, 'up.json'), 'utf8')) as UpState;
  const demo = startWeft(['demo', '--timeout', '600'], { WEFT_HOME: home });
  const code = await demo.exited;
  const out = demo.output();
  if (code !== 0) throw new Error(`weft demo exited ${code}:\n${out}`);
  expect(out).toContain('weft demo: done');
  const token = (await readFile(state.forge!.adminTokenFile, 'utf8')).trim();
  const pulls = (await (await fetch(`${state.forge!.url}/api/v1/repos/${state.forge!.repo}/pulls?state=open`, { headers: { authorization: `token ${token}` } })).json()) as Array<{ head: { ref: string }; html_url: string }>;
  expect(pulls.map((p) => p.head.ref).sort()).toEqual(['weft/001-greetings-t001', 'weft/001-greetings-t002']);
  for (const p of pulls) expect(out).toContain(p.html_url);
  expect(out).toMatch(/agenttask\/001-greetings-t003: Pending, WaitingForDependency/);
  // The scan's SARIF and archived log are in the bucket, under the Job's run.
  const job = out.match(/job\/(greetings-scan-\w+)/)![1]!;
  const store = new S3ArtifactStore(state.demo!.s3);
  const keys = (await store.list(`demo/job/${job}/`)).objects.map((o) => o.key);
  expect(keys).toEqual(expect.arrayContaining([expect.stringMatching(/scan\.sarif$/), expect.stringMatching(/weft-logs\/job\.log$/)]));
  expect(out).toMatch(/osv-scanner 1/);
}

describe('weft cluster up | kubeconfig | down', () => {
  let home: string;
  const run = (...args: string[]) =>
    execFileSync(process.execPath, [WEFT, ...args], { env: { ...process.env, WEFT_HOME: home }, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });

  beforeAll(async () => {
    requireBuild();
    home = await mkdtemp(join(tmpdir(), 'weft-e2e-cluster-'));
  });
  afterAll(async () => {
    try {
      run('cluster', 'down');
    } finally {
      await rm(home, { recursive: true, force: true });
    }
  });

  it('leaves the cluster running in the background, is idempotent, and down removes every process', () => {
    expect(run('cluster', 'up')).toMatch(/local cluster ready at https:\/\/127\.0\.0\.1:\d+/);
    expect(run('cluster', 'up')).toMatch(/already running/);
    const kubeconfig = run('cluster', 'kubeconfig').trim();
    expect(kubectl(kubeconfig, 'get', 'ns', 'default', '-o', 'name').trim()).toBe('namespace/default');
    expect(processesMentioning(home).length).toBeGreaterThanOrEqual(3); // supervisor, etcd, kube-apiserver

    expect(run('cluster', 'down')).toMatch(/local cluster stopped/);
    expect(processesMentioning(home)).toEqual([]);
    expect(run('cluster', 'down')).toMatch(/no local cluster is running/);
  });

  it('leaves no etcd or kube-apiserver behind when its supervisor is killed with SIGKILL', async () => {
    run('cluster', 'up');
    const state = JSON.parse(await readFile(join(home, 'cluster', 'state.json'), 'utf8')) as { ownerPid: number };
    process.kill(state.ownerPid, 'SIGKILL');
    await eventually(() => expect(processesMentioning(home)).toEqual([]), { timeoutMs: 20_000, description: 'guards stop the orphans' });
    expect(() => run('cluster', 'kubeconfig')).toThrow(/no local cluster is running/);
  });
});
