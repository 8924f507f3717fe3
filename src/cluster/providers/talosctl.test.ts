import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseClusterCreate, parseHealth, parseVersion, Talosctl, TalosctlError } from './talosctl.js';

const FAKE = join(import.meta.dirname, '..', '..', '..', 'test', 'fakes', 'talosctl', 'talosctl');

describe('talosctl output parsers', () => {
  it('reads the client tag from `version --client`', () => {
    expect(parseVersion('Client:\n\tTag:         v1.13.9\n\tSHA:         7f2d1c3e\n')).toBe('v1.13.9');
    expect(() => parseVersion('garbage')).toThrow(/unexpected talosctl version output/);
  });

  it('reads the endpoint and nodes from the `cluster create` summary', () => {
    const out = `bootstrapping cluster\nPROVISIONER           qemu\nNAME                  acme-edge\nKUBERNETES ENDPOINT   https://10.5.0.1:6443\n\nNODES:\n\nNAME                         TYPE           IP         CPU    RAM      DISK\nacme-edge-controlplane-1     controlplane   10.5.0.2   2.00   2.1 GB   6.4 GB\nacme-edge-worker-1           worker         10.5.0.3   2.00   2.1 GB   6.4 GB\n`;
    expect(parseClusterCreate(out)).toEqual({
      kubernetesEndpoint: 'https://10.5.0.1:6443',
      nodes: [
        { name: 'acme-edge-controlplane-1', type: 'controlplane', ip: '10.5.0.2' },
        { name: 'acme-edge-worker-1', type: 'worker', ip: '10.5.0.3' },
      ],
    });
  });

  it('reads health checks, keeping the last result of a retried check', () => {
    const h = parseHealth('discovered nodes: ["10.5.0.2"]\nwaiting for etcd to be healthy: rpc error: connection refused\nwaiting for etcd to be healthy: OK\nwaiting for apid to be ready: OK\n');
    expect(h).toEqual({ ok: true, checks: [{ name: 'etcd to be healthy', ok: true, message: 'OK' }, { name: 'apid to be ready', ok: true, message: 'OK' }] });
    expect(parseHealth('waiting for kubelet to be healthy: timeout\n').ok).toBe(false);
    expect(parseHealth('').ok).toBe(false);
  });
});

describe('Talosctl wrapper against the fake talosctl (test/fakes/talosctl)', () => {
  const t = new Talosctl(FAKE);

  it('reports the version', async () => expect(await t.version()).toBe('v1.13.9'));

  it('generates configs', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'talos-gen-'));
    try {
      await t.genConfig('acme-edge', 'https://10.5.0.2:6443', dir);
      expect(await readFile(join(dir, 'controlplane.yaml'), 'utf8')).toContain('endpoint: https://10.5.0.2:6443');
      expect(await readFile(join(dir, 'talosconfig'), 'utf8')).toContain('contexts:');
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  it('turns failures into TalosctlError with the exit code and a hint', async () => {
    const err = await t.kubeconfig({ talosconfig: '/nonexistent/talosconfig', dest: '/tmp/x' }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(TalosctlError);
    expect(err).toMatchObject({ exitCode: 1, command: 'kubeconfig /tmp/x' });
    expect((err as Error).message).toMatch(/failed to open talosconfig/);
  });

  it('says when talosctl is not installed', async () => {
    const err = (await new Talosctl('/nonexistent/talosctl').version().catch((e: unknown) => e)) as TalosctlError;
    expect(err.message).toMatch(/talosctl is not on PATH/);
  });

  it('reports health failures as a result, not an exception', async () => {
    const h = await t.health({ talosconfig: '/nonexistent/talosconfig' });
    expect(h.ok).toBe(false);
  });
});
