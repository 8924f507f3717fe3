import { createHash, randomBytes } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { existsSync } from 'node:fs';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { HeadObjectCommand } from '@aws-sdk/client-s3';
import { request } from 'undici';
import { ArtifactStoreError } from '../../src/artifacts/errors.js';
import { LocalS3 } from '../../src/artifacts/local-s3.js';
import { readAll } from '../../src/artifacts/read.js';
import { openStore, parseStoreSecret } from '../../src/artifacts/config.js';
import type { S3ArtifactStore } from '../../src/artifacts/s3.js';
import { freePort } from '../../src/cluster/ports.js';
import { isAlive } from '../../src/cluster/process.js';

const sha = (b: Buffer) => createHash('sha256').update(b).digest('hex');
const MiB = 1024 * 1024;

/** How an ArtifactStoreError is expected to look. */
async function expectStoreError(p: Promise<unknown>, code: string, ...mentions: string[]): Promise<ArtifactStoreError> {
  const err = await p.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(ArtifactStoreError);
  const e = err as ArtifactStoreError;
  if (e.code !== code) throw new Error(`expected an ArtifactStoreError ${code}, got ${e.code}: ${e.message}`);
  for (const m of mentions) expect(e.message).toContain(m);
  return e;
}

describe('S3 artifact store against a real versitygw', () => {
  let s3: LocalS3;
  let store: S3ArtifactStore;
  let tmp: string;

  beforeAll(async () => {
    s3 = await LocalS3.start();
    store = s3.store();
    tmp = await mkdtemp(join(tmpdir(), 'weft-s3-test-'));
  });
  afterAll(async () => {
    await store?.close();
    await s3?.stop();
    if (tmp) await rm(tmp, { recursive: true, force: true });
  });

  it('puts, gets, heads and lists objects with their sha256', async () => {
    const objs = ['team-a/job/build/1/a.txt', 'team-a/job/build/1/sub/b.txt', 'team-a/job/build/1/c.txt'].map((key) => ({ key, body: randomBytes(1000 + key.length) }));
    for (const o of objs) await store.put(o.key, o.body, { size: o.body.length, sha256: sha(o.body) });

    for (const o of objs) {
      const got = await store.get(o.key);
      expect(got.sha256).toBe(sha(o.body));
      expect(got.size).toBe(o.body.length);
      expect(sha(await readAll(got.body))).toBe(sha(o.body));
      expect((await store.head(o.key)).sha256).toBe(sha(o.body));
      // The server verified and kept the full-object SHA-256 sent with the PUT.
      const head = await store.s3.send(new HeadObjectCommand({ Bucket: s3.bucket, Key: o.key, ChecksumMode: 'ENABLED' }));
      expect(head.ChecksumSHA256).toBe(Buffer.from(sha(o.body), 'hex').toString('base64'));
    }
    const all = await store.list('team-a/job/build/1/');
    expect(all.objects.map((o) => o.key)).toEqual(objs.map((o) => o.key).sort());
    expect(all.objects.map((o) => o.size)).toEqual([...objs].sort((a, b) => (a.key < b.key ? -1 : 1)).map((o) => o.body.length));

    const first = await store.list('team-a/job/build/1/', { limit: 2 });
    expect(first.objects).toHaveLength(2);
    expect(first.next).toBeDefined();
    const second = await store.list('team-a/job/build/1/', { limit: 2, cursor: first.next });
    expect(second.objects.map((o) => o.key)).toEqual([all.objects[2]!.key]);
    expect(second.next).toBeUndefined();
  });

  it('uploads a file over 16 MiB as a multipart upload with per-part CRC32 checksums', async () => {
    const file = join(tmp, 'big.bin');
    const body = randomBytes(20 * MiB + 3);
    await writeFile(file, body);
    const key = 'team-a/job/big/1/big.bin';
    // What each part was signed with: not a SHA-256 of its payload (the SDK's default over HTTP, a
    // third pass over the bytes) but UNSIGNED-PAYLOAD, the part's CRC32 being its check.
    const signedAs: string[] = [];
    store.s3.middlewareStack.add(
      (next, context) => async (args) => {
        if (context.commandName === 'UploadPartCommand') signedAs.push((args.request as { headers: Record<string, string> }).headers['x-amz-content-sha256']!);
        return next(args);
      },
      { step: 'finalizeRequest', name: 'testPartPayloadHash' },
    );
    await store.put(key, createReadStream(file), { size: body.length, sha256: sha(body) });
    store.s3.middlewareStack.remove('testPartPayloadHash');
    expect(signedAs).toEqual(['UNSIGNED-PAYLOAD', 'UNSIGNED-PAYLOAD']);

    const got = await store.get(key);
    expect(got.size).toBe(body.length);
    expect(got.sha256).toBe(sha(body));
    expect(sha(await readAll(got.body))).toBe(sha(body));
    // The server checked each part's CRC32 and kept a composite over the parts (16 MiB + the rest): "<base64>-2".
    const head = await store.s3.send(new HeadObjectCommand({ Bucket: s3.bucket, Key: key, ChecksumMode: 'ENABLED' }));
    expect(head.ChecksumCRC32).toMatch(/-2$/);
  });

  it('refuses content whose sha256 is not the declared one (server-side checksum)', async () => {
    const body = Buffer.from('the real content');
    const wrong = sha(Buffer.from('something else'));
    await expectStoreError(store.put('team-a/job/bad/1/x.txt', body, { size: body.length, sha256: wrong }), 'ChecksumMismatch', s3.endpoint);
    await expectStoreError(store.head('team-a/job/bad/1/x.txt'), 'NotFound');
  });

  it('serves a presigned GET to a client without credentials, and only for that key', async () => {
    const body = Buffer.from('presigned content');
    const key = 'team-a/job/dl/1/report.txt';
    await store.put(key, body, { size: body.length, sha256: sha(body) });
    const url = await store.presign(key, 60);
    expect(url.startsWith(`${s3.endpoint}/${s3.bucket}/`)).toBe(true);

    const res = await request(url);
    expect(res.statusCode).toBe(200);
    expect(Buffer.from(await res.body.arrayBuffer()).toString()).toBe('presigned content');

    const forged = await request(url.replace('report.txt', 'other.txt'));
    expect(forged.statusCode).toBe(403);
    await forged.body.dump();
  });

  it('reports wrong keys as Unauthorized, naming the endpoint and the Secret keys to fix', async () => {
    const wrongSecret = s3.store({ secretAccessKey: 'not-the-secret' });
    const wrongKey = s3.store({ accessKeyId: 'nobody' });
    try {
      const e = await expectStoreError(wrongSecret.put('a/b.txt', Buffer.from('x'), { size: 1 }), 'Unauthorized', s3.endpoint, 'accessKeyId', 'secretAccessKey');
      expect(e.retryable).toBe(false);
      await expectStoreError(wrongKey.list(''), 'Unauthorized', s3.endpoint);
    } finally {
      await wrongSecret.close();
      await wrongKey.close();
    }
  });

  it('reports a missing bucket as NoSuchBucket, naming it', async () => {
    const other = s3.store({ bucket: 'no-such-bucket' });
    try {
      await expectStoreError(other.put('a/b.txt', Buffer.from('x'), { size: 1 }), 'NoSuchBucket', '"no-such-bucket"', s3.endpoint);
    } finally {
      await other.close();
    }
  });

  it('reports a store that is down as Unreachable (retryable), naming the endpoint', async () => {
    const down = await LocalS3.start({ bucket: null });
    const endpoint = down.endpoint;
    const pgid = down.process.pgid;
    await down.stop();
    expect(isAlive(-pgid)).toBe(false);
    const dead = s3.store({ endpoint }, { maxAttempts: 1 });
    try {
      const e = await expectStoreError(dead.put('a/b.txt', Buffer.from('x'), { size: 1 }), 'Unreachable', endpoint, 'endpoint');
      expect(e.retryable).toBe(true);
    } finally {
      await dead.close();
    }
    const nothing = s3.store({ endpoint: `http://127.0.0.1:${await freePort()}` }, { maxAttempts: 1 });
    try {
      await expectStoreError(nothing.list(''), 'Unreachable');
    } finally {
      await nothing.close();
    }
  });

  it('opens the store from the Secret a user writes', async () => {
    const secret = s3.secret('team-a', 'artifacts');
    const fromSecret = openStore(parseStoreSecret(secret));
    try {
      const body = Buffer.from('via secret');
      await fromSecret.put('team-a/job/s/1/x.txt', body, { size: body.length, sha256: sha(body) });
      expect((await store.head('team-a/job/s/1/x.txt')).sha256).toBe(sha(body));
    } finally {
      await fromSecret.close();
    }
  });

  it('leaves the objects as plain files in its temp dir and removes the dir on stop', async () => {
    const other = await LocalS3.start();
    const st = other.store();
    await st.put('k/x.txt', Buffer.from('plain'), { size: 5 });
    await st.close();
    expect(await readFile(join(other.dir, 'data', 'artifacts', 'k', 'x.txt'), 'utf8')).toBe('plain');
    const pgid = other.process.pgid;
    await other.stop();
    expect(isAlive(-pgid)).toBe(false);
    expect(existsSync(other.dir)).toBe(false);
  });
});
