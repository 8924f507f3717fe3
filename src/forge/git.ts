import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { execa } from 'execa';
import { ForgeAuthError, ForgeError, ForgeNotFoundError, ForgeUnreachableError } from './errors.js';

/** Options of {@link runGit}. */
export interface GitOptions {
  /** Working directory (a clone), if any. */
  cwd?: string;
  /** Extra environment, e.g. a {@link CloneSpec}'s credentials. Secret: never logged. */
  env?: Record<string, string>;
  /** Kill git after this long (default 120 s). */
  timeoutMs?: number;
  /** For messages: the repository and URL involved (never containing a credential). */
  repo?: string;
  url?: string;
}

/**
 * The environment that makes git send `Authorization: <value>` to one URL prefix without writing
 * it anywhere: git reads `GIT_CONFIG_COUNT/KEY_n/VALUE_n` as command-line config, so neither
 * `.git/config`, the remote URL nor the process arguments carry the token.
 */
export function gitAuthEnv(urlPrefix: string, authorization: string): Record<string, string> {
  return {
    GIT_CONFIG_COUNT: '1',
    GIT_CONFIG_KEY_0: `http.${urlPrefix}.extraHeader`,
    GIT_CONFIG_VALUE_0: `Authorization: ${authorization}`,
  };
}

/** Basic auth header value for git over HTTP (Gitea and GitHub accept a token as the password). */
export function basicAuth(user: string, token: string): string {
  return `Basic ${Buffer.from(`${user}:${token}`).toString('base64')}`;
}

/** Result of a git call. */
export interface GitResult {
  stdout: string;
  stderr: string;
}

/**
 * Runs git without a terminal prompt, with a throwaway HOME (no user config, no credential store),
 * no credential helper, and a timeout; failures become typed forge errors. Credentials come only
 * through `opts.env` ({@link gitAuthEnv}).
 */
export async function runGit(args: string[], opts: GitOptions = {}): Promise<GitResult> {
  const home = await mkdtemp(join(tmpdir(), 'weft-git-home-'));
  try {
    await writeFile(join(home, '.gitconfig'), '[user]\n\tname = weft\n\temail = weft@example.invalid\n[init]\n\tdefaultBranch = main\n');
    const res = await execa('git', ['-c', 'credential.helper=', '-c', 'core.askPass=', ...args], {
      cwd: opts.cwd,
      env: {
        ...opts.env,
        HOME: home,
        XDG_CONFIG_HOME: home,
        GIT_CONFIG_NOSYSTEM: '1',
        GIT_TERMINAL_PROMPT: '0',
        GIT_ASKPASS: 'true',
        SSH_ASKPASS: 'true',
      },
      timeout: opts.timeoutMs ?? 120_000,
      reject: false,
      stdin: 'ignore',
    });
    if (res.exitCode === 0 && !res.timedOut) return { stdout: res.stdout, stderr: res.stderr };
    throw gitError(args, opts, { stderr: res.stderr, timedOut: res.timedOut ?? false, exitCode: res.exitCode });
  } finally {
    await rm(home, { recursive: true, force: true });
  }
}

function gitError(args: string[], opts: GitOptions, r: { stderr: string; timedOut: boolean; exitCode: number | undefined }): ForgeError {
  const what = `git ${args[0] ?? ''}`;
  const repo = opts.repo ?? opts.url ?? 'repository';
  const tail = redactUrls(r.stderr.trim().split('\n').slice(-3).join(' | '));
  if (r.timedOut) return new ForgeUnreachableError(opts.url ?? repo, `${repo}: ${what} timed out after ${opts.timeoutMs ?? 120_000} ms; check that the forge at ${opts.url ?? 'its URL'} answers`);
  if (/Authentication failed|401|403|could not read Username|terminal prompts disabled/i.test(r.stderr)) {
    return new ForgeAuthError(`${repo}: ${what} was refused (${tail}); check the token in the Secret and its write access`);
  }
  if (/Could not resolve host|Connection refused|Failed to connect|couldn't connect|Connection reset/i.test(r.stderr)) {
    return new ForgeUnreachableError(opts.url ?? repo, `${repo}: ${what}: forge unreachable at ${opts.url ?? 'its URL'} (${tail}); check that it runs`);
  }
  if (/not found|does not exist|couldn't find remote ref|unknown revision|not a valid/i.test(r.stderr)) {
    return new ForgeNotFoundError(`${repo}: ${what}: ${tail}; check the repository URL and the branch name`);
  }
  return new ForgeError('failed', `${repo}: ${what} failed with exit code ${r.exitCode ?? '?'}: ${tail}`);
}

/** Strips any userinfo from URLs in a message, in case one slipped into git's output. */
export function redactUrls(text: string): string {
  return text.replace(/(https?:\/\/)[^/@\s]+@/g, '$1[redacted]@');
}
