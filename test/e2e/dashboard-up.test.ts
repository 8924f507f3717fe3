import { execFileSync } from 'node:child_process';
import { mkdir, mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort } from '../../src/cluster/ports.js';
import { toolPath } from '../../src/cluster/tools.js';
import { processesMentioning, requireBuild, startWeft } from '../../e2e/helpers.js';
import { eventually } from '../harness/eventually.js';
import { withDiagnostics } from '../harness/diagnostics.js';
import { call, launchChromium } from '../integration/dashboard-helpers.js';

const SHOTS = join(import.meta.dirname, '..', '..', 'reports', 'screenshots');

/** `weft up` as a user runs it: the printed URL, tokens and client certificate get them into the dashboard. */
describe('weft up --mesh stub: the printed dashboard URL shows the live mesh (HTTPS with mTLS)', () => {
  let home: string;
  beforeAll(async () => {
    requireBuild();
    home = await mkdtemp(join(tmpdir(), 'weft-e2e-dash-'));
    await mkdir(SHOTS, { recursive: true });
  });
  afterAll(async () => rm(home, { recursive: true, force: true }));

  it('signs in with the printed viewer token and client certificate, sees the nodes; without the certificate the API refuses', async () => {
    const port = await freePort();
    const weft = startWeft(['up', '--mesh', 'stub', '--http-addr', `127.0.0.1:${port}`, '--log-level', 'error'], { WEFT_HOME: home });
    let browser: Awaited<ReturnType<typeof launchChromium>> | undefined;
    try {
      await withDiagnostics(async () => {
        await weft.waitFor(/Press Ctrl-C to stop everything/, 180_000);
        const out = weft.output();
        const url = out.match(/dashboard\s+(https:\/\/127\.0\.0\.1:\d+)\//)![1]!;
        const viewer = out.match(/^\s+viewer\s+(\S+)$/m)![1]!;
        const [, p12, password, caPath] = out.match(/mTLS: import (\S+) \(password "([^"]+)"\) into your browser and trust (\S+)/)!;
        const kubeconfig = out.match(/kubeconfig\s+(\S+)/)![1]!;
        const ca = await readFile(caPath!, 'utf8');
        expect(url).toBe(`https://127.0.0.1:${port}`);

        // The API refuses a client without a certificate from the operator CA, even with a valid token.
        const refused = await call(`${url}/api/v1/dashboard/nodes`, { token: viewer, tls: { ca } });
        expect(refused.status).toBe(401);

        browser = await launchChromium({ viewport: { width: 1280, height: 900 }, ignoreHTTPSErrors: true, clientCertificates: [{ origin: url, pfxPath: p12!, passphrase: password! }] });
        const page = await browser.ctx.newPage();
        page.setDefaultTimeout(60_000); // e2e files run side by side on 2 cores
        await page.goto(`${url}/`);
        await page.locator('textarea#token').fill(viewer);
        await page.getByRole('button', { name: 'Sign in' }).click();
        const names = execFileSync(toolPath('kubectl'), ['--kubeconfig', kubeconfig, 'get', 'mn', '-o', 'jsonpath={.items[*].metadata.name}'], { encoding: 'utf8' }).split(' ').filter(Boolean);
        expect(names.length).toBeGreaterThan(0);
        await eventually(async () => expect(await page.getByTestId('stat-nodes').textContent()).toMatch(new RegExp(`^\\d+/${names.length}$`)), { timeoutMs: 60_000 });
        await eventually(async () => expect(await page.getByTestId('live').textContent()).toBe('Live'), { timeoutMs: 60_000, description: 'the live stream connected' });
        await page.screenshot({ path: join(SHOTS, '20-weft-up-overview-mtls.png'), fullPage: true });
        await page.getByRole('link', { name: 'Nodes', exact: true }).click();
        for (const n of names) await page.locator(`tr[data-node="${n}"]`).waitFor();
        expect(await page.locator('[data-action=cordon]').count()).toBe(0); // a viewer
        await page.screenshot({ path: join(SHOTS, '21-weft-up-nodes-mtls.png'), fullPage: true });
      });
    } finally {
      await browser?.close();
      weft.child.kill('SIGINT');
    }
    expect(await weft.exited).toBe(0);
    await eventually(() => expect(processesMentioning(home)).toEqual([]), { timeoutMs: 20_000 });
  }, 300_000);
});
