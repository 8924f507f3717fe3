import { Readable } from 'node:stream';
import {
  DeleteObjectCommand,
  GetObjectCommand,
  HeadObjectCommand,
  ListObjectsV2Command,
  PutObjectCommand,
  S3Client,
  type PutObjectCommandInput,
} from '@aws-sdk/client-s3';
import { Upload } from '@aws-sdk/lib-storage';
import { getSignedUrl } from '@aws-sdk/s3-request-presigner';
import { ArtifactStoreError } from './errors.js';
import { mapS3Error } from './s3-errors.js';
import { checkKey, checkPrefix, type ArtifactStore, type ListOptions, type ListPage, type ObjectReader, type PutOptions, type StoredObject } from './store.js';

/** Connection settings of an S3-compatible store (see `parseStoreSecret`). */
export interface S3StoreConfig {
  /** `http(s)://host:port` of the S3 API (path-style addressing is used). */
  endpoint: string;
  bucket: string;
  /** Signing region (SigV4); default `us-east-1`. */
  region?: string;
  accessKeyId: string;
  secretAccessKey: string;
  /** Prepended to every key, e.g. `weft/`. */
  prefix?: string;
}

/** Tuning of {@link S3ArtifactStore}; the defaults suit a store on the same network. */
export interface S3StoreOptions {
  /** Objects at least this large go up as multipart uploads (default 16 MiB). */
  multipartThreshold?: number;
  /** Part size of multipart uploads (default 16 MiB; S3's minimum is 5 MiB). */
  partSize?: number;
  /** Parts in flight per multipart upload (default 4). */
  queueSize?: number;
  /** Attempts per request, the first included (default 3): more only delays reporting a dead store. */
  maxAttempts?: number;
  /** TCP connect timeout in ms (default 5000). */
  connectTimeoutMs?: number;
}

const MiB = 1024 * 1024;
/** The user metadata key under which the full-object sha256 (hex) is recorded. */
const SHA_META = 'sha256';

/**
 * Multipart parts are signed without hashing their payload (`x-amz-content-sha256: UNSIGNED-PAYLOAD`,
 * which S3 accepts on any request): over plain HTTP the SDK otherwise computes the SHA-256 of every
 * part it holds in memory just for the signature, a third pass over the bytes. Each part carries
 * its CRC32 checksum, which the server verifies, and the whole object's sha256 is checked by the
 * caller before the upload completes.
 */
function unsignedPartPayload(client: S3Client): void {
  client.middlewareStack.add(
    (next, context) => async (args) => {
      const headers = (args.request as { headers?: Record<string, string> }).headers;
      if (context.commandName === 'UploadPartCommand' && headers && !headers['x-amz-content-sha256']) headers['x-amz-content-sha256'] = 'UNSIGNED-PAYLOAD';
      return next(args);
    },
    { step: 'build', name: 'weftUnsignedPartPayload' },
  );
}

/**
 * An {@link ArtifactStore} on an S3-compatible server (AWS S3, versitygw, Ceph RGW, …): SigV4,
 * path-style, multipart above a threshold, server-verified checksums (SHA-256 of the whole object
 * for a single PUT; CRC32, native and cheap, of each part of a multipart upload, whose full-object
 * sha256 the caller checks), and the full-object sha256 recorded as metadata.
 *
 * @example
 * const store = new S3ArtifactStore({ endpoint: 'http://127.0.0.1:7070', bucket: 'artifacts', accessKeyId, secretAccessKey });
 * await store.put('team-a/job/build/1/report.xml', buf, { size: buf.length, sha256 });
 */
export class S3ArtifactStore implements ArtifactStore {
  readonly description: string;
  private readonly client: S3Client;
  private readonly prefix: string;
  private readonly opts: Required<S3StoreOptions>;

  constructor(
    readonly config: S3StoreConfig,
    opts: S3StoreOptions = {},
  ) {
    this.description = `s3 ${config.endpoint} bucket "${config.bucket}"`;
    this.prefix = checkPrefix(config.prefix ?? '');
    this.opts = {
      multipartThreshold: opts.multipartThreshold ?? 16 * MiB,
      partSize: opts.partSize ?? 16 * MiB,
      queueSize: opts.queueSize ?? 4,
      maxAttempts: opts.maxAttempts ?? 3,
      connectTimeoutMs: opts.connectTimeoutMs ?? 5000,
    };
    this.client = new S3Client({
      endpoint: config.endpoint,
      region: config.region ?? 'us-east-1',
      forcePathStyle: true,
      credentials: { accessKeyId: config.accessKeyId, secretAccessKey: config.secretAccessKey },
      maxAttempts: this.opts.maxAttempts,
      // Checksums are sent where we ask for them (SHA-256), not a default CRC on every request.
      requestChecksumCalculation: 'WHEN_REQUIRED',
      responseChecksumValidation: 'WHEN_REQUIRED',
      requestHandler: { connectionTimeout: this.opts.connectTimeoutMs, httpAgent: { keepAlive: true, maxSockets: 32 } },
    });
    unsignedPartPayload(this.client);
  }

  /** The underlying SDK client (for the benchmark's SDK-only baseline and bucket administration). */
  get s3(): S3Client {
    return this.client;
  }

  /** Single PUTs (below the multipart threshold) carry `ChecksumSHA256`, which the server verifies; multipart parts are checked one by one (CRC32) only. */
  verifiesSha256(size: number): boolean {
    return size < this.opts.multipartThreshold;
  }

  async put(key: string, body: Readable | Buffer, opts: PutOptions): Promise<StoredObject> {
    const Key = this.prefix + checkKey(key);
    const params: PutObjectCommandInput = {
      Bucket: this.config.bucket,
      Key,
      Body: body,
      ContentType: opts.contentType ?? 'application/octet-stream',
      Metadata: opts.sha256 ? { [SHA_META]: opts.sha256 } : undefined,
    };
    await this.call('put', key, async () => {
      if (opts.size < this.opts.multipartThreshold) {
        const checksum = opts.sha256 ? Buffer.from(opts.sha256, 'hex').toString('base64') : undefined;
        await this.client.send(new PutObjectCommand({ ...params, ContentLength: opts.size, ChecksumSHA256: checksum }));
      } else {
        // Each part is checked with CRC32 (native; SHA-256 per part cost a second full hash on the
        // operator's thread); the full-object sha256 is checked by the caller (VerifyingStream).
        const upload = new Upload({
          client: this.client,
          params: { ...params, ChecksumAlgorithm: 'CRC32' },
          partSize: this.opts.partSize,
          queueSize: this.opts.queueSize,
          leavePartsOnError: false,
        });
        await upload.done();
      }
    });
    return { key, size: opts.size, sha256: opts.sha256 };
  }

  async get(key: string): Promise<ObjectReader> {
    const out = await this.call('get', key, () => this.client.send(new GetObjectCommand({ Bucket: this.config.bucket, Key: this.prefix + checkKey(key) })));
    if (!(out.Body instanceof Readable)) throw new ArtifactStoreError('Failed', this.description, `${this.description}: GET ${key} returned no body stream`);
    return { key, size: out.ContentLength ?? 0, sha256: out.Metadata?.[SHA_META], lastModified: out.LastModified, etag: out.ETag, body: out.Body };
  }

  async head(key: string): Promise<StoredObject> {
    const out = await this.call('head', key, () => this.client.send(new HeadObjectCommand({ Bucket: this.config.bucket, Key: this.prefix + checkKey(key) })));
    return { key, size: out.ContentLength ?? 0, sha256: out.Metadata?.[SHA_META], lastModified: out.LastModified, etag: out.ETag };
  }

  async list(prefix: string, opts: ListOptions = {}): Promise<ListPage> {
    const Prefix = this.prefix + checkPrefix(prefix);
    const out = await this.call('list', prefix, () =>
      this.client.send(
        new ListObjectsV2Command({
          Bucket: this.config.bucket,
          Prefix,
          MaxKeys: opts.limit ?? 1000,
          ContinuationToken: opts.cursor,
          StartAfter: opts.startAfter === undefined ? undefined : this.prefix + opts.startAfter,
        }),
      ),
    );
    const objects = (out.Contents ?? []).map((o) => ({ key: (o.Key ?? '').slice(this.prefix.length), size: o.Size ?? 0, lastModified: o.LastModified, etag: o.ETag }));
    return { objects, next: out.IsTruncated ? out.NextContinuationToken : undefined };
  }

  async delete(key: string): Promise<void> {
    await this.call('delete', key, () => this.client.send(new DeleteObjectCommand({ Bucket: this.config.bucket, Key: this.prefix + checkKey(key) })));
  }

  async presign(key: string, expiresSec: number): Promise<string> {
    if (!Number.isInteger(expiresSec) || expiresSec < 1 || expiresSec > 604_800) {
      throw new RangeError(`presign: expiresSec ${expiresSec} must be an integer from 1 to 604800 (7 days)`);
    }
    const cmd = new GetObjectCommand({ Bucket: this.config.bucket, Key: this.prefix + checkKey(key) });
    return this.call('presign', key, () => getSignedUrl(this.client, cmd, { expiresIn: expiresSec }));
  }

  async close(): Promise<void> {
    this.client.destroy();
  }

  /** Runs one SDK call and turns its failure into an {@link ArtifactStoreError}. */
  private async call<T>(op: string, key: string, fn: () => Promise<T>): Promise<T> {
    try {
      return await fn();
    } catch (err) {
      throw mapS3Error(err, { store: this.description, endpoint: this.config.endpoint, bucket: this.config.bucket, op, key });
    }
  }
}
