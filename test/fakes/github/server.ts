import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { fileURLToPath } from 'node:url';
import { dirname, join } from 'node:path';

const RECORDED = join(dirname(fileURLToPath(import.meta.url)), 'recorded');
const recorded = <T>(name: string): T => JSON.parse(readFileSync(join(RECORDED, `${name}.json`), 'utf8')) as T;
type Json = Record<string, unknown>;

interface Repo {
  owner: string;
  name: string;
  defaultBranch: string;
  branches: Map<string, string>;
  pulls: Json[];
  reviewComments: Map<number, Json[]>;
  issueComments: Map<number, Json[]>;
  reviews: Map<number, Json[]>;
  statuses: Map<string, Json[]>;
}

/**
 * A stateful fake of the GitHub REST endpoints Weft's GitHubForge calls, answering with the recorded
 * response bodies in `recorded/` (GitHub's documented examples) with the state filled in. Listens on
 * 127.0.0.1 only. See README.md for what it stands for and what it leaves out.
 */
export class FakeGitHub {
  private server: Server | undefined;
  private readonly repos = new Map<string, Repo>();
  private nextId = 100;
  /** Requests received, for assertions on request counts. */
  requests: Array<{ method: string; path: string }> = [];
  url = '';

  constructor(readonly token: string) {}

  /** Starts listening on a free loopback port. */
  async start(): Promise<this> {
    this.server = createServer((req, res) => void this.handle(req, res));
    await new Promise<void>((resolve) => this.server!.listen(0, '127.0.0.1', resolve));
    const addr = this.server.address();
    this.url = `http://127.0.0.1:${typeof addr === 'object' && addr ? addr.port : 0}`;
    return this;
  }

  async stop(): Promise<void> {
    await new Promise<void>((resolve) => (this.server ? this.server.close(() => resolve()) : resolve()));
  }

  /** Adds a repository with a `main` branch at a fixed commit. */
  addRepo(full: string): void {
    const [owner, name] = full.split('/') as [string, string];
    this.repos.set(full, { owner, name, defaultBranch: 'main', branches: new Map([['main', sha('main')]]), pulls: [], reviewComments: new Map(), issueComments: new Map(), reviews: new Map(), statuses: new Map() });
  }

  /** A push: moves `branch` to a new commit and returns it (the open pull request of the branch follows). */
  push(full: string, branch: string): string {
    const repo = this.repos.get(full)!;
    const commit = sha(`${branch}-${this.nextId++}`);
    repo.branches.set(branch, commit);
    for (const p of repo.pulls) if ((p.head as Json).ref === branch && p.state === 'open') (p.head as Json).sha = commit;
    return commit;
  }

  /** A reviewer's line comment (optionally a reply) on pull request `n`. */
  addReviewComment(full: string, n: number, c: { user: string; path: string; line: number; body: string; inReplyTo?: number }): number {
    const id = this.nextId++;
    const base = recorded<Json>('review-comment');
    const comment: Json = { ...base, id, user: { ...(base.user as Json), login: c.user }, path: c.path, line: c.line, original_line: c.line, body: c.body, created_at: new Date().toISOString() };
    if (c.inReplyTo !== undefined) comment.in_reply_to_id = c.inReplyTo;
    else delete comment.in_reply_to_id;
    const repo = this.repos.get(full)!;
    repo.reviewComments.set(n, [...(repo.reviewComments.get(n) ?? []), comment]);
    return id;
  }

  /** A review with a verdict (APPROVED, CHANGES_REQUESTED, COMMENTED). */
  addReview(full: string, n: number, user: string, state: string): void {
    const repo = this.repos.get(full)!;
    const base = recorded<Json>('review');
    repo.reviews.set(n, [...(repo.reviews.get(n) ?? []), { ...base, id: this.nextId++, user: { ...(base.user as Json), login: user }, state }]);
  }

  /** Merges or closes pull request `n` as if done in the web UI. */
  setPullState(full: string, n: number, state: 'merged' | 'closed'): void {
    const p = this.repos.get(full)!.pulls.find((x) => x.number === n)!;
    p.state = 'closed';
    p.merged = state === 'merged';
    p.merged_at = state === 'merged' ? new Date().toISOString() : null;
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', 'http://127.0.0.1');
    this.requests.push({ method: req.method ?? 'GET', path: url.pathname });
    const chunks: Buffer[] = [];
    for await (const c of req) chunks.push(c as Buffer);
    const body = chunks.length ? (JSON.parse(Buffer.concat(chunks).toString('utf8')) as Json) : {};
    const send = (status: number, json: unknown) => {
      res.writeHead(status, { 'content-type': 'application/json; charset=utf-8', 'x-github-api-version-selected': '2022-11-28' });
      res.end(JSON.stringify(json));
    };
    const errors = recorded<Record<string, Json>>('errors');
    if (req.headers.authorization !== `Bearer ${this.token}`) return send(401, errors['401']);
    const m = /^\/repos\/([^/]+\/[^/]+)(\/.*)?$/.exec(url.pathname);
    const repo = m ? this.repos.get(decodeURIComponent(m[1]!)) : undefined;
    if (!repo) return send(404, errors['404']);
    const r = route(this, repo, { method: req.method ?? 'GET', path: m![2] ?? '', query: url.searchParams, body });
    return send(r.status, r.json);
  }

  /** Allocates an id (for routes). */
  id(): number {
    return this.nextId++;
  }
}

function sha(seed: string): string {
  return createHash('sha1').update(seed).digest('hex');
}

type Req = { method: string; path: string; query: URLSearchParams; body: Json };
type Res = { status: number; json: unknown };

function pullJson(fake: FakeGitHub, repo: Repo, b: Json): Json {
  const base = recorded<Json>('pull');
  const n = fake.id();
  const ref = String(b.head).split(':').pop()!;
  return {
    ...base,
    number: n,
    id: n,
    html_url: `https://github.com/${repo.owner}/${repo.name}/pull/${n}`,
    title: b.title,
    body: b.body ?? null,
    head: { ...(base.head as Json), ref, label: `${repo.owner}:${ref}`, sha: repo.branches.get(ref) },
    base: { ...(base.base as Json), ref: b.base, label: `${repo.owner}:${String(b.base)}`, sha: repo.branches.get(String(b.base)) },
  };
}

type Handler = (fake: FakeGitHub, repo: Repo, q: Req, m: RegExpExecArray) => Res;
const errorsOf = () => recorded<Record<string, Json>>('errors');
const NOT_FOUND = (): Res => ({ status: 404, json: errorsOf()['404'] });

/** The routes under /repos/{owner}/{repo}: method, path pattern, handler. */
const ROUTES: Array<[string, RegExp, Handler]> = [
  ['GET', /^$/, (_f, repo) => ({ status: 200, json: { id: 1, name: repo.name, full_name: `${repo.owner}/${repo.name}`, default_branch: repo.defaultBranch, private: false } })],
  ['GET', /^\/branches\/(.+)$/, (_f, repo, _q, m) => {
    const s = repo.branches.get(decodeURIComponent(m[1]!));
    return s ? { status: 200, json: { name: m[1], commit: { sha: s, url: '' }, protected: false } } : { status: 404, json: { ...errorsOf()['404'], message: 'Branch not found' } };
  }],
  ['GET', /^\/git\/ref\/heads\/(.+)$/, (_f, repo, _q, m) => {
    const s = repo.branches.get(decodeURIComponent(m[1]!));
    return s ? { status: 200, json: { ref: `refs/heads/${m[1]}`, object: { sha: s, type: 'commit' } } } : NOT_FOUND();
  }],
  ['POST', /^\/git\/refs$/, (_f, repo, q) => {
    const name = String(q.body.ref).replace(/^refs\/heads\//, '');
    if (repo.branches.has(name)) return { status: 422, json: errorsOf()['422-ref-exists'] };
    repo.branches.set(name, String(q.body.sha));
    return { status: 201, json: { ref: q.body.ref, object: { sha: q.body.sha, type: 'commit' } } };
  }],
  ['GET', /^\/pulls$/, (_f, repo, q) => {
    const head = q.query.get('head')?.split(':').pop();
    const state = q.query.get('state') ?? 'open';
    return { status: 200, json: repo.pulls.filter((p) => (!head || (p.head as Json).ref === head) && (state === 'all' || p.state === state)) };
  }],
  ['POST', /^\/pulls$/, (fake, repo, q) => {
    const ref = String(q.body.head).split(':').pop()!;
    if (!repo.branches.has(ref)) return { status: 422, json: { message: 'Validation Failed', errors: [{ resource: 'PullRequest', field: 'head', code: 'invalid' }], status: '422' } };
    if (repo.pulls.some((p) => (p.head as Json).ref === ref && p.state === 'open')) return { status: 422, json: errorsOf()['422-pull-exists'] };
    const p = pullJson(fake, repo, q.body);
    repo.pulls.push(p);
    return { status: 201, json: p };
  }],
  ['GET', /^\/pulls\/(\d+)$/, (_f, repo, _q, m) => withPull(repo, m, (p) => ({ status: 200, json: p }))],
  ['PATCH', /^\/pulls\/(\d+)$/, (_f, repo, q, m) => withPull(repo, m, (p) => ({ status: 200, json: Object.assign(p, q.body) }))],
  ['GET', /^\/pulls\/(\d+)\/reviews$/, (_f, repo, _q, m) => withPull(repo, m, (p) => ({ status: 200, json: repo.reviews.get(Number(p.number)) ?? [] }))],
  ['GET', /^\/pulls\/(\d+)\/comments$/, (_f, repo, _q, m) => withPull(repo, m, (p) => ({ status: 200, json: repo.reviewComments.get(Number(p.number)) ?? [] }))],
  ['POST', /^\/pulls\/(\d+)\/comments\/(\d+)\/replies$/, replyRoute],
  ['GET', /^\/issues\/(\d+)\/comments$/, (_f, repo, _q, m) => ({ status: 200, json: repo.issueComments.get(Number(m[1])) ?? [] })],
  ['POST', /^\/issues\/(\d+)\/comments$/, (fake, repo, q, m) => {
    const n = Number(m[1]);
    const c = { ...recorded<Json>('issue-comment'), id: fake.id(), body: q.body.body, created_at: new Date().toISOString() };
    repo.issueComments.set(n, [...(repo.issueComments.get(n) ?? []), c]);
    return { status: 201, json: c };
  }],
  ['POST', /^\/statuses\/([0-9a-f]{40})$/, (fake, repo, q, m) => {
    const base = (recorded<Json>('combined-status').statuses as Json[])[0]!;
    const s = { ...base, id: fake.id(), state: q.body.state, context: q.body.context, description: q.body.description, target_url: q.body.target_url };
    repo.statuses.set(m[1]!, [s, ...(repo.statuses.get(m[1]!) ?? []).filter((x) => x.context !== q.body.context)]);
    return { status: 201, json: s };
  }],
  ['GET', /^\/commits\/([^/]+)\/status$/, (_f, repo, _q, m) => {
    const statuses = repo.statuses.get(m[1]!) ?? [];
    return { status: 200, json: { ...recorded<Json>('combined-status'), sha: m[1], statuses, total_count: statuses.length } };
  }],
];

function route(fake: FakeGitHub, repo: Repo, q: Req): Res {
  for (const [method, pattern, handler] of ROUTES) {
    const m = method === q.method ? pattern.exec(q.path) : null;
    if (m) return handler(fake, repo, q, m);
  }
  return NOT_FOUND();
}

function withPull(repo: Repo, m: RegExpExecArray, fn: (p: Json) => Res): Res {
  const p = repo.pulls.find((x) => x.number === Number(m[1]));
  return p ? fn(p) : NOT_FOUND();
}

function replyRoute(fake: FakeGitHub, repo: Repo, q: Req, m: RegExpExecArray): Res {
  const n = Number(m[1]);
  const parent = (repo.reviewComments.get(n) ?? []).find((c) => c.id === Number(m[2]));
  if (!parent) return NOT_FOUND();
  const id = fake.addReviewComment(`${repo.owner}/${repo.name}`, n, { user: 'weft-bot', path: String(parent.path), line: Number(parent.line), body: String(q.body.body), inReplyTo: Number(parent.id) });
  return { status: 201, json: repo.reviewComments.get(n)!.find((c) => c.id === id) };
}
