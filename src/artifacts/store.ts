import type { Readable } from 'node:stream';

/** What is known about a stored object. */
export interface StoredObject {
  /** The key inside the store (without the store's own prefix). */
  key: string;
  size: number;
  /** Hex sha256 of the content, when the writer recorded it (always, for objects written by Weft). */
  sha256?: string;
  lastModified?: Date;
  /** Changes whenever the content does (S3 ETag; size and mtime on a filesystem): a cache validator. */
  etag?: string;
}

/** Options of {@link ArtifactStore.put}. */
export interface PutOptions {
  /** Exact size in bytes: needed to stream without buffering and to detect truncation. */
  size: number;
  /** Hex sha256 of the content; the store verifies it (S3: server-side checksum) and records it. */
  sha256?: string;
  contentType?: string;
}

/** A readable object: its content as a stream plus what the store knows about it. */
export interface ObjectReader extends StoredObject {
  body: Readable;
}

/** One page of {@link ArtifactStore.list}. */
export interface ListPage {
  objects: StoredObject[];
  /** Pass to the next call to continue; absent on the last page. */
  next?: string;
}

/** Options of {@link ArtifactStore.list}. */
export interface ListOptions {
  /** At most this many objects per page (default 1000). */
  limit?: number;
  /** The `next` of the previous page. */
  cursor?: string;
  /** Only keys that sort after this one. */
  startAfter?: string;
}

/**
 * Where Job and AgentTask artifacts, logs and run history go: an S3-compatible bucket or a
 * directory. Keys are `/`-separated and relative; `..`, empty segments and a leading `/` are refused.
 * Errors are {@link ArtifactStoreError}s.
 */
export interface ArtifactStore {
  /** A short description for messages, e.g. `s3 http://127.0.0.1:7070 bucket "artifacts"`. */
  readonly description: string;
  /**
   * Whether {@link put} itself checks the whole content of an object of `size` bytes against
   * `PutOptions.sha256` before the object becomes visible (so a caller streaming someone else's
   * bytes need not hash them again). Absent: no.
   */
  verifiesSha256?(size: number): boolean;
  /** Stores `body` under `key` (replacing it), verifying size and sha256. */
  put(key: string, body: Readable | Buffer, opts: PutOptions): Promise<StoredObject>;
  /** Opens `key` for reading; `NotFound` when it does not exist. */
  get(key: string): Promise<ObjectReader>;
  /** The object's size and digest without its content; `NotFound` when it does not exist. */
  head(key: string): Promise<StoredObject>;
  /** Keys under `prefix` in lexicographic order, one page at a time. */
  list(prefix: string, opts?: ListOptions): Promise<ListPage>;
  /** Removes `key`; no error when it does not exist. */
  delete(key: string): Promise<void>;
  /** A URL that downloads `key` without credentials for `expiresSec` seconds (`Unsupported` on a filesystem store). */
  presign(key: string, expiresSec: number): Promise<string>;
  /** Releases connections. */
  close(): Promise<void>;
}

/** Identifies one run of a Job or AgentTask: the directory its artifacts go to. */
export interface RunRef {
  namespace: string;
  /** Lower-case kind, e.g. `job`, `agenttask`. */
  kind: string;
  name: string;
  /** 1 for the first run, +1 per retry. */
  attempt: number;
}

const DNS_LABEL = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;
const DNS_SUBDOMAIN = /^[a-z0-9]([-a-z0-9.]*[a-z0-9])?$/;

/**
 * The key prefix of a run's artifacts: `<namespace>/<kind>/<name>/<attempt>/`.
 * @example runPrefix({ namespace: 'team-a', kind: 'job', name: 'build-1', attempt: 2 }) // 'team-a/job/build-1/2/'
 */
export function runPrefix(ref: RunRef): string {
  if (!DNS_LABEL.test(ref.namespace) || ref.namespace.length > 63) throw new TypeError(`invalid namespace "${ref.namespace}" (a DNS label)`);
  if (!/^[a-z][a-z0-9]*$/.test(ref.kind)) throw new TypeError(`invalid kind "${ref.kind}" (lower-case letters and digits, e.g. "job")`);
  if (!DNS_SUBDOMAIN.test(ref.name) || ref.name.length > 253) throw new TypeError(`invalid name "${ref.name}" (a DNS subdomain)`);
  if (!Number.isInteger(ref.attempt) || ref.attempt < 0) throw new TypeError(`invalid attempt ${ref.attempt} (a non-negative integer)`);
  return `${ref.namespace}/${ref.kind}/${ref.name}/${ref.attempt}/`;
}

/** The key of one artifact: {@link runPrefix} + its workspace-relative path. */
export function artifactKey(ref: RunRef, path: string): string {
  return runPrefix(ref) + checkKey(path);
}

/**
 * Returns `key` if it is a safe relative object key, else throws a TypeError naming it: no leading
 * `/`, no `.`/`..` or empty segments, no backslash or control characters, at most 1024 bytes.
 */
export function checkKey(key: string): string {
  if (key.length === 0 || !safePath(key) || key.endsWith('/')) {
    throw new TypeError(`invalid object key "${key}": keys are relative, '/'-separated, without '.', '..' or empty segments`);
  }
  return key;
}

/** Like {@link checkKey} for a listing prefix: empty and a trailing `/` are fine. */
export function checkPrefix(prefix: string): string {
  if (prefix !== '' && !safePath(prefix.endsWith('/') ? prefix.slice(0, -1) : prefix)) {
    throw new TypeError(`invalid key prefix "${prefix}": prefixes are relative, '/'-separated, without '.', '..' or empty segments`);
  }
  return prefix;
}

function safePath(key: string): boolean {
  return (
    !key.startsWith('/') &&
    !key.includes('\\') &&
    !/[\u0000-\u001f\u007f]/.test(key) &&
    Buffer.byteLength(key) <= 1024 &&
    key.split('/').every((s) => s !== '' && s !== '.' && s !== '..')
  );
}
