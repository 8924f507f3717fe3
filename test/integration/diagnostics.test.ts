import { execa } from 'execa';
import { fileURLToPath } from 'node:url';
import type { KubernetesObject } from '@kubernetes/client-node';
import { PODS, WORKLOADS } from '../../src/api/resources.js';
import { RestClient, type ResourceType } from '../../src/runtime/index.js';
import { collectDiagnostics, controlPlane, createNamespace, deleteNamespace, diagnosticsTarget, LogRing, ringLogger, uniqueName, watchLog } from '../harness/index.js';
import { dumpIfFailed, setDiagnosticsWriter, withDiagnostics } from '../harness/diagnostics.js';

const CORE_EVENTS: ResourceType = { group: '', version: 'v1', plural: 'events', kind: 'Event', namespaced: true };
const FIXTURE_CONFIG = fileURLToPath(new URL('../fixtures/diagnostics/jest.config.js', import.meta.url));
const JEST = fileURLToPath(new URL('../../node_modules/jest/bin/jest.js', import.meta.url));

/** The diagnostics a failed integration or e2e test dumps: what they hold, and that only failures dump. */
describe('test diagnostics (operator log tail, objects, Events on failure)', () => {
  let ns: string;
  let kubeconfig: string;

  beforeAll(async () => {
    const cp = await controlPlane();
    kubeconfig = cp.kubeconfigPath;
    ns = await createNamespace(cp.kubeConfig(), 'diag');
    const rest = new RestClient(cp.kubeConfig());
    await rest.create(WORKLOADS, { metadata: { name: 'wl-diag', namespace: ns }, spec: { org: 'diag', template: { spec: { containers: [{ name: 'c', image: 'busybox' }] } } } } as KubernetesObject);
    await rest.create(PODS, { metadata: { name: 'pod-diag', namespace: ns }, spec: { containers: [{ name: 'c', image: 'busybox' }] } } as KubernetesObject);
    await rest.create(CORE_EVENTS, {
      metadata: { name: 'wl-diag.probe', namespace: ns },
      involvedObject: { apiVersion: 'weft.dev/v1alpha1', kind: 'Workload', name: 'wl-diag', namespace: ns },
      reason: 'DiagProbe',
      message: 'an Event the dump must show',
      type: 'Warning',
      source: { component: 'weft-test' },
    } as KubernetesObject);
  });
  afterAll(async () => deleteNamespace((await controlPlane()).kubeConfig(), ns));

  it('collects the operator log tail (ring buffer), the Weft objects, pods and Events of the namespaces involved', async () => {
    const ring = new LogRing(5);
    const log = ringLogger(ring);
    for (let i = 0; i < 10; i++) log.info({ i }, `reconcile ${i}`);
    const target = diagnosticsTarget(uniqueName('diag-self'), () => kubeconfig);
    target.namespaces.add(ns);
    watchLog(target, 'operator', ring);

    const text = await collectDiagnostics(target);
    expect(text).toContain('---- operator log (last 5 lines, 5 earlier dropped) ----');
    expect(text).toMatch(/"msg":"reconcile 9"/);
    expect(text).not.toMatch(/"msg":"reconcile 4"/);
    expect(text).toMatch(/workload\.weft\.dev\/wl-diag/);
    expect(text).toMatch(/pod\/pod-diag/);
    expect(text).toMatch(/name: wl-diag/); // the YAML, status and all
    expect(text).toMatch(/DiagProbe\s+workload\/wl-diag\s+an Event the dump must show/);
  });

  it('dumps for a failed test only', async () => {
    const written: string[] = [];
    const previous = setDiagnosticsWriter((t) => written.push(t));
    try {
      await dumpIfFailed({ name: 'passes', failed: false, errors: [] });
      expect(written).toEqual([]);
      await dumpIfFailed({ name: 'breaks', failed: true, errors: ['expected 1, got 2'] });
      // withDiagnostics takes the dump when the body throws (before a finally tears the system down)
      await expect(withDiagnostics(async () => Promise.reject(new Error('weft up never said ready')))).rejects.toThrow('weft up never said ready');
      await dumpIfFailed({ name: 'e2e', failed: true, errors: [] });
    } finally {
      setDiagnosticsWriter(previous);
    }
    expect(written).toHaveLength(2);
    expect(written[1]).toMatch(/"e2e" ========\n==== taken when the test threw: weft up never said ready ====\n==== control plane ====/);
    expect(written[0]).toMatch(/^\n======== diagnostics for the failed test "breaks" ========\nerror: expected 1, got 2\n==== control plane ====\n/);
    expect(written[0]).toContain(`namespace ${ns}`);
  });

  it('in a real jest run, prints to stderr after the failing test and not after the passing one', async () => {
    // Given a test file with a passing and a failing test, run by jest with the integration setup
    const r = await execa(process.execPath, [JEST, '--config', FIXTURE_CONFIG, '--ci', '--colors=false'], {
      env: { ...process.env, NODE_OPTIONS: '--experimental-vm-modules', TEST_LOG_LEVEL: '' },
      reject: false,
      timeout: 150_000,
    });
    // Then jest fails, and the dump names the failing test, its error, the log tail and the namespace
    expect(r.exitCode).toBe(1);
    const dumps = r.stderr.match(/======== diagnostics for the failed test "([^"]+)"/g) ?? [];
    expect(dumps).toEqual(['======== diagnostics for the failed test "fails loudly"']);
    expect(r.stderr).toMatch(/error: expect\(received\)\.toBe\(expected\)/);
    expect(r.stderr).toMatch(/fixture: the failing test ran/);
    expect(r.stderr).toMatch(/---- namespace diag-fixture-[0-9a-f]{6}: kubectl get events/);
  }, 180_000);
});
