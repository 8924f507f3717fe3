import { ForgeNotFoundError } from './errors.js';
import { basicAuth, gitAuthEnv } from './git.js';
import { GiteaForge, encodeRef, threadsOf, type ApiIssueComment, type ApiPull, type ApiReviewComment } from './gitea.js';
import type { CloneSpec, ForgeKind, ReviewThread } from './types.js';

/** Options of {@link GitHubForge}. */
export interface GitHubForgeOptions {
  /** A token (fine-grained or classic, from a Secret's `token` key). Never logged. */
  token: string;
  /** REST base (default `https://api.github.com`; GitHub Enterprise: `https://HOST/api/v3`). */
  apiUrl?: string;
  /** Web and git base (default `https://github.com`). */
  webUrl?: string;
  timeoutMs?: number;
}

/**
 * A {@link ForgeProvider} over GitHub's REST API. Pull requests, statuses, issue comments and review
 * comment replies have the same shapes as Gitea's, so it reuses {@link GiteaForge} and differs only
 * where GitHub does: the Bearer header, `owner:branch` heads, branch creation through git refs,
 * threads linked by `in_reply_to_id`. "Resolved" is only in GitHub's GraphQL API: REST threads read
 * as unresolved. Tested against the recorded fake in `test/fakes/github/`.
 */
export class GitHubForge extends GiteaForge {
  override readonly kind: ForgeKind = 'github';
  private readonly webUrl: string;

  constructor(opts: GitHubForgeOptions) {
    const apiUrl = (opts.apiUrl ?? 'https://api.github.com').replace(/\/$/, '');
    const webUrl = (opts.webUrl ?? 'https://github.com').replace(/\/$/, '');
    super(
      { url: webUrl, token: opts.token, timeoutMs: opts.timeoutMs },
      {
        baseUrl: apiUrl,
        authorization: `Bearer ${opts.token}`,
        headers: { accept: 'application/vnd.github+json', 'x-github-api-version': '2022-11-28', 'user-agent': 'weft' },
        label: `github ${apiUrl}`,
      },
    );
    this.webUrl = webUrl;
  }

  override async cloneSpec(repo: string): Promise<CloneSpec> {
    const spec = await super.cloneSpec(repo);
    return { url: `${this.webUrl}/${repo}.git`, env: { ...spec.env, ...gitAuthEnv(`${this.webUrl}/`, basicAuth('x-access-token', this.opts.token)) } };
  }

  override async ensureBranch(repo: string, opts: { branch: string; from?: string }): Promise<{ sha: string; created: boolean }> {
    try {
      const b = await this.call<{ commit: { sha: string } }>(repo, `read branch "${opts.branch}"`, { method: 'GET', path: `/repos/${repo}/branches/${encodeRef(opts.branch)}` });
      return { sha: b.commit.sha, created: false };
    } catch (err) {
      if (!(err instanceof ForgeNotFoundError)) throw err;
    }
    const from = opts.from ?? (await this.defaultBranch(repo));
    const ref = await this.call<{ object: { sha: string } }>(repo, `read branch "${from}"`, { method: 'GET', path: `/repos/${repo}/git/ref/heads/${encodeRef(from)}` });
    await this.call(repo, `create branch "${opts.branch}" from "${from}"`, { method: 'POST', path: `/repos/${repo}/git/refs`, body: { ref: `refs/heads/${opts.branch}`, sha: ref.object.sha } });
    return { sha: ref.object.sha, created: true };
  }

  protected override async findOpenPull(repo: string, branch: string, base: string): Promise<ApiPull | undefined> {
    const owner = repo.split('/')[0]!;
    const list = await this.call<ApiPull[]>(repo, `find the pull request of branch "${branch}"`, {
      method: 'GET',
      path: `/repos/${repo}/pulls`,
      query: { head: `${owner}:${branch}`, base, state: 'open', per_page: 10 },
    });
    return list.find((p) => p.head.ref === branch);
  }

  protected override headRef(repo: string, branch: string): string {
    return `${repo.split('/')[0]!}:${branch}`;
  }

  override async listReviewComments(repo: string, id: string, opts: { since?: Date } = {}): Promise<ReviewThread[]> {
    const n = encodeURIComponent(id);
    const since = opts.since?.toISOString();
    const [line, conversation] = await Promise.all([
      this.call<ApiReviewComment[]>(repo, `read the review comments of #${id}`, { method: 'GET', path: `/repos/${repo}/pulls/${n}/comments`, query: { per_page: 100 } }),
      this.call<ApiIssueComment[]>(repo, `read the comments of #${id}`, { method: 'GET', path: `/repos/${repo}/issues/${n}/comments`, query: { since, per_page: 100 } }),
    ]);
    return threadsOf(line, conversation, opts.since);
  }
}
