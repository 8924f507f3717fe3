/**
 * The forge behind an AgentTask's repository URL, with the operator's credentials: the operator
 * (never the agent pod) opens changes, reads their state and posts comments through it.
 */
import type { AgentTask } from '../api/agenttask/types.js';
import { ForgeAuthError, GiteaForge, GitHubForge, RadicleForge, tokenFromSecret, type ForgeProvider, type RadicleForgeOptions, type SecretLike } from '../forge/index.js';

/** Where a repository URL points: the forge kind, its base URL and the repository (`owner/name`). */
export interface RepoLocation {
  kind: 'gitea' | 'github';
  baseUrl: string;
  repo: string;
}

/**
 * The forge of an http(s) clone URL: github.com is GitHub, any other host a Gitea (or a Gitea
 * API-compatible forge such as Forgejo). undefined for file://, ssh and rad: URLs, where the
 * operator has no API to open a change with.
 * @example repoLocation('http://127.0.0.1:3000/acme/app.git') // { kind: 'gitea', baseUrl: 'http://127.0.0.1:3000', repo: 'acme/app' }
 */
export function repoLocation(url: string): RepoLocation | undefined {
  let u: URL;
  try {
    u = new URL(url);
  } catch {
    return undefined;
  }
  if (u.protocol !== 'https:' && u.protocol !== 'http:') return undefined;
  const parts = u.pathname.replace(/\.git\/?$/, '').split('/').filter(Boolean);
  if (parts.length < 2) return undefined;
  const repo = parts.slice(-2).join('/');
  const prefix = parts.slice(0, -2).join('/');
  const baseUrl = `${u.protocol}//${u.host}${prefix ? `/${prefix}` : ''}`;
  return { kind: u.hostname === 'github.com' ? 'github' : 'gitea', baseUrl, repo };
}

/** Reads a Secret of the task's namespace (the operator's RBAC; undefined when missing). */
export type TaskSecretReader = (namespace: string, name: string) => Promise<SecretLike | undefined>;

/**
 * The forge provider and repository of a task, or undefined when the URL has no forge API or the
 * task names no credentials (`spec.repo.credentialsSecretRef`). Throws a ForgeAuthError naming
 * the Secret and the fix when the Secret or its key is missing. A Radicle repository id (`rad:z…`)
 * is worked on as the operator's Radicle identity (`radicle`: `--radicle-home`; no Secret).
 */
export async function forgeForTask(task: AgentTask, readSecret: TaskSecretReader, radicle?: RadicleForgeOptions): Promise<{ forge: ForgeProvider; repo: string } | undefined> {
  const url = task.spec.repo.url.trim();
  if (url.startsWith('rad:')) {
    if (!radicle) throw new ForgeAuthError(`spec.repo.url ${url} is a Radicle repository but the operator has no Radicle identity; start it with --radicle-home`);
    return { forge: RadicleForge.of(radicle), repo: url };
  }
  const loc = repoLocation(task.spec.repo.url);
  const ref = task.spec.repo.credentialsSecretRef;
  if (!loc || !ref) return undefined;
  const ns = task.metadata.namespace!;
  const secret = (await readSecret(ns, ref.name)) ?? { metadata: { name: ref.name, namespace: ns } };
  const token = tokenFromSecret({ ...secret, metadata: { name: ref.name, namespace: ns } }, ref.key ?? 'token');
  const forge = loc.kind === 'github' ? new GitHubForge({ token }) : new GiteaForge({ url: loc.baseUrl, token });
  return { forge, repo: loc.repo };
}
