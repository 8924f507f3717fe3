import { createHash } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { openStore, parseStoreSecret } from '../../src/artifacts/config.js';
import { ArtifactStoreError } from '../../src/artifacts/errors.js';
import { FilesystemArtifactStore } from '../../src/artifacts/filesystem.js';
import { readAll } from '../../src/artifacts/read.js';

const sha = (b: Buffer | string) => createHash('sha256').update(b).digest('hex');

describe('filesystem artifact store', () => {
  let dir: string;
  let store: FilesystemArtifactStore;

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'weft-fs-store-'));
    store = new FilesystemArtifactStore(join(dir, 'store'));
  });
  afterAll(async () => {
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  it('stores plain files with their digests, and lists them in key order, a page at a time', async () => {
    const keys = ['team-a/job/x/1/b.txt', 'team-a/job/x/1/a/c.txt', 'team-a/job/x/1/a.txt', 'team-a/job/y/1/z.txt'];
    for (const k of keys) {
      const body = Buffer.from(`content of ${k}`);
      await store.put(k, Readable.from([body]), { size: body.length, sha256: sha(body) });
    }
    expect(await readFile(join(dir, 'store', 'team-a/job/x/1/a/c.txt'), 'utf8')).toBe('content of team-a/job/x/1/a/c.txt');
    const got = await store.get('team-a/job/x/1/b.txt');
    expect(got.sha256).toBe(sha('content of team-a/job/x/1/b.txt'));
    expect((await readAll(got.body)).toString()).toBe('content of team-a/job/x/1/b.txt');

    const page1 = await store.list('team-a/job/x/', { limit: 2 });
    const page2 = await store.list('team-a/job/x/', { limit: 2, cursor: page1.next });
    expect([...page1.objects, ...page2.objects].map((o) => o.key)).toEqual(['team-a/job/x/1/a.txt', 'team-a/job/x/1/a/c.txt', 'team-a/job/x/1/b.txt']);
    expect(page2.next).toBeUndefined();
    expect((await store.list('team-a/job/x/1/a')).objects.map((o) => o.key)).toEqual(['team-a/job/x/1/a.txt', 'team-a/job/x/1/a/c.txt']);
    expect((await store.list('')).objects).toHaveLength(4);
  });

  it('refuses content that does not match the declared size or sha256, leaving nothing behind', async () => {
    const body = Buffer.from('real');
    await expect(store.put('t/bad.txt', body, { size: 4, sha256: sha('fake') })).rejects.toMatchObject({ code: 'ChecksumMismatch' });
    await expect(store.put('t/short.txt', body, { size: 5 })).rejects.toMatchObject({ code: 'ChecksumMismatch' });
    await expect(store.head('t/bad.txt')).rejects.toMatchObject({ code: 'NotFound' });
    expect(existsSync(join(dir, 'store', 't')) ? await readdir(join(dir, 'store', 't')) : []).toEqual([]);
  });

  it('refuses keys that would escape the directory', async () => {
    for (const key of ['../escape.txt', '/abs.txt', 'a/../../b', 'a//b', '.weft-meta/x.json']) {
      await expect(store.put(key, Buffer.from('x'), { size: 1 })).rejects.toThrow(TypeError);
    }
    expect(existsSync(join(dir, 'escape.txt'))).toBe(false);
  });

  it('has no presigned URLs: downloads go through the operator', async () => {
    const err = await store.presign('team-a/job/x/1/a.txt').catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ArtifactStoreError);
    expect((err as ArtifactStoreError).code).toBe('Unsupported');
    expect((err as Error).message).toContain('/api/v1/artifacts/');
  });

  it('is opened from a Secret of type filesystem', async () => {
    const fromSecret = openStore(parseStoreSecret({ metadata: { namespace: 'team-a', name: 'pvc-store' }, stringData: { type: 'filesystem', path: join(dir, 'store') } }));
    expect(fromSecret.description).toBe(`filesystem ${join(dir, 'store')}`);
    expect((await fromSecret.head('team-a/job/y/1/z.txt')).sha256).toBe(sha('content of team-a/job/y/1/z.txt'));
    await store.delete('team-a/job/y/1/z.txt');
    await expect(fromSecret.head('team-a/job/y/1/z.txt')).rejects.toMatchObject({ code: 'NotFound' });
  });
});
