import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parse } from 'yaml';
import { TalosctlError } from './errors.js';
import { Talosctl } from './talosctl.js';

// The fake talosctl (test/fakes/talosctl) reproduces v1.13's output and exit codes; `cluster create`
// starts a real control plane and is left to the integration tests.
const FAKE = join(import.meta.dirname, '..', '..', '..', 'test', 'fakes', 'talosctl', 'talosctl');

describe('Talosctl against the fake talosctl', () => {
  let dir: string;
  const t = (env: NodeJS.ProcessEnv = {}) => new Talosctl({ bin: FAKE, env: { HOME: dir, TALOSCONFIG: join(dir, 'no-talosconfig'), ...env } });

  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'weft-talosctl-'));
  });
  afterEach(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('reads the client version', async () => {
    expect(await t().version()).toEqual({ tag: 'v1.13.9', sha: '7f2d1c3e', goVersion: 'go1.25.5', osArch: expect.stringMatching(/^linux\//) });
  });

  it('generates configs shaped like Talos v1alpha1 machine configs and a talosconfig', async () => {
    const out = join(dir, 'acme-edge');
    const files = await t().genConfig({ clusterName: 'acme-edge', endpoint: 'https://10.5.0.2:6443', outputDir: out });
    expect(files).toEqual({ controlplane: join(out, 'controlplane.yaml'), worker: join(out, 'worker.yaml'), talosconfig: join(out, 'talosconfig') });
    const cp = parse(await readFile(files.controlplane, 'utf8'));
    expect(cp).toMatchObject({ version: 'v1alpha1', machine: { type: 'controlplane' }, cluster: { clusterName: 'acme-edge', controlPlane: { endpoint: 'https://10.5.0.2:6443' } } });
    expect(cp.machine.token).toMatch(/^[a-z0-9]{6}\.[a-z0-9]{16}$/);
    expect(Buffer.from(cp.machine.ca.crt, 'base64').toString()).toMatch(/^-----BEGIN CERTIFICATE-----/);
    expect(parse(await readFile(files.worker, 'utf8'))).toMatchObject({ machine: { type: 'worker', ca: { key: '' } } });
    expect(parse(await readFile(files.talosconfig, 'utf8'))).toMatchObject({ context: 'acme-edge', contexts: { 'acme-edge': { endpoints: [] } } });
  });

  it('refuses to overwrite generated files without force, like talosctl', async () => {
    const o = { clusterName: 'acme', endpoint: 'https://10.5.0.2:6443', outputDir: dir };
    await t().genConfig(o);
    const err = await t().genConfig(o).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(TalosctlError);
    expect(err).toMatchObject({ command: 'gen config', exitCode: 1, reason: 'file-exists' });
    expect((err as Error).message).toMatch(/file ".*controlplane\.yaml" already exists, use --force to overwrite/);
    await expect(t().genConfig({ ...o, force: true })).resolves.toBeDefined();
  });

  it('rejects an endpoint without https:// with talosctl\'s suggestion', async () => {
    const err = (await t().genConfig({ clusterName: 'acme', endpoint: '10.5.0.2', outputDir: dir }).catch((e: unknown) => e)) as TalosctlError;
    expect(err.reason).toBe('invalid-endpoint');
    expect(err.stderr).toMatch(/no scheme and port specified for the cluster endpoint URL\ntry: "https:\/\/10\.5\.0\.2:6443"/);
  });

  it('reports an unknown flag as a usage error, exit 1, like cobra in talosctl', async () => {
    const err = (await t().exec(['cluster', 'create', '--provisioner', 'qemu', '--talosconfig-destination', '/x']).catch((e: unknown) => e)) as TalosctlError;
    expect(err).toMatchObject({ reason: 'usage', exitCode: 1 });
    expect(err.stderr).toMatch(/^unknown flag: --talosconfig-destination\n\nUsage:/);
    expect(err.message).toMatch(/failed \(exit 1\): unknown flag: --talosconfig-destination — /);
  });

  it('fails kubeconfig for a talosconfig without endpoints (fresh from gen config)', async () => {
    const { talosconfig } = await t().genConfig({ clusterName: 'acme', endpoint: 'https://10.5.0.2:6443', outputDir: dir });
    const err = await t().kubeconfig({ talosconfig, dest: join(dir, 'kubeconfig'), node: '10.5.0.2' }).catch((e: unknown) => e);
    expect(err).toMatchObject({ command: 'kubeconfig', exitCode: 1, reason: 'no-endpoints', stderr: 'error constructing client: failed to determine endpoints' });
  });

  it('returns health of an unreachable cluster as a result, with the hint', async () => {
    const talosconfig = join(dir, 'talosconfig');
    await writeFile(talosconfig, 'context: acme\ncontexts:\n    acme:\n        endpoints:\n            - 10.5.0.2\n        ca: ""\n        crt: ""\n        key: ""\n');
    const h = await t().health({ talosconfig, waitTimeoutMs: 5000 });
    expect(h).toMatchObject({ ok: false, checks: [], failure: { reason: 'unreachable', exitCode: 1 } });
    expect(h.error).toMatch(/^rpc error: code = Unavailable .*dial tcp 10\.5\.0\.2:50000: connect: connection refused/);
  });

  it('fails cluster create without QEMU before creating anything (FAKE_TALOSCTL_FAIL)', async () => {
    const err = await t({ FAKE_TALOSCTL_FAIL: 'cluster create:qemu' }).clusterCreate({ name: 'acme', stateDir: join(dir, 'state'), talosconfig: join(dir, 'tc') }).catch((e: unknown) => e);
    expect(err).toMatchObject({ reason: 'qemu-missing', exitCode: 1 });
    await expect(readFile(join(dir, 'tc'))).rejects.toThrow(/ENOENT/);
  });

  it('treats destroying a cluster that does not exist as done', async () => {
    expect(await t().clusterDestroy({ name: 'acme', stateDir: join(dir, 'state') })).toEqual({ destroyed: false });
  });

  it('reports a talosctl that cannot execute (FAKE_TALOSCTL_FAIL=version)', async () => {
    await expect(t({ FAKE_TALOSCTL_FAIL: 'version' }).version()).rejects.toMatchObject({ reason: 'not-executable', exitCode: 126 });
  });

  it('says when talosctl is not installed', async () => {
    const err = (await new Talosctl({ bin: join(dir, 'talosctl') }).version().catch((e: unknown) => e)) as TalosctlError;
    expect(err).toMatchObject({ reason: 'not-installed', exitCode: undefined });
    expect(err.message).toMatch(/talosctl is not on PATH/);
  });
});
