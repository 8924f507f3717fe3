import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { execa } from 'execa';
import { GiteaForge, GitHubForge, RadicleForge, type ForgeKind, type ForgeProvider } from '../../forge/index.js';
import { McpConfigError } from '../errors.js';
import { WorkspaceGitError, type Workspace } from './workspace.js';

/** `weft mcp git` options that choose and authenticate the forge. */
export interface ForgeFlags {
  forge?: string;
  forgeUrl?: string;
  forgeTokenFile?: string;
  radHome?: string;
  repo?: string;
}

/** The forge of one server instance: the provider, the one repository, and its secret (for redaction). */
export interface ForgeBinding {
  readonly forge: ForgeProvider;
  readonly kind: ForgeKind;
  readonly repo: string;
  /** the token or passphrase, to scrub from any text that leaves the server */
  readonly secret: string | undefined;
  close(): Promise<void>;
}

const KINDS: readonly ForgeKind[] = ['gitea', 'github', 'radicle'];
const OWNER_NAME = /^[A-Za-z0-9_.-]+\/[A-Za-z0-9_.-]+$/;
const RID = /^rad:z[1-9A-HJ-NP-Za-km-z]+$/;

/**
 * The forge credential: the first line of `--forge-token-file`, else `$WEFT_FORGE_TOKEN` (Radicle:
 * the key's passphrase, else `$RAD_PASSPHRASE`). Read once; the variable is then removed from this
 * process's environment so that no child process (a git hook) inherits it.
 */
async function readSecret(flags: ForgeFlags, kind: ForgeKind): Promise<string | undefined> {
  if (flags.forgeTokenFile) {
    const text = await readFile(flags.forgeTokenFile, 'utf8').catch((err: NodeJS.ErrnoException) => {
      throw new McpConfigError(`--forge-token-file ${JSON.stringify(flags.forgeTokenFile)}: cannot read it (${err.code ?? 'error'}); give a file holding the forge token`);
    });
    const token = text.split('\n')[0]?.trim();
    if (!token) throw new McpConfigError(`--forge-token-file ${JSON.stringify(flags.forgeTokenFile)}: the file is empty; write the forge token on its first line`);
    return token;
  }
  const names = kind === 'radicle' ? ['WEFT_FORGE_TOKEN', 'RAD_PASSPHRASE'] : ['WEFT_FORGE_TOKEN'];
  const name = names.find((n) => process.env[n]?.trim());
  const value = name ? process.env[name]!.trim() : undefined;
  for (const n of names) delete process.env[n];
  return value;
}

function forgeKind(flags: ForgeFlags): ForgeKind {
  const kind = (flags.forge ?? 'gitea') as ForgeKind;
  if (!KINDS.includes(kind)) throw new McpConfigError(`--forge ${JSON.stringify(flags.forge)}: unknown forge (allowed: ${KINDS.join(', ')})`);
  return kind;
}

function checkRepo(kind: ForgeKind, repo: string | undefined): string {
  if (!repo) throw new McpConfigError(`--repo is required: the one repository this server works on (${kind === 'radicle' ? 'a Radicle id, rad:z…' : 'owner/name'})`);
  const ok = kind === 'radicle' ? RID.test(repo) : OWNER_NAME.test(repo);
  if (!ok) throw new McpConfigError(`--repo ${JSON.stringify(repo)}: ${kind === 'radicle' ? 'expected a Radicle repository id, rad:z…' : 'expected owner/name, e.g. weft/demo'}`);
  return repo;
}

function httpUrl(flag: string | undefined, required: boolean): string | undefined {
  if (!flag) {
    if (required) throw new McpConfigError('--forge-url is required for --forge gitea: the forge\'s base URL, e.g. http://127.0.0.1:3000');
    return undefined;
  }
  let url: URL;
  try {
    url = new URL(flag);
  } catch {
    throw new McpConfigError(`--forge-url ${JSON.stringify(flag)}: not a URL; expected e.g. http://127.0.0.1:3000`);
  }
  if (!/^https?:$/.test(url.protocol) || url.username || url.password) {
    throw new McpConfigError(`--forge-url ${JSON.stringify(url.protocol + '//' + url.host)}: expected an http(s) URL without credentials; put the token in --forge-token-file or $WEFT_FORGE_TOKEN`);
  }
  return flag.replace(/\/$/, '');
}

/**
 * Builds the forge provider from the flags. Nothing is contacted here: a forge that is down fails
 * the tools that need it (push, open_change, …), not the server's start.
 *
 * @throws McpConfigError naming the flag at fault
 */
export async function bindForge(flags: ForgeFlags): Promise<ForgeBinding> {
  const kind = forgeKind(flags);
  const repo = checkRepo(kind, flags.repo);
  const secret = await readSecret(flags, kind);
  if (kind === 'radicle') {
    const radHome = flags.radHome ?? process.env.RAD_HOME;
    if (!radHome) throw new McpConfigError('--rad-home (or $RAD_HOME) is required for --forge radicle: the identity\'s RAD_HOME');
    return { forge: new RadicleForge({ radHome, passphrase: secret }), kind, repo, secret, close: async () => {} };
  }
  if (!secret) throw new McpConfigError(`--forge ${kind} needs a token: pass --forge-token-file <path> or set WEFT_FORGE_TOKEN`);
  const url = httpUrl(flags.forgeUrl, kind === 'gitea');
  const forge =
    kind === 'gitea'
      ? new GiteaForge({ url: url!, token: secret })
      : new GitHubForge({ token: secret, webUrl: url, apiUrl: url && !/^https:\/\/github\.com$/.test(url) ? `${url}/api/v3` : undefined });
  return { forge, kind, repo, secret, close: () => forge.close() };
}

/** What a push did to the forge's branch. */
export type PushResult = 'created' | 'updated' | 'up-to-date';

/**
 * Pushes `sha` to `branch` of the bound repository (never a force push). The push runs from a
 * throwaway bare repository that borrows the workspace's objects (alternates), so the credentials
 * never meet the workspace's own config (`http.proxy`, `url.insteadOf`) or hooks.
 */
export async function pushBranch(ws: Workspace, binding: ForgeBinding, o: { branch: string; sha: string }): Promise<{ url: string; result: PushResult }> {
  const spec = await binding.forge.cloneSpec(binding.repo);
  const tmp = await mkdtemp(join(tmpdir(), 'weft-mcp-push-'));
  try {
    await ws.git(['init', '-q', '--bare', tmp]);
    await writeFile(join(tmp, 'objects', 'info', 'alternates'), `${await ws.objectsDir()}\n`);
    const url = binding.kind === 'radicle' ? `${spec.url}/${await radicleNid(spec.env)}` : spec.url;
    const before = await ws.git(['ls-remote', url, `refs/heads/${o.branch}`], { cwd: tmp, env: spec.env, argument: 'branch' });
    const options = binding.kind === 'radicle' ? ['-o', 'no-sync'] : [];
    await ws.run(['-c', 'advice.pushUpdateRejected=false', 'push', '-q', ...options, url, `${o.sha}:refs/heads/${o.branch}`], { cwd: tmp, env: spec.env, argument: 'branch' }).catch((err: Error) => {
      if (!/\[rejected\]/.test(err.message)) throw err;
      throw new WorkspaceGitError('branch', `${err.message.replace(/^branch: /, '')}; the forge's "${o.branch}" has commits the workspace lacks: fetch it, rebase or merge, commit, and push again (pushes are never forced)`);
    });
    const had = before.split(/\s/)[0];
    return { url, result: !had ? 'created' : had === o.sha ? 'up-to-date' : 'updated' };
  } finally {
    await rm(tmp, { recursive: true, force: true });
  }
}

/** This Radicle identity's node id: git-remote-rad pushes into the namespace `rad://RID/NID`. */
async function radicleNid(env: Record<string, string>): Promise<string> {
  const res = await execa('rad', ['self', '--did'], { env: { ...env, NO_COLOR: '1' }, extendEnv: false, reject: false, timeout: 30_000, stdin: 'ignore' });
  if (res.exitCode !== 0) throw new McpConfigError(`rad self --did failed (${res.stderr.trim().split('\n').at(-1) ?? res.exitCode}); check --rad-home and the passphrase`);
  return res.stdout.trim().replace(/^did:key:/, '');
}

/** Replaces every occurrence of the secret (and its base64 forms in Basic headers) with [redacted]. */
export function redactSecret(text: string, secret: string | undefined): string {
  if (!secret || secret.length < 4) return text;
  const forms = [secret, Buffer.from(`x-access-token:${secret}`).toString('base64')];
  return forms.reduce((t, f) => t.split(f).join('[redacted]'), text);
}
