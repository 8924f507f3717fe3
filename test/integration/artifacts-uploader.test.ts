import { createHash } from 'node:crypto';
import { mkdir, mkdtemp, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ArtifactRefusedError } from '../../src/artifacts/errors.js';
import { FilesystemArtifactStore } from '../../src/artifacts/filesystem.js';
import { LocalS3 } from '../../src/artifacts/local-s3.js';
import { readAll } from '../../src/artifacts/read.js';
import type { ArtifactStore } from '../../src/artifacts/store.js';
import { assertNoRefusals, collectArtifacts, uploadArtifacts } from '../../src/artifacts/uploader.js';

const sha = (s: string | Buffer) => createHash('sha256').update(s).digest('hex');
const run = { namespace: 'team-a', kind: 'job', name: 'build-7', attempt: 2 };

describe('artifact uploader', () => {
  let root: string;
  let ws: string;
  let outside: string;

  beforeAll(async () => {
    // Given a workspace with reports, a package, a big file and links in and out of it
    root = await mkdtemp(join(tmpdir(), 'weft-upload-'));
    ws = join(root, 'workspace');
    outside = join(root, 'outside');
    await mkdir(join(ws, 'reports'), { recursive: true });
    await mkdir(join(ws, 'dist', 'nested'), { recursive: true });
    await mkdir(outside, { recursive: true });
    await writeFile(join(ws, 'reports', 'a.xml'), '<testsuite name="a"/>');
    await writeFile(join(ws, 'reports', 'b.xml'), '<testsuite name="b"/>');
    await writeFile(join(ws, 'dist', 'nested', 'pkg.tgz'), Buffer.alloc(3000, 7));
    await writeFile(join(ws, 'big.bin'), Buffer.alloc(10_001, 1));
    await writeFile(join(outside, 'secret.txt'), 'not yours');
    await symlink(join(outside, 'secret.txt'), join(ws, 'link-out'));
    await symlink(join(ws, 'reports', 'a.xml'), join(ws, 'link-in'));
    await symlink(outside, join(ws, 'linkdir'));
  });
  afterAll(async () => {
    if (root) await rm(root, { recursive: true, force: true });
  });

  it('collects the declared files with sizes and digests, refusing traversal, links out and oversize files by name', async () => {
    const result = await collectArtifacts({
      workspace: ws,
      patterns: ['reports/*.xml', 'dist/**', 'big.bin', 'link-out', 'link-in', 'linkdir', '../outside/*', '/etc/passwd', 'reports/../../outside/secret.txt'],
      maxFileBytes: 10_000,
    });

    expect(result.files.map((f) => f.path)).toEqual(['dist/nested/pkg.tgz', 'link-in', 'reports/a.xml', 'reports/b.xml']);
    const a = result.files.find((f) => f.path === 'reports/a.xml')!;
    expect(a).toMatchObject({ size: 21, sha256: sha('<testsuite name="a"/>') });
    expect(result.files.find((f) => f.path === 'link-in')!.source).toBe(a.source);

    const refused = Object.fromEntries(result.refused.map((r) => [r.path, r]));
    expect(refused['../outside/*']).toMatchObject({ reason: 'PathTraversal' });
    expect(refused['../outside/*']!.message).toContain('".."');
    expect(refused['reports/../../outside/secret.txt']).toMatchObject({ reason: 'PathTraversal' });
    expect(refused['/etc/passwd']).toMatchObject({ reason: 'PathTraversal' });
    expect(refused['/etc/passwd']!.message).toContain('absolute');
    expect(refused['link-out']).toMatchObject({ reason: 'SymlinkOutOfWorkspace' });
    expect(refused['link-out']!.message).toContain(join(outside, 'secret.txt'));
    expect(refused['linkdir']).toMatchObject({ reason: 'SymlinkOutOfWorkspace' });
    expect(refused['big.bin']).toMatchObject({ reason: 'TooLarge' });
    expect(refused['big.bin']!.message).toMatch(/"big\.bin".*10001 bytes.*limit of 10000 bytes/);
    expect(() => assertNoRefusals(result)).toThrow(ArtifactRefusedError);
  });

  it('never follows a symlinked directory out of the workspace, whatever the pattern', async () => {
    const result = await collectArtifacts({ workspace: ws, patterns: ['**'], maxFileBytes: 1 << 20 });
    expect(result.files.map((f) => f.source).filter((s) => s.startsWith(outside))).toEqual([]);
    expect(result.refused.map((r) => r.path).sort()).toEqual(['link-out', 'linkdir']);
  });

  it('refuses files past the total limit', async () => {
    const result = await collectArtifacts({ workspace: ws, patterns: ['reports/*.xml', 'dist/**'], maxFileBytes: 1 << 20, maxTotalBytes: 100 });
    expect(result.files.map((f) => f.path)).toEqual(['reports/a.xml', 'reports/b.xml']);
    expect(result.refused).toEqual([expect.objectContaining({ reason: 'TotalTooLarge', path: 'dist/nested/pkg.tgz' })]);
  });

  describe.each([
    ['filesystem', async () => ({ store: new FilesystemArtifactStore(join(root, 'store')) as ArtifactStore, stop: async () => {} })],
    [
      's3 (versitygw)',
      async () => {
        const s3 = await LocalS3.start();
        const store = s3.store();
        return { store: store as ArtifactStore, stop: async () => (await store.close(), await s3.stop()) };
      },
    ],
  ])('uploading to a %s store', (_name, open) => {
    let store: ArtifactStore;
    let stop: () => Promise<void>;
    beforeAll(async () => ({ store, stop } = await open()));
    afterAll(async () => stop?.());

    it('writes <namespace>/<kind>/<name>/<attempt>/<path> and returns the status entries', async () => {
      const { files } = await collectArtifacts({ workspace: ws, patterns: ['reports/*.xml', 'dist/**'], maxFileBytes: 1 << 20 });
      const entries = await uploadArtifacts(files, { store, run, concurrency: 2 });
      expect(entries.map((e) => e.key)).toEqual(['team-a/job/build-7/2/dist/nested/pkg.tgz', 'team-a/job/build-7/2/reports/a.xml', 'team-a/job/build-7/2/reports/b.xml']);
      for (const e of entries) {
        const obj = await store.get(e.key);
        expect({ size: obj.size, sha256: obj.sha256 }).toEqual({ size: e.size, sha256: e.sha256 });
        expect(sha(await readAll(obj.body))).toBe(e.sha256);
      }
      // A retry of the same attempt overwrites the same keys: nothing duplicated, nothing lost.
      await uploadArtifacts(files, { store, run });
      expect((await store.list('team-a/job/build-7/2/')).objects.map((o) => o.key)).toEqual(entries.map((e) => e.key));
    });
  });
});
