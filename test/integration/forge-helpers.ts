import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { runGit } from '../../src/forge/git.js';
import type { ForgeProvider } from '../../src/forge/types.js';

const AUTHOR = { GIT_AUTHOR_NAME: 'agent', GIT_AUTHOR_EMAIL: 'agent@example.invalid', GIT_COMMITTER_NAME: 'agent', GIT_COMMITTER_EMAIL: 'agent@example.invalid' };

/** A working copy of a forge repository, cloned with the provider's credentials (never in the URL). */
export interface WorkingCopy {
  dir: string;
  env: Record<string, string>;
  /** Writes files, commits them on `branch` (created from the current HEAD) and pushes; returns the commit. */
  commitAndPush(o: { branch: string; files: Record<string, string>; message?: string; remote?: string; pushOptions?: string[] }): Promise<string>;
  git(args: string[]): Promise<string>;
  remove(): Promise<void>;
}

/** Clones `repo` through `forge.cloneSpec` into a temp dir. */
export async function cloneRepo(forge: ForgeProvider, repo: string): Promise<WorkingCopy> {
  const spec = await forge.cloneSpec(repo);
  const root = await mkdtemp(join(tmpdir(), 'weft-forge-wc-'));
  const dir = join(root, 'repo');
  const env = { ...spec.env, ...AUTHOR };
  await runGit(['clone', '-q', spec.url, dir], { env, repo, url: spec.url });
  return workingCopy(dir, env, root, repo);
}

/** A working copy over an existing directory (Radicle: the repository `rad init` published). */
export function workingCopy(dir: string, env: Record<string, string>, root: string, repo: string): WorkingCopy {
  const git = async (args: string[]) => (await runGit(args, { cwd: dir, env: { ...env, ...AUTHOR }, repo })).stdout.trim();
  return {
    dir,
    env,
    git,
    async commitAndPush(o) {
      await git(['checkout', '-q', '-B', o.branch]);
      for (const [path, text] of Object.entries(o.files)) {
        await mkdir(dirname(join(dir, path)), { recursive: true });
        await writeFile(join(dir, path), text);
      }
      await git(['add', '-A']);
      await git(['commit', '-q', '-m', o.message ?? `Change ${Object.keys(o.files).join(', ')}`]);
      await git(['push', '-q', '-f', ...(o.pushOptions ?? []).flatMap((x) => ['-o', x]), o.remote ?? 'origin', `HEAD:refs/heads/${o.branch}`]);
      return git(['rev-parse', 'HEAD']);
    },
    async remove() {
      await rm(root, { recursive: true, force: true });
    },
  };
}

/**
 * Wraps a test body so that a failure carries the component's log tail (Gitea's, the node's): the
 * first thing to read when a real component misbehaves.
 */
export function withLogTail(logTail: () => string, fn: () => Promise<void>): () => Promise<void> {
  return async () => {
    try {
      await fn();
    } catch (err) {
      if (err instanceof Error) err.message += `\n--- log tail ---\n${logTail()}`;
      throw err;
    }
  };
}
