import { randomBytes } from 'node:crypto';
import { mkdir, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CreateBucketCommand } from '@aws-sdk/client-s3';
import { freePort } from '../cluster/ports.js';
import { httpGet } from '../cluster/probe.js';
import { startProcess, waitReady, type ManagedProcess } from '../cluster/process.js';
import type { SecretLike } from './config.js';
import { S3ArtifactStore, type S3StoreConfig, type S3StoreOptions } from './s3.js';
import { componentPath } from './tools.js';

/** Options of {@link LocalS3.start}. */
export interface LocalS3Options {
  /** State directory (data, log); a new temp dir, removed on stop, when omitted. */
  dir?: string;
  /** A bucket to create once the server is up (default `artifacts`; `null` for none). */
  bucket?: string | null;
  /** The process whose death stops the server; default: this process. */
  ownerPid?: number;
  /** How long the server may take to answer its health check (default 30 s). */
  startTimeoutMs?: number;
}

/**
 * A real S3 server for tests and `weft up`: versitygw (built by `hack/build-tools.sh versitygw`) with
 * its posix backend in a temp dir, on a random loopback port, with root keys generated for this run.
 * It runs in its own process group under the guard, so nothing outlives its owner.
 *
 * @example
 * const s3 = await LocalS3.start();
 * const store = s3.store();
 * await store.put('a/b.txt', Buffer.from('hi'), { size: 2 });
 * await s3.stop();
 */
export class LocalS3 {
  /** State directory; objects are plain files under `<dir>/data/<bucket>/`. */
  readonly dir: string;
  /** `http://127.0.0.1:<port>` */
  readonly endpoint: string;
  /** The root user's keys, generated for this run. */
  readonly accessKeyId: string;
  readonly secretAccessKey: string;
  /** The bucket created at start (empty when none). */
  readonly bucket: string;
  private readonly proc: ManagedProcess;
  private readonly removeDir: boolean;

  /** The process group of the server (for CPU accounting in benchmarks). */
  get pgid(): number {
    return this.proc.pgid;
  }

  private constructor(s: Pick<LocalS3, 'dir' | 'endpoint' | 'accessKeyId' | 'secretAccessKey' | 'bucket'> & { proc: ManagedProcess; removeDir: boolean }) {
    this.dir = s.dir;
    this.endpoint = s.endpoint;
    this.accessKeyId = s.accessKeyId;
    this.secretAccessKey = s.secretAccessKey;
    this.bucket = s.bucket;
    this.proc = s.proc;
    this.removeDir = s.removeDir;
  }

  /** Starts versitygw and returns once `/health` answers 200 and the bucket exists. */
  static async start(opts: LocalS3Options = {}): Promise<LocalS3> {
    const bin = componentPath('versitygw');
    const dir = opts.dir ?? (await mkdtemp(join(tmpdir(), 'weft-s3-')));
    const data = join(dir, 'data');
    await mkdir(data, { recursive: true });
    const port = await freePort();
    const accessKeyId = `weft${randomBytes(8).toString('hex')}`;
    const secretAccessKey = randomBytes(24).toString('base64url');
    const proc = startProcess({
      name: 'versitygw',
      command: bin,
      // The default --port is ":7070", every interface: always bind loopback.
      args: ['--port', `127.0.0.1:${port}`, '--health', '/health', '--quiet', 'posix', data],
      env: { ...process.env, ROOT_ACCESS_KEY: accessKeyId, ROOT_SECRET_KEY: secretAccessKey },
      logFile: join(dir, 'versitygw.log'),
      ownerPid: opts.ownerPid,
    });
    const endpoint = `http://127.0.0.1:${port}`;
    const bucket = opts.bucket === null ? '' : (opts.bucket ?? 'artifacts');
    const s3 = new LocalS3({ dir, endpoint, accessKeyId, secretAccessKey, bucket, proc, removeDir: opts.dir === undefined });
    try {
      await waitReady(proc, opts.startTimeoutMs ?? 30_000, async () => (await httpGet(`${endpoint}/health`)).status === 200);
      if (bucket) await s3.createBucket(bucket);
      return s3;
    } catch (err) {
      await s3.stop();
      throw err;
    }
  }

  /** Connection settings for {@link S3ArtifactStore}; `overrides` for tests of wrong settings. */
  config(overrides: Partial<S3StoreConfig> = {}): S3StoreConfig {
    return { endpoint: this.endpoint, bucket: this.bucket, region: 'us-east-1', accessKeyId: this.accessKeyId, secretAccessKey: this.secretAccessKey, ...overrides };
  }

  /** A store on this server. */
  store(overrides: Partial<S3StoreConfig> = {}, opts?: S3StoreOptions): S3ArtifactStore {
    return new S3ArtifactStore(this.config(overrides), opts);
  }

  /** The artifact store Secret a user would write for this server (`stringData`). */
  secret(namespace: string, name: string): SecretLike & { apiVersion: 'v1'; kind: 'Secret' } {
    const c = this.config();
    return {
      apiVersion: 'v1',
      kind: 'Secret',
      metadata: { namespace, name },
      stringData: { type: 's3', endpoint: c.endpoint, bucket: c.bucket, region: 'us-east-1', accessKeyId: c.accessKeyId, secretAccessKey: c.secretAccessKey },
    };
  }

  /** Creates a bucket as the root user. */
  async createBucket(name: string): Promise<void> {
    const store = this.store({ bucket: name });
    try {
      await store.s3.send(new CreateBucketCommand({ Bucket: name }));
    } finally {
      await store.close();
    }
  }

  /** The server's process group (for no-leftover checks). */
  get process(): ManagedProcess {
    return this.proc;
  }

  /** Stops the server, waits until its process group is gone, and removes the temp dir it created. */
  async stop(): Promise<void> {
    await this.proc.stop(5000);
    if (this.removeDir) await rm(this.dir, { recursive: true, force: true });
  }
}
