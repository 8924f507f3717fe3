/**
 * `npm run bench:speckit`: `weft speckit sync` of a feature with BENCH_TASKS (1,000) tasks (10 phases,
 * half of them [P], every tenth with a Depends:) against a real kube-apiserver: the first sync (every
 * AgentTask created) and a re-sync (goal < 2 s and zero writes), with the peer in the same run:
 * `kubectl apply --server-side` of the same manifests (what a GitOps tool does on each pass).
 * Loopback only; stops by itself.
 */
import { performance } from 'node:perf_hooks';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { KubernetesObject } from '@kubernetes/client-node';
import { execa } from 'execa';
import YAML from 'yaml';
import { LocalControlPlane } from '../src/cluster/local.js';
import { applyCrds, ensureNamespace, readCrds } from '../src/cluster/crds.js';
import { toolPath } from '../src/cluster/tools.js';
import { AGENTTASKS } from '../src/api/resources.js';
import { RestClient } from '../src/runtime/index.js';
import { packageRoot } from '../src/version.js';
import { parseTasks } from '../src/speckit/index.js';
import { planSync } from '../src/speckit/sync.js';
import { applySync } from '../src/agents/speckit-sync.js';

const TASKS = Number(process.env.BENCH_TASKS ?? 1000);

function tasksMd(n: number): string {
  const lines = ['# Tasks: Bench', ''];
  const perPhase = Math.ceil(n / 10);
  for (let i = 1; i <= n; i++) {
    if ((i - 1) % perPhase === 0) lines.push('', `## Phase ${(i - 1) / perPhase + 1}: Part ${(i - 1) / perPhase + 1}`, '');
    const id = `T${String(i).padStart(4, '0')}`;
    const dep = i % 10 === 0 && (i - 1) % perPhase !== 0 ? ` Depends: T${String(i - 1).padStart(4, '0')}` : '';
    lines.push(`- [ ] ${id}${i % 2 ? ' [P]' : ''} Implement part ${i} in src/part/${i}.ts${dep}`);
  }
  return `${lines.join('\n')}\n`;
}

async function main(): Promise<void> {
  const dir = await mkdtemp(join(tmpdir(), 'weft-bench-speckit-'));
  const cp = await LocalControlPlane.start();
  try {
    const kc = cp.kubeConfig();
    await applyCrds(kc, await readCrds(join(packageRoot(), 'crds')));
    const rest = new RestClient(kc);
    const opts = { repoUrl: 'http://127.0.0.1:3000/bench/app.git', feature: 'specs/001-bench', org: 'bench', credentialsSecret: 'forge', template: { agent: { driver: 'scripted' as const, steps: [{ run: 'true' }] } } };
    const text = tasksMd(TASKS);
    console.log(`bench:speckit — a feature with ${TASKS} tasks (10 phases, half [P]), real kube-apiserver`);

    await ensureNamespace(kc, 'weft-sync');
    const tPlan = performance.now();
    const plan = planSync(parseTasks(text), { ...opts, namespace: 'weft-sync' });
    const planMs = performance.now() - tPlan;
    const t0 = performance.now();
    const first = await applySync(rest, plan, 'weft-sync');
    const firstMs = performance.now() - t0;
    const rv = async (ns: string) => new Map((await rest.list(AGENTTASKS, { namespace: ns })).items.map((t: KubernetesObject) => [t.metadata!.name!, t.metadata!.resourceVersion!]));
    const before = await rv('weft-sync');
    const t1 = performance.now();
    const again = await applySync(rest, planSync(parseTasks(text), { ...opts, namespace: 'weft-sync' }), 'weft-sync');
    const resyncMs = performance.now() - t1;
    const after = await rv('weft-sync');
    const writes = [...after].filter(([n, v]) => before.get(n) !== v).length;

    // The peer: kubectl apply --server-side of the same manifests, first and again.
    await ensureNamespace(kc, 'kubectl-sync');
    const file = join(dir, 'tasks.yaml');
    await writeFile(file, planSync(parseTasks(text), { ...opts, namespace: 'kubectl-sync' }).tasks.map((t) => YAML.stringify(t)).join('---\n'));
    const kubectl = async () => {
      const s = performance.now();
      await execa(toolPath('kubectl'), ['--kubeconfig', cp.kubeconfigPath, 'apply', '--server-side', '--field-manager', 'bench', '-f', file], { stdout: 'ignore' });
      return performance.now() - s;
    };
    const kFirst = await kubectl();
    const kBefore = await rv('kubectl-sync');
    const kAgain = await kubectl();
    const kWrites = [...(await rv('kubectl-sync'))].filter(([n, v]) => kBefore.get(n) !== v).length;

    console.log(`  plan (parse + graph + manifests)   ${planMs.toFixed(0)} ms`);
    console.log(`  weft speckit sync, first           ${(firstMs / 1000).toFixed(2)} s  (${first.created.length} created)`);
    console.log(`  weft speckit sync, re-sync         ${(resyncMs / 1000).toFixed(2)} s  (${again.unchanged.length} unchanged, ${writes} writes)  [goal < 2 s and zero writes; ${resyncMs < 2000 && writes === 0 ? 'met' : 'not met'}]`);
    console.log(`  peer: kubectl apply --server-side, first ${(kFirst / 1000).toFixed(2)} s, again ${(kAgain / 1000).toFixed(2)} s (${kWrites} writes)`);
  } finally {
    await cp.stop();
    await rm(dir, { recursive: true, force: true });
  }
}

main().then(
  () => process.exit(0),
  (err: unknown) => {
    console.error(err);
    process.exit(1);
  },
);
