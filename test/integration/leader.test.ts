import { spawn, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { freePorts } from '../../src/cluster/ports.js';
import { controlPlane, createNamespace, deleteNamespace, eventually } from '../harness/index.js';

const WEFT = fileURLToPath(new URL('../../bin/weft.js', import.meta.url));

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
      proc: spawn(process.execPath, [WEFT, 'operator', '--kubeconfig', cp.kubeconfigPath, '--namespace', ns, '--http-addr', `127.0.0.1:${port}`, '--log-level', 'error'], { stdio: 'ignore' }),
    }));
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
