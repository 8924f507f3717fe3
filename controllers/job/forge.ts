/**
 * The commit status of a finished ci-runner Job, set by the operator (forge tokens are read by the
 * operator only, from a Secret in the Job's namespace). Gitea: the API is at the origin of the clone
 * URL and the repository is the `owner/name` of its path.
 */
import type { JobCommitStatus } from '../../src/api/job/types.js';
import { SECRETS } from '../../src/api/resources.js';
import { GiteaForge, tokenFromSecret, type SecretLike } from '../../src/forge/index.js';
import type { CommitStatusTarget } from '../../src/jobs/index.js';
import { errorMessage, type RestClient } from '../../src/runtime/index.js';

/** `http://host:3000/sub/owner/name.git` → `{ url: 'http://host:3000/sub', repo: 'owner/name' }`. */
export function forgeRepoOf(repoUrl: string): { url: string; repo: string } {
  const u = new URL(repoUrl);
  const parts = u.pathname.replace(/\.git\/?$/, '').split('/').filter(Boolean);
  if (parts.length < 2) throw new Error(`spec.params.repo: "${repoUrl}" has no owner/name path; the commit status needs one (e.g. http://gitea:3000/owner/name.git)`);
  const prefix = parts.slice(0, -2).join('/');
  return { url: `${u.protocol}//${u.host}${prefix ? `/${prefix}` : ''}`, repo: parts.slice(-2).join('/') };
}

export interface CommitStatusRequest {
  namespace: string;
  target: CommitStatusTarget;
  /** The commit, or a ref (branch, tag) resolved through the forge first. */
  sha: string | { ref: string };
  state: 'pending' | 'success' | 'failure';
  description: string;
}

/** Sets the commit status; the answer (Posted, or PostFailed with the forge's error) goes into status. */
export async function setCommitStatus(hub: RestClient, r: CommitStatusRequest): Promise<JobCommitStatus> {
  const base = { state: r.state, context: r.target.context } as const;
  try {
    const secret = await hub.get<SecretLike & { metadata: { name: string } }>(SECRETS, r.target.secretName, r.namespace);
    const { url, repo } = forgeRepoOf(r.target.repoUrl);
    const forge = new GiteaForge({ url, token: tokenFromSecret(secret), timeoutMs: 10_000 });
    try {
      const sha = typeof r.sha === 'string' ? r.sha : await forge.resolveRef(repo, r.sha.ref);
      await forge.setCommitStatus(repo, { sha, context: r.target.context, state: r.state, description: r.description, ...(r.target.targetUrl ? { targetUrl: r.target.targetUrl } : {}) });
      return { ...base, outcome: 'Posted', message: r.description.slice(0, 1024), sha };
    } finally {
      await forge.close();
    }
  } catch (err) {
    return { ...base, outcome: 'PostFailed', message: `secret ${r.namespace}/${r.target.secretName}: ${errorMessage(err)}`.slice(0, 1024) };
  }
}
