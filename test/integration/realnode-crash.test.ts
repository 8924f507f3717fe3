// `weft cluster up --real-node` whose supervisor is SIGKILLed with a pod running: the guards stop
// containerd and the kubelet, the node's janitor runs cleanup.sh, and nothing is left — no container,
// shim, containerd or kubelet process, no mount, no bridge, no cgroup.
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { execa } from 'execa';
import { isAlive } from '../../src/cluster/process.js';
import { packageRoot } from '../../src/version.js';
import { eventually, kubectl, processesMentioning } from '../harness/index.js';

const home = mkdtempSync(join(tmpdir(), 'weft-realnode-crash-'));
const weft = (args: string[]) =>
  execa(process.execPath, [join(packageRoot(), 'bin', 'weft.js'), ...args], { env: { ...process.env, WEFT_HOME: home }, reject: false, timeout: 1_200_000 });

afterAll(async () => {
  await weft(['cluster', 'down']);
  rmSync(home, { recursive: true, force: true });
}, 120_000);

it('cleans up a real node whose owner was SIGKILLed', async () => {
  // Given a running real-node cluster with a pod whose process is marked by its argument
  const up = await weft(['cluster', 'up', '--real-node']);
  expect(up.stderr + up.stdout).toContain('local cluster ready');
  const state = JSON.parse(readFileSync(join(home, 'cluster', 'state.json'), 'utf8')) as { ownerPid: number; kubeconfig: string };
  const env = readFileSync(join(home, 'cluster', 'nodes', 'weft-node-1', 'node.env'), 'utf8');
  const bridge = /^BRIDGE="(.*)"$/m.exec(env)![1]!;
  const cgroup = /^CGROUP="(.*)"$/m.exec(env)![1]!;
  const marker = `5${Math.floor(Math.random() * 1e6)}`;
  const run = await kubectl(state.kubeconfig, ['run', 'victim', '--image=localhost/weft-runner:dev', '--image-pull-policy=Never', '--restart=Never', '--', 'sleep', marker]);
  expect(run.exitCode).toBe(0);
  await eventually(() => expect(processesMentioning(`sleep ${marker}`)).toHaveLength(1), { timeoutMs: 120_000 });
  expect(processesMentioning('containerd-shim-runc-v2').filter((l) => l.includes(home))).toHaveLength(1);

  // When its supervisor dies without a chance to stop anything
  process.kill(state.ownerPid, 'SIGKILL');

  // Then everything of the node goes away
  await eventually(
    () => {
      expect(isAlive(state.ownerPid)).toBe(false);
      expect(processesMentioning(home)).toEqual([]);
      expect(processesMentioning(`sleep ${marker}`)).toEqual([]);
      expect(readFileSync('/proc/self/mountinfo', 'utf8').split('\n').filter((l) => l.includes(home))).toEqual([]);
      expect(existsSync(`/sys/class/net/${bridge}`)).toBe(false);
      expect(existsSync(`/sys/fs/cgroup/memory${cgroup}`)).toBe(false);
    },
    { timeoutMs: 60_000, intervalMs: 250, description: 'the janitor to clean up the node' },
  );
}, 1_200_000);
