import { pino } from 'pino';
import { Registry } from 'prom-client';
import { ControllerRunner, type ControllerSpec } from './controller.js';
import { TerminalError } from './errors.js';
import { RuntimeMetrics } from './metrics.js';

const TYPE = { group: 'weft.dev', version: 'v1alpha1', plural: 'meshnodes', kind: 'MeshNode', namespaced: false };

function runner(reconcile: ControllerSpec['reconcile']) {
  const registry = new Registry();
  const r = new ControllerRunner({ name: 'test', for: TYPE, reconcile }, pino({ level: 'silent' }), new RuntimeMetrics(registry));
  return { r, registry };
}

async function metric(registry: Registry, name: string, labels: Record<string, string>): Promise<number> {
  const m = (await registry.getMetricsAsJSON()).find((x) => x.name === name);
  const v = m?.values.find((x) => Object.entries(labels).every(([k, val]) => x.labels[k] === val));
  return v?.value ?? 0;
}

describe('ControllerRunner retry policy', () => {
  it('passes namespace and name split from the key', async () => {
    const seen: Array<[string | undefined, string]> = [];
    const { r } = runner(async (req) => void seen.push([req.namespace, req.name]));
    await r.reconcileKey('acme/cluster-1');
    await r.reconcileKey('node-1');
    expect(seen).toEqual([
      ['acme', 'cluster-1'],
      [undefined, 'node-1'],
    ]);
  });

  it('retries a thrown error with backoff and resets the backoff after success', async () => {
    let fail = true;
    const { r, registry } = runner(async () => {
      if (fail) throw new Error('apiserver said no');
    });
    await r.reconcileKey('a');
    await r.reconcileKey('a');
    expect(r.queue.retries('a')).toBe(2);
    fail = false;
    await r.reconcileKey('a');
    expect(r.queue.retries('a')).toBe(0);
    expect(await metric(registry, 'weft_controller_reconcile_total', { result: 'error' })).toBe(2);
    expect(await metric(registry, 'weft_controller_reconcile_errors_total', { controller: 'test' })).toBe(2);
    expect(await metric(registry, 'weft_controller_reconcile_total', { result: 'success' })).toBe(1);
    r.queue.shutdown();
  });

  it('does not retry a TerminalError', async () => {
    const { r, registry } = runner(async () => {
      throw new TerminalError('spec.provider "x" is not supported', 'InvalidSpec');
    });
    await r.reconcileKey('a');
    expect(r.queue.retries('a')).toBe(0);
    expect(await metric(registry, 'weft_controller_reconcile_total', { result: 'terminal' })).toBe(1);
  });

  it('requeues after the requested delay', async () => {
    const { r } = runner(async () => ({ requeueAfterMs: 30 }));
    await r.reconcileKey('a');
    expect(r.queue.length).toBe(0);
    expect(await r.queue.get()).toBe('a');
  });

  it('runs workers that serialise per key', async () => {
    let active = 0;
    let maxActive = 0;
    const done: string[] = [];
    const { r } = runner(async (req) => {
      active++;
      maxActive = Math.max(maxActive, active);
      await new Promise((res) => setTimeout(res, 10));
      active--;
      done.push(req.key);
    });
    r.start();
    r.queue.add('x');
    await new Promise((res) => setTimeout(res, 2));
    r.queue.add('x'); // while in flight
    r.queue.add('y');
    while (done.length < 3) await new Promise((res) => setTimeout(res, 5));
    await r.stop();
    expect(done.sort()).toEqual(['x', 'x', 'y']);
    expect(maxActive).toBeLessThanOrEqual(2);
  });
});
