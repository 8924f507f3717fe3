import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { open, readFile, realpath, stat } from 'node:fs/promises';
import type { Readable } from 'node:stream';
import { isAbsolute, join, sep } from 'node:path';
import { glob } from 'tinyglobby';
import { ArtifactRefusedError, type ArtifactRefusal } from './errors.js';
import { findSymlinks } from './symlinks.js';
import { artifactKey, type ArtifactStore, type RunRef } from './store.js';
import { forEachPooled } from './pool.js';

/** One collected file: where it is, and what `status.artifacts` will say about it. */
export interface LocalArtifact {
  /** Workspace-relative path with `/` separators: also the key suffix in the store. */
  path: string;
  /** Absolute path of the bytes to read (the symlink's target when the match was a link). */
  source: string;
  size: number;
  sha256: string;
}

/** An entry of `status.artifacts`. */
export interface ArtifactEntry {
  path: string;
  /** The object key in the store: `<namespace>/<kind>/<name>/<attempt>/<path>`. */
  key: string;
  size: number;
  sha256: string;
}

/** Options of {@link collectArtifacts}. */
export interface CollectOptions {
  /** The workspace: patterns are relative to it and nothing outside it is read. */
  workspace: string;
  /** Declared glob patterns, e.g. `["reports/**\/*.xml", "dist/*.tgz"]`. */
  patterns: readonly string[];
  /** Per-file limit in bytes (the Job's limit); larger files are refused. */
  maxFileBytes: number;
  /** Limit on the sum of all files; files past it are refused (default: no limit). */
  maxTotalBytes?: number;
  /**
   * Digest the files now (default). `false` leaves `sha256` empty for {@link uploadArtifacts} to
   * compute just before each upload, overlapping hashing with the uploads in flight.
   */
  digest?: boolean;
}

/** What {@link collectArtifacts} found: the files to upload and what it refused, with reasons. */
export interface CollectResult {
  files: LocalArtifact[];
  refused: ArtifactRefusal[];
}

/**
 * Expands the declared patterns in the workspace and digests the matches. Refuses (with a message
 * naming the path and the rule) patterns that are absolute or contain `..`, matches that resolve
 * (through a symlink, of the file or of a directory above it) outside the workspace, and files over
 * `maxFileBytes`. Directories, sockets and devices are ignored. Results are sorted by path.
 *
 * @example
 * const { files, refused } = await collectArtifacts({ workspace: '/workspace', patterns: ['reports/*.xml'], maxFileBytes: 100 << 20 });
 */
export async function collectArtifacts(opts: CollectOptions): Promise<CollectResult> {
  const refused: ArtifactRefusal[] = [];
  const safe = opts.patterns.filter((p) => {
    const why = patternProblem(p);
    if (why) refused.push({ reason: 'PathTraversal', path: p, message: `artifact pattern "${p}" refused: ${why} (patterns are relative to the workspace ${opts.workspace})` });
    return !why;
  });
  const root = await realpath(opts.workspace);
  // The glob never follows (nor reports) links; links the patterns reach are found separately and
  // then checked like any match: a link resolving outside the workspace is refused.
  const matches = safe.length === 0 ? [] : await glob([...safe], { cwd: root, onlyFiles: true, dot: true, followSymbolicLinks: false, expandDirectories: false });
  matches.push(...(await findSymlinks(root, safe)).map((l) => l.path));
  const files: LocalArtifact[] = [];
  let total = 0;
  for (const path of [...new Set(matches)].sort()) {
    const found = await inspect(root, path, opts.maxFileBytes);
    if (found === undefined) continue;
    if ('reason' in found) {
      refused.push(found);
      continue;
    }
    if (opts.maxTotalBytes !== undefined && total + found.size > opts.maxTotalBytes) {
      refused.push({ reason: 'TotalTooLarge', path, message: `artifact "${path}" refused: the artifacts would exceed the total limit of ${opts.maxTotalBytes} bytes` });
      continue;
    }
    total += found.size;
    files.push({ ...found, sha256: opts.digest === false ? '' : await sha256File(found.source) });
  }
  return { files, refused };
}

/** Why a pattern is refused, or undefined when it is fine. */
function patternProblem(pattern: string): string | undefined {
  if (pattern.trim() === '') return 'it is empty';
  if (isAbsolute(pattern) || pattern.startsWith('~')) return 'it is absolute';
  if (pattern.startsWith('!')) return 'negated patterns are not supported';
  if (pattern.split(/[\\/]/).includes('..')) return 'it contains ".." (path traversal)';
  return undefined;
}

/** Checks one match: inside the workspace after resolving links, a regular file, under the limit. */
async function inspect(root: string, path: string, maxFileBytes: number): Promise<Omit<LocalArtifact, 'sha256'> | ArtifactRefusal | undefined> {
  const abs = join(root, path);
  let real: string;
  try {
    real = await realpath(abs);
  } catch {
    return undefined; // a dangling symlink, or deleted since the glob: no bytes to upload
  }
  if (real !== root && !real.startsWith(root + sep)) {
    return {
      reason: 'SymlinkOutOfWorkspace',
      path,
      message: `artifact "${path}" refused: it is a symlink (or under one) that resolves to ${real}, outside the workspace ${root}`,
    };
  }
  const st = await stat(real);
  if (!st.isFile()) return undefined;
  if (st.size > maxFileBytes) {
    return { reason: 'TooLarge', path, message: `artifact "${path}" refused: ${st.size} bytes is over the limit of ${maxFileBytes} bytes per file` };
  }
  return { path: path.split(sep).join('/'), source: real, size: st.size };
}

/**
 * Hex sha256 of a file, read through one reused 1 MiB buffer: a read stream allocates a fresh
 * buffer per chunk, and a gigabyte of those kept the garbage collector busy for seconds.
 */
export async function sha256File(file: string): Promise<string> {
  const hash = createHash('sha256');
  const fh = await open(file, 'r');
  try {
    const buf = Buffer.allocUnsafeSlow(1 << 20);
    for (let n = (await fh.read(buf, 0, buf.length, null)).bytesRead; n > 0; n = (await fh.read(buf, 0, buf.length, null)).bytesRead) {
      hash.update(buf.subarray(0, n));
    }
  } finally {
    await fh.close();
  }
  return hash.digest('hex');
}

/**
 * Files up to this size are read once into memory, digested and sent from there; larger ones are
 * digested, then streamed (read twice: the digest travels ahead of the body, in a header or as the
 * store's checksum). With 4 files in flight that is at most 64 MiB of buffers.
 */
const IN_MEMORY_BYTES = 16 * 1024 * 1024;

/**
 * What to send for one collected file: its bytes (small files) or a stream of them, and its sha256
 * (the collected one, or computed now). A small file whose size changed since it was collected is
 * an error naming it.
 */
export async function uploadBody(f: LocalArtifact): Promise<{ body: Buffer | Readable; sha256: string }> {
  if (f.size > IN_MEMORY_BYTES) return { sha256: f.sha256 || (await sha256File(f.source)), body: createReadStream(f.source, { highWaterMark: 1 << 20 }) };
  const bytes = await readFile(f.source);
  if (bytes.length !== f.size) throw new Error(`artifact "${f.path}": the file changed after it was collected (${f.size} bytes then, ${bytes.length} now): upload it once the step that writes it has finished`);
  return { body: bytes, sha256: f.sha256 || createHash('sha256').update(bytes).digest('hex') };
}

/** Throws an {@link ArtifactRefusedError} listing every refusal, when there is one. */
export function assertNoRefusals(result: CollectResult): void {
  if (result.refused.length > 0) throw new ArtifactRefusedError(result.refused);
}

/** Options of {@link uploadArtifacts}. */
export interface UploadOptions {
  store: ArtifactStore;
  run: RunRef;
  /** Files uploaded at once (default 4). */
  concurrency?: number;
}

/**
 * Uploads collected files to `<namespace>/<kind>/<name>/<attempt>/<path>` with their size and sha256
 * (verified by the store), and returns the entries for `status.artifacts` in path order. Idempotent:
 * a retry overwrites the same keys. The first store error is thrown (an `ArtifactStoreError`) after
 * the uploads in flight settle.
 */
export async function uploadArtifacts(files: readonly LocalArtifact[], opts: UploadOptions): Promise<ArtifactEntry[]> {
  const out: ArtifactEntry[] = [];
  await forEachPooled(files, opts.concurrency ?? 4, async (f) => {
    const key = artifactKey(opts.run, f.path);
    const { body, sha256 } = await uploadBody(f);
    await opts.store.put(key, body, { size: f.size, sha256 });
    out.push({ path: f.path, key, size: f.size, sha256 });
  });
  return out.sort((a, b) => (a.path < b.path ? -1 : 1));
}
