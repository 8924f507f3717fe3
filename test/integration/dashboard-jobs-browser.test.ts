// The dashboard's Jobs pages in Chromium against a real apiserver and the operator: the Jobs table
// (live), a Job's page with its artifacts, trace id and archived log, and the run history of a
// namespace, kept in the artifact store (a filesystem store here), showing a Job that was deleted.
import { mkdir, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { KubeConfig, KubernetesObject } from '@kubernetes/client-node';
import type { Page } from 'playwright-core';
import { JOBS, SECRETS } from '../../src/api/resources.js';
import { openStore, recordRun } from '../../src/artifacts/index.js';
import type { RunningOperator } from '../../src/operator/run.js';
import { RestClient } from '../../src/runtime/index.js';
import { controlPlane, createNamespace, deleteNamespace, eventually } from '../harness/index.js';
import { deleteClusterRbac, launchChromium, signIn, startOperator, userWithRbac, VIEWER_RULES } from './dashboard-helpers.js';

const SHOTS = join(import.meta.dirname, '..', '..', 'reports', 'screenshots');
type Obj = KubernetesObject & { spec?: Record<string, unknown>; status?: Record<string, unknown> };

describe('dashboard: Jobs, a Job, and the run history (Chromium)', () => {
  let browser: Awaited<ReturnType<typeof launchChromium>>;
  let admin: KubeConfig;
  let rest: RestClient;
  let ns: string;
  let dir: string;
  let op: RunningOperator;
  let reader: { name: string; token: string };
  const pageErrors: string[] = [];

  beforeAll(async () => {
    browser = await launchChromium({ viewport: { width: 1280, height: 900 } });
    browser.ctx.on('weberror', (e) => pageErrors.push(e.error().message));
    await mkdir(SHOTS, { recursive: true });
    const cp = await controlPlane();
    admin = cp.kubeConfig();
    rest = new RestClient(admin);
    ns = await createNamespace(admin, 'dash-jobs');
    dir = await mkdtemp(join(tmpdir(), 'weft-dash-store-'));
    await rest.create(SECRETS, { metadata: { name: 'store', namespace: ns }, stringData: { type: 'filesystem', path: dir } } as KubernetesObject);
    reader = await userWithRbac(admin, ns, 'jobs-reader', { cluster: [...VIEWER_RULES, { apiGroups: ['weft.dev'], resources: ['jobs'], verbs: ['get', 'list', 'watch'] }] });
    op = await startOperator({ kubeconfig: cp.kubeconfigPath, namespace: ns, artifactStore: `${ns}/store` });
  }, 120_000);

  afterAll(async () => {
    await browser?.close();
    await op?.stop();
    if (reader) await deleteClusterRbac(admin, [reader.name]);
    if (ns) await deleteNamespace(admin, ns);
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  const signedIn = (path: string, token: string): Promise<Page> => signIn(browser.ctx, op.url + path, token);

  it('the Jobs table goes live to Succeeded; the Job page has the result, artifacts, trace id; the history keeps a deleted Job', async () => {
    const trace = 'a'.repeat(16) + 'b'.repeat(16);
    await rest.create(JOBS, { apiVersion: 'weft.dev/v1alpha1', kind: 'Job', metadata: { name: 'nightly', namespace: ns }, spec: { org: 'acme', template: 'ci-runner', params: { repo: 'http://127.0.0.1:3000/acme/app.git', test: 'npm test' }, artifacts: { paths: ['src/junit.xml'] } } } as Obj);
    // A Job that ran and was deleted by its TTL: only the store's history has it.
    await recordRun(openStore({ type: 'filesystem', path: dir }), { namespace: ns, kind: 'job', name: 'old-nightly', attempt: 1, template: 'ci-runner', org: 'acme', specDigest: `sha256:${'c'.repeat(64)}`, outcome: 'Failed', startedAt: '2026-12-04T01:00:00Z', finishedAt: '2026-12-04T01:02:00Z', artifacts: [], traceId: trace, message: 'TemplateFailed: 1 failed' });
    const page = await signedIn('/jobs', reader.token);
    const row = page.locator(`[data-job="${ns}/nightly"]`);
    await eventually(async () => expect(await row.getAttribute('data-phase')).toBe('Pending'), { description: 'nightly listed' });
    const artifact = { name: 'src/junit.xml', url: `/api/v1/artifacts/${ns}/job/nightly/1/src/junit.xml`, digest: `sha256:${'d'.repeat(64)}`, size: 2048 };
    await rest.patch(JOBS, { name: 'nightly', namespace: ns }, { status: { phase: 'Succeeded', reason: 'Completed', attempts: 1, exitCode: 0, traceId: trace, result: { summary: '2 passed, 0 failed, 0 skipped (junit)', stage: 'done' }, artifacts: [artifact] } }, { subresource: 'status' });
    await eventually(async () => expect(await row.getAttribute('data-phase')).toBe('Succeeded'), { description: 'nightly Succeeded, live' });
    expect(await row.textContent()).toContain('2 passed, 0 failed');
    await page.screenshot({ path: join(SHOTS, '17-jobs.png'), fullPage: true });
    await row.getByRole('link', { name: 'nightly' }).click();
    await page.getByTestId('artifacts').waitFor();
    expect(await page.locator('[data-artifact="src/junit.xml"]').textContent()).toMatch(/2 Ki/);
    expect(await page.getByTestId('trace-id').textContent()).toBe(trace);
    await page.screenshot({ path: join(SHOTS, '18-job.png'), fullPage: true });
    await page.getByRole('link', { name: `runs in ${ns}` }).click();
    const old = page.locator('[data-run="old-nightly/1"]');
    await old.waitFor();
    expect(await old.getAttribute('data-outcome')).toBe('Failed');
    expect(await old.textContent()).toContain(trace);
    await page.screenshot({ path: join(SHOTS, '19-history.png'), fullPage: true });
    await page.close();
  }, 120_000);

  it('no page threw a JavaScript error', () => expect(pageErrors).toEqual([]));
});
