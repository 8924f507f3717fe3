import { createHash, randomBytes } from 'node:crypto';
import { createReadStream, createWriteStream } from 'node:fs';
import { mkdir, readFile, readdir, rename, rm, stat, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { Readable, Transform } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { ArtifactStoreError, type ArtifactStoreErrorCode } from './errors.js';
import { checkKey, checkPrefix, type ArtifactStore, type ListOptions, type ListPage, type ObjectReader, type PutOptions, type StoredObject } from './store.js';

/** Sizes and digests live beside the data, in a tree no key can reach. */
const META_DIR = '.weft-meta';
const TMP_FILE = /\.weft-tmp-[0-9a-f]{12}$/;

/**
 * An {@link ArtifactStore} in a directory: a PVC or host path mounted into the operator and the pods.
 * Objects are plain files under `<root>/<key>` (written to a temp file, verified, then renamed, so a
 * reader never sees half an object); the sha256 and size are kept in `<root>/.weft-meta/<key>.json`.
 * No presigned URLs: downloads go through the operator.
 */
export class FilesystemArtifactStore implements ArtifactStore {
  readonly description: string;

  constructor(readonly root: string) {
    this.description = `filesystem ${root}`;
  }

  /** The file is hashed while written and renamed into place only when the digest matches. */
  verifiesSha256(): boolean {
    return true;
  }

  async put(key: string, body: Readable | Buffer, opts: PutOptions): Promise<StoredObject> {
    const file = this.pathOf(key);
    const tmp = `${file}.weft-tmp-${randomBytes(6).toString('hex')}`;
    const hash = createHash('sha256');
    let size = 0;
    const meter = new Transform({
      transform(chunk: Buffer, _enc, done) {
        hash.update(chunk);
        size += chunk.length;
        done(null, chunk);
      },
    });
    try {
      await mkdir(dirname(file), { recursive: true });
      await pipeline(Buffer.isBuffer(body) ? Readable.from([body]) : body, meter, createWriteStream(tmp));
      const sha256 = hash.digest('hex');
      this.verify(key, { size, sha256 }, opts);
      const meta = this.metaOf(key);
      await mkdir(dirname(meta), { recursive: true });
      await writeFile(meta, JSON.stringify({ size, sha256 }));
      await rename(tmp, file);
      return { key, size, sha256 };
    } catch (err) {
      await rm(tmp, { force: true });
      throw this.wrap(err, 'put', key);
    }
  }

  async get(key: string): Promise<ObjectReader> {
    const info = await this.head(key);
    return { ...info, body: createReadStream(this.pathOf(key)) };
  }

  async head(key: string): Promise<StoredObject> {
    try {
      const st = await stat(this.pathOf(key));
      if (!st.isFile()) throw Object.assign(new Error('not a file'), { code: 'ENOENT' });
      const meta = await readMeta(this.metaOf(key));
      return { key, size: st.size, sha256: meta?.sha256, lastModified: st.mtime, etag: `${st.mtimeMs}-${st.ino}-${st.size}` };
    } catch (err) {
      throw this.wrap(err, 'head', key);
    }
  }

  async list(prefix: string, opts: ListOptions = {}): Promise<ListPage> {
    checkPrefix(prefix);
    const limit = opts.limit ?? 1000;
    const after = opts.cursor ?? opts.startAfter ?? '';
    const base = prefix.includes('/') ? prefix.slice(0, prefix.lastIndexOf('/') + 1) : '';
    let keys: string[];
    try {
      keys = (await walk(this.root, base)).filter((k) => k.startsWith(prefix) && k > after).sort();
    } catch (err) {
      throw this.wrap(err, 'list', prefix);
    }
    const page = keys.slice(0, limit);
    const objects = await Promise.all(page.map((k) => this.head(k)));
    return { objects, next: keys.length > limit ? page.at(-1) : undefined };
  }

  async delete(key: string): Promise<void> {
    await rm(this.pathOf(key), { force: true });
    await rm(this.metaOf(key), { force: true });
  }

  presign(key: string): Promise<string> {
    return Promise.reject(
      new ArtifactStoreError('Unsupported', this.description, `${this.description}: no presigned URLs for "${key}": downloads from a filesystem store go through the operator (GET /api/v1/artifacts/...)`),
    );
  }

  async close(): Promise<void> {}

  private pathOf(key: string): string {
    checkKey(key);
    if (key === META_DIR || key.startsWith(`${META_DIR}/`)) throw new TypeError(`invalid object key "${key}": "${META_DIR}/" is reserved by the filesystem store`);
    return join(this.root, key);
  }

  private metaOf(key: string): string {
    return join(this.root, META_DIR, `${key}.json`);
  }

  private verify(key: string, got: { size: number; sha256: string }, want: PutOptions): void {
    if (got.size !== want.size) {
      throw new ArtifactStoreError('ChecksumMismatch', this.description, `${this.description}: "${key}" has ${got.size} bytes, ${want.size} were declared`);
    }
    if (want.sha256 && got.sha256 !== want.sha256) {
      throw new ArtifactStoreError('ChecksumMismatch', this.description, `${this.description}: "${key}" has sha256 ${got.sha256}, ${want.sha256} was declared`);
    }
  }

  private wrap(err: unknown, op: string, key: string): Error {
    if (err instanceof ArtifactStoreError || err instanceof TypeError) return err;
    const code = (err as NodeJS.ErrnoException).code ?? '';
    const map: Record<string, ArtifactStoreErrorCode> = { ENOENT: 'NotFound', EACCES: 'Unauthorized', EPERM: 'Unauthorized' };
    const what = map[code] ?? 'Failed';
    const hint = what === 'Unauthorized' ? `: the operator cannot write ${this.root} (check the volume's owner and mode)` : what === 'NotFound' ? ': no such object' : '';
    return new ArtifactStoreError(what, this.description, `${this.description}: ${op} "${key}"${hint} (${code || String(err)})`, { cause: err });
  }
}

async function readMeta(file: string): Promise<{ sha256?: string } | undefined> {
  try {
    return JSON.parse(await readFile(file, 'utf8')) as { sha256?: string };
  } catch {
    return undefined;
  }
}

/** Every file key under `<root>/<base>` (recursively), skipping the metadata tree and temp files. */
async function walk(root: string, base: string): Promise<string[]> {
  const out: string[] = [];
  const visit = async (rel: string): Promise<void> => {
    let entries;
    try {
      entries = await readdir(join(root, rel), { withFileTypes: true });
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return;
      throw err;
    }
    for (const e of entries) {
      const key = rel + e.name;
      if (key === META_DIR || TMP_FILE.test(e.name)) continue;
      if (e.isDirectory()) await visit(`${key}/`);
      else if (e.isFile()) out.push(key);
    }
  };
  await visit(base);
  return out;
}
