import { lstat, mkdtemp, realpath, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { execa } from 'execa';
import { McpConfigError, ToolError } from '../errors.js';
import { ScopeError, isInside, normaliseWorkspacePath } from './scope.js';

/** Who commits: `--author "Name <email>"`, else Weft's agent identity. */
export interface GitIdentity {
  readonly name: string;
  readonly email: string;
}

/** A git command that failed in the workspace; the message carries git's last lines. */
export class WorkspaceGitError extends ToolError {
  override readonly name = 'WorkspaceGitError';
}

/** One file of `git status --porcelain`. */
export interface FileStatus {
  path: string;
  /** the two status letters of `git status --porcelain=v1` (`M `, ` M`, `??`, `D `…) */
  status: string;
}

/**
 * The agent's clone, driven by git with a minimal environment: no inherited variables (so no token
 * of this server reaches a hook), a throwaway HOME, no system config, no prompts, literal pathspecs
 * (a path is a path, never a glob or `:(magic)`).
 */
export class Workspace {
  private constructor(
    readonly root: string,
    private readonly home: string,
    private readonly identity: GitIdentity,
  ) {}

  /**
   * Opens the clone at `dir` (its top level).
   * @throws McpConfigError when `dir` is not a folder or not the top of a git work tree
   */
  static async open(dir: string, identity: GitIdentity): Promise<Workspace> {
    const st = await lstat(dir).catch(() => undefined);
    if (!st?.isDirectory()) throw new McpConfigError(`--workspace ${JSON.stringify(dir)}: not a folder; pass the agent's clone of the repository`);
    const root = await realpath(dir);
    const home = await mkdtemp(join(tmpdir(), 'weft-mcp-git-home-'));
    await writeFile(join(home, '.gitconfig'), '[init]\n\tdefaultBranch = main\n[advice]\n\tdetachedHead = false\n');
    const ws = new Workspace(root, home, identity);
    const top = await ws.git(['rev-parse', '--show-toplevel']).catch(() => '');
    if (!top || (await realpath(top)) !== root) {
      await ws.close();
      throw new McpConfigError(`--workspace ${JSON.stringify(dir)}: not the top folder of a git clone${top ? ` (the clone's top is ${top})` : ''}; clone the repository there first`);
    }
    return ws;
  }

  /** Removes the throwaway HOME. */
  async close(): Promise<void> {
    await rm(this.home, { recursive: true, force: true });
  }

  /** The environment of every git call: nothing inherited but PATH. */
  env(extra: Record<string, string> = {}): Record<string, string> {
    return {
      PATH: process.env.PATH ?? '/usr/local/bin:/usr/bin:/bin',
      HOME: this.home,
      XDG_CONFIG_HOME: this.home,
      LANG: 'C',
      GIT_CONFIG_NOSYSTEM: '1',
      GIT_TERMINAL_PROMPT: '0',
      GIT_LITERAL_PATHSPECS: '1',
      GIT_AUTHOR_NAME: this.identity.name,
      GIT_AUTHOR_EMAIL: this.identity.email,
      GIT_COMMITTER_NAME: this.identity.name,
      GIT_COMMITTER_EMAIL: this.identity.email,
      ...extra,
    };
  }

  /**
   * Runs git in the workspace (or `cwd`) and returns stdout (untrimmed) and stderr.
   * @throws WorkspaceGitError with git's last lines, naming `argument`
   */
  async run(args: string[], opts: { cwd?: string; env?: Record<string, string>; argument?: string } = {}): Promise<{ stdout: string; stderr: string }> {
    const res = await execa('git', ['-c', 'credential.helper=', ...args], { cwd: opts.cwd ?? this.root, env: this.env(opts.env), extendEnv: false, reject: false, timeout: 120_000, stdin: 'ignore' });
    if (res.exitCode === 0 && !res.timedOut) return { stdout: res.stdout, stderr: res.stderr.trim() };
    const tail = (res.stderr || res.stdout || (res.timedOut ? 'timed out after 120 s' : `exit ${res.exitCode}`)).trim().split('\n').slice(-3).join(' | ');
    const sub = args.find((a, i) => !a.startsWith('-') && args[i - 1] !== '-c') ?? '';
    throw new WorkspaceGitError(opts.argument, `git ${sub} failed: ${tail}`);
  }

  /** {@link run}, stdout only. */
  async git(args: string[], opts: { cwd?: string; env?: Record<string, string>; argument?: string } = {}): Promise<string> {
    return (await this.run(args, opts)).stdout.trim();
  }

  /** The checked-out branch, or undefined on a detached HEAD. */
  async currentBranch(): Promise<string | undefined> {
    const b = await this.git(['symbolic-ref', '--quiet', '--short', 'HEAD']).catch(() => '');
    return b || undefined;
  }

  /** The commit a ref names, or undefined. */
  async resolve(ref: string): Promise<string | undefined> {
    const sha = await this.git(['rev-parse', '--verify', '--quiet', '--end-of-options', `${ref}^{commit}`]).catch(() => '');
    return sha || undefined;
  }

  /** `git status --porcelain`, one entry per changed or untracked file. */
  async status(): Promise<FileStatus[]> {
    const { stdout: out } = await this.run(['status', '--porcelain=v1', '-z', '--untracked-files=all']);
    const entries = out.split('\0').filter(Boolean);
    const files: FileStatus[] = [];
    for (let i = 0; i < entries.length; i++) {
      const e = entries[i]!;
      files.push({ status: e.slice(0, 2), path: e.slice(3) });
      // A rename's entry is followed by its old path.
      if (e[0] === 'R' || e[0] === 'C') i++;
    }
    return files;
  }

  /**
   * Checks the paths of a commit: each relative, inside the workspace after symlinks, not in .git.
   * @throws ScopeError naming `paths[i]`
   */
  async checkPaths(paths: readonly string[]): Promise<string[]> {
    const out: string[] = [];
    for (const [i, p] of paths.entries()) {
      const arg = `paths[${i}]`;
      const rel = normaliseWorkspacePath(p, arg);
      await this.checkRealLocation(rel, arg);
      out.push(rel);
    }
    return [...new Set(out)];
  }

  /** Refuses a path whose existing folders lead, through a symlink, out of the workspace. */
  private async checkRealLocation(rel: string, argument: string): Promise<void> {
    const parts = rel.split('/');
    // The folders only: a committed symlink file is content, git never follows it.
    for (let n = parts.length - 1; n >= 1; n--) {
      const real = await realpath(resolve(this.root, ...parts.slice(0, n))).catch(() => undefined);
      if (real === undefined) continue;
      if (!isInside(this.root, real)) throw new ScopeError(argument, `${JSON.stringify(rel)} goes through a symlink to ${real}, outside the workspace`);
      return;
    }
  }

  /** The git directory shared by all worktrees (where objects live). */
  async objectsDir(): Promise<string> {
    return resolve(this.root, await this.git(['rev-parse', '--git-path', 'objects']));
  }
}
