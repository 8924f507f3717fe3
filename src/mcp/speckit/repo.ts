import { readdir, readFile, realpath, rename, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { isFeatureDir, parseTasks, featureDocPath, type FeatureDoc, type TasksDocument } from '../../speckit/index.js';
import { ToolError } from '../errors.js';
import { isInside } from '../obsidian/paths.js';

/** A Spec-Kit feature folder under `specs/`. */
export interface FeatureInfo {
  readonly feature: string;
  readonly docs: readonly string[];
}

/**
 * The `specs/` folder of one repository, read and written with the paths checked: a feature name is a
 * folder name (`004-review-loop`, or its number `004`), never a path.
 */
export class SpecRepo {
  private readonly locks = new Map<string, Promise<unknown>>();

  private constructor(readonly root: string) {}

  /** Opens the repository at `root` (which must exist). */
  static async open(root: string): Promise<SpecRepo> {
    return new SpecRepo(await realpath(root));
  }

  /** Feature folders in name order, with the documents each has. */
  async features(): Promise<FeatureInfo[]> {
    const dirs = await readdir(join(this.root, 'specs'), { withFileTypes: true }).catch(() => []);
    const out: FeatureInfo[] = [];
    for (const d of dirs.filter((x) => x.isDirectory() && isFeatureDir(x.name)).sort((a, b) => a.name.localeCompare(b.name))) {
      const files = await readdir(join(this.root, 'specs', d.name)).catch(() => [] as string[]);
      out.push({ feature: d.name, docs: files.filter((f) => f.endsWith('.md')).map((f) => f.slice(0, -3)).sort() });
    }
    return out;
  }

  /** Resolves `004` or `004-review-loop` to the feature folder name. @throws ToolError naming the feature */
  async feature(name: string): Promise<string> {
    if (!/^[\w.-]+$/.test(name) || name.startsWith('.')) throw new ToolError('feature', `${JSON.stringify(name)} is not a feature folder name (like 004-review-loop or 004)`);
    const all = (await this.features()).map((f) => f.feature);
    const hits = all.filter((f) => f === name || f.startsWith(`${name}-`));
    if (hits.length === 1) return hits[0] as string;
    if (hits.length > 1) throw new ToolError('feature', `${JSON.stringify(name)} matches several features: ${hits.join(', ')}`);
    throw new ToolError('feature', `no feature ${JSON.stringify(name)} under specs/ (features: ${all.join(', ') || 'none'})`);
  }

  private async path(feature: string, doc: FeatureDoc): Promise<{ rel: string; abs: string }> {
    const rel = featureDocPath(feature, doc);
    const abs = join(this.root, rel);
    const real = await realpath(abs).catch((err: NodeJS.ErrnoException) => {
      if (err.code === 'ENOENT') throw new ToolError('doc', `feature ${feature} has no ${doc}.md`);
      throw err;
    });
    if (!isInside(this.root, real)) throw new ToolError('feature', `${rel} resolves outside the repository (${real})`);
    return { rel, abs };
  }

  /** The text of a feature document. */
  async read(feature: string, doc: FeatureDoc): Promise<{ rel: string; text: string }> {
    const { rel, abs } = await this.path(feature, doc);
    return { rel, text: await readFile(abs, 'utf8') };
  }

  /** The parsed tasks.md of a feature. @throws SpecKitError with file and line on bad input */
  async tasks(feature: string): Promise<{ rel: string; text: string; doc: TasksDocument }> {
    const { rel, text } = await this.read(feature, 'tasks');
    return { rel, text, doc: parseTasks(text, rel) };
  }

  /**
   * Read-modify-write of a feature's tasks.md, one at a time per file, written through a rename so a
   * reader never sees half a file.
   */
  async editTasks<T>(feature: string, edit: (text: string, rel: string) => { text: string; changed: boolean; value: T }): Promise<T> {
    const { rel, abs } = await this.path(feature, 'tasks');
    const prev = this.locks.get(abs) ?? Promise.resolve();
    const run = prev.catch(() => undefined).then(async () => {
      const out = edit(await readFile(abs, 'utf8'), rel);
      if (out.changed) {
        const tmp = `${abs}.weft-${process.pid}.tmp`;
        await writeFile(tmp, out.text, 'utf8');
        await rename(tmp, abs);
      }
      return out.value;
    });
    this.locks.set(abs, run);
    return run;
  }
}
