import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { KubeConfig } from '@kubernetes/client-node';
import { freePorts } from '../../src/cluster/ports.js';
import { captureOutput, controlPlane, controlPlaneDiagnostics, createNamespace, deleteNamespace, eventually, kubectl, uniqueName } from '../harness/index.js';

const WEFT = fileURLToPath(new URL('../../bin/weft.js', import.meta.url));
const OPERATOR_ROLE = fileURLToPath(new URL('../../config/rbac/role.yaml', import.meta.url));

interface Replica {
  proc: ChildProcess;
  port: number;
}

async function leading(r: Replica): Promise<boolean | undefined> {
  try {
    const body = (await (await fetch(`http://127.0.0.1:${r.port}/readyz`)).json()) as { checks: Array<{ name: string; message: string }> };
    const msg = body.checks.find((c) => c.name === 'leader')?.message ?? '';
    return msg.startsWith('leading') ? true : msg.startsWith('standby') ? false : undefined;
  } catch {
    return undefined;
  }
}

describe('two `weft operator` replicas (leader election on a Lease)', () => {
  it('exactly one leads; when it is killed with SIGKILL the other leads within the lease duration', async () => {
    const cp = await controlPlane();
    const ns = await createNamespace(cp.kubeConfig(), 'leader');
    const ports = await freePorts(2);
    const replicas: Replica[] = ports.map((port) => ({
      port,
      proc: spawn(process.execPath, [WEFT, 'operator', '--kubeconfig', cp.kubeconfigPath, '--namespace', ns, '--http-addr', `127.0.0.1:${port}`, '--log-level', 'info'], { stdio: ['ignore', 'pipe', 'pipe'] }),
    }));
    for (const r of replicas) captureOutput(`weft operator :${r.port}`, [r.proc.stdout, r.proc.stderr]);
    try {
      const states = await eventually(async () => {
        const s = await Promise.all(replicas.map(leading));
        expect(s.sort()).toEqual([false, true]);
        return s;
      }, { timeoutMs: 60_000 });
      expect(states.filter(Boolean)).toHaveLength(1);
      const states2 = await Promise.all(replicas.map(leading));
      const leaderIdx = states2.indexOf(true);
      const leader = replicas[leaderIdx]!;
      const other = replicas[1 - leaderIdx]!;

      const killedAt = Date.now();
      leader.proc.kill('SIGKILL');
      await eventually(async () => expect(await leading(other)).toBe(true), { timeoutMs: 30_000, intervalMs: 200 });
      // lease 15 s + one retry period (2 s) + slack for the probe
      expect(Date.now() - killedAt).toBeLessThan(15_000 + 2_000 + 3_000);
    } finally {
      for (const r of replicas) r.proc.kill('SIGKILL');
      await deleteNamespace(cp.kubeConfig(), ns);
    }
  });
});

/** `weft operator` as a new user starts it: against a namespace that does not exist yet. */
describe('`weft operator` against a fresh cluster (its namespace missing)', () => {
  const started: ChildProcess[] = [];
  afterEach(() => {
    for (const p of started.splice(0)) p.kill('SIGKILL');
  });
  const operator = (kubeconfig: string, namespace: string, port: number) => {
    const p = spawn(process.execPath, [WEFT, 'operator', '--kubeconfig', kubeconfig, '--namespace', namespace, '--http-addr', `127.0.0.1:${port}`, '--log-level', 'info'], { stdio: ['ignore', 'pipe', 'pipe'] });
    captureOutput(`weft operator --namespace ${namespace}`, [p.stdout, p.stderr]);
    controlPlaneDiagnostics().namespaces.add(namespace);
    started.push(p);
    return p;
  };
  const readyz = async (port: number) => {
    const res = await fetch(`http://127.0.0.1:${port}/readyz`);
    const body = (await res.json()) as { checks: Array<{ name: string; message: string }> };
    return { status: res.status, leader: body.checks.find((c) => c.name === 'leader')?.message ?? '' };
  };

  it('creates the namespace when it may, then leads and is ready', async () => {
    const cp = await controlPlane();
    const ns = uniqueName('fresh');
    const [port] = await freePorts(1);
    operator(cp.kubeconfigPath, ns, port!);
    try {
      await eventually(async () => expect(await readyz(port!)).toEqual({ status: 200, leader: expect.stringMatching(/^leading as /) }), { timeoutMs: 60_000 });
      expect((await kubectl(cp.kubeconfigPath, ['get', 'ns', ns, '-o', 'name'])).stdout).toBe(`namespace/${ns}`);
    } finally {
      await deleteNamespace(cp.kubeConfig(), ns);
    }
  });

  it('with only its ClusterRole (no create on namespaces): /readyz 503 with the fix, never "another replica leads"; leads once an admin creates it', async () => {
    const cp = await controlPlane();
    const admin = cp.kubeConfig();
    const home = await createNamespace(admin, 'fresh-sa');
    const ns = uniqueName('fresh-missing');
    const sa = uniqueName('weft-operator');
    const dir = await mkdtemp(join(tmpdir(), 'weft-fresh-'));
    try {
      // Given the operator's own ClusterRole (config/rbac/role.yaml) bound to a ServiceAccount
      expect((await kubectl(cp.kubeconfigPath, ['apply', '-f', OPERATOR_ROLE])).exitCode).toBe(0);
      await kubectl(cp.kubeconfigPath, ['create', 'serviceaccount', sa, '-n', home]);
      await kubectl(cp.kubeconfigPath, ['create', 'clusterrolebinding', sa, '--clusterrole=weft-operator', `--serviceaccount=${home}:${sa}`]);
      const token = (await kubectl(cp.kubeconfigPath, ['create', 'token', sa, '-n', home])).stdout.trim();
      const kubeconfig = join(dir, 'kubeconfig');
      await writeFile(kubeconfig, withToken(admin, token));
      const [port] = await freePorts(1);
      // When it starts with a namespace that does not exist
      operator(kubeconfig, ns, port!);
      // Then it is not ready, says why and how to fix it, and claims no leader
      const r = await eventually(async () => {
        const x = await readyz(port!);
        expect(x).toEqual({ status: 503, leader: expect.stringContaining(`namespace "${ns}" does not exist and this operator may not create it`) });
        return x;
      }, { timeoutMs: 60_000 });
      expect(r.leader).toContain(`run \`kubectl create namespace ${ns}\`, or grant the operator create on namespaces`);
      expect(r.leader).not.toMatch(/leads/);
      // And once an admin creates the namespace, it leads
      await kubectl(cp.kubeconfigPath, ['create', 'namespace', ns]);
      await eventually(async () => expect((await readyz(port!)).leader).toMatch(/^leading as /), { timeoutMs: 60_000 });
    } finally {
      await kubectl(cp.kubeconfigPath, ['delete', 'clusterrolebinding', sa, '--ignore-not-found']);
      await deleteNamespace(admin, ns);
      await deleteNamespace(admin, home);
      await rm(dir, { recursive: true, force: true });
    }
  });
});

/** The admin kubeconfig's cluster with a bearer token as the user. */
function withToken(admin: KubeConfig, token: string): string {
  const kc = new KubeConfig();
  kc.loadFromOptions({ clusters: [admin.getCurrentCluster()!], users: [{ name: 'sa', token }], contexts: [{ name: 'sa', cluster: admin.getCurrentCluster()!.name, user: 'sa' }], currentContext: 'sa' });
  return kc.exportConfig();
}
