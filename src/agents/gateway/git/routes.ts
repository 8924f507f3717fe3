import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Transform, type Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { createGunzip } from 'node:zlib';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { Registry } from 'prom-client';
import { authenticateAgent, type AuthChallenge } from '../authenticate.js';
import { GatewayError } from '../errors.js';
import type { TaskKey } from '../identity.js';
import { GATEWAY_REDACT_PATHS } from '../redact.js';
import { gitToken } from './auth.js';
import { GitGatewayMetrics } from './metrics.js';
import { MirrorStore } from './mirror.js';
import { errText, type GitCtx, type GitGatewayDeps, type GitTarget } from './context.js';
import { FLUSH, pktLine } from './pktline.js';
import { handleReceivePack } from './push.js';
import { runService, startService, type GitService } from './service.js';

/** The registered git gateway. */
export interface GitGateway {
  readonly metrics: GitGatewayMetrics;
  /** The per-task mirrors; `mirrors.remove(task, uid)` drops a deleted task's mirror. */
  readonly mirrors: MirrorStore;
}

/** The smart-HTTP routes; `:repo` is `<task>.git` (or `<task>`). */
export const GIT_ROUTES = {
  infoRefs: '/git/:namespace/:repo/info/refs',
  uploadPack: '/git/:namespace/:repo/git-upload-pack',
  receivePack: '/git/:namespace/:repo/git-receive-pack',
} as const;

/** The git routes' challenge: git clients answer a Basic challenge (password = the token). */
export const GIT_CHALLENGE: AuthChallenge = {
  routes: 'git',
  wwwAuthenticate: 'Basic realm="weft"',
  howToSend: 'as the password of HTTP Basic auth (any user name) or as "Authorization: Bearer <token>" (git -c http.extraHeader=...)',
};

type Params = { namespace: string; repo: string };
type Req = FastifyRequest<{ Params: Params; Querystring: { service?: string } }>;

const NAME = /^[a-z0-9]([-a-z0-9.]*[a-z0-9])?$/;

/**
 * Registers the git gateway on the operator's fastify app: git smart HTTP for each AgentTask at
 * `/git/<namespace>/<task>.git` (`info/refs`, `git-upload-pack`, `git-receive-pack`), served by
 * `git upload-pack`/`receive-pack --stateless-rpc` over a per-task bare mirror of `spec.repo.url`.
 * Requests are authenticated like the LLM routes (the pod's projected token, bound to the task);
 * fetches are served from the mirror after it is fetched from the forge; pushes may change only
 * `refs/heads/weft/<task>` and are forwarded to the forge with the operator's credentials (with a
 * lease) before the agent is told they succeeded. See docs/agenttask.md#git.
 * @example const git = registerGitGateway(app, { verifier, loadTask, loadUpstream: upstreamFromSecret(kubeSecretReader(rest)), metrics: registry, log });
 */
export function registerGitGateway(app: FastifyInstance, deps: GitGatewayDeps): GitGateway {
  const log = deps.log?.child({ component: 'git-gateway' }, { redact: { paths: GATEWAY_REDACT_PATHS, censor: '[redacted]' } });
  const ctx: GitCtx = {
    deps,
    mirrors: new MirrorStore({ root: deps.mirrorDir ?? join(tmpdir(), 'weft-git-mirrors'), ...(deps.upstreamTimeoutMs ? { timeoutMs: deps.upstreamTimeoutMs } : {}) }),
    metrics: new GitGatewayMetrics(deps.metrics ?? new Registry()),
    log,
  };
  for (const service of ['upload-pack', 'receive-pack'] as const) {
    app.addContentTypeParser(`application/x-git-${service}-request`, (_req, payload, done) => done(null, payload));
  }
  const schema = { tags: ['git'], hide: true };
  app.get(GIT_ROUTES.infoRefs, { schema }, (req, reply) => infoRefs(ctx, req as Req, reply));
  app.post(GIT_ROUTES.uploadPack, { schema }, (req, reply) => uploadPack(ctx, req as Req, reply));
  app.post(GIT_ROUTES.receivePack, { schema }, (req, reply) => receivePack(ctx, req as Req, reply));
  return { metrics: ctx.metrics, mirrors: ctx.mirrors };
}

/** Authenticates the request for its task and finds the task's upstream and mirror. */
async function target(ctx: GitCtx, req: Req): Promise<GitTarget> {
  const name = req.params.repo.replace(/\.git$/, '');
  const task: TaskKey = { namespace: req.params.namespace, name };
  if (!NAME.test(task.namespace) || !NAME.test(name)) throw new GatewayError(404, 'TaskNotFound', `no git repository at ${req.url.split('?')[0]}: use /git/<namespace>/<task>.git`);
  await authenticateAgent(ctx.deps.verifier, { token: gitToken(req.headers), task, challenge: GIT_CHALLENGE });
  const obj = await ctx.deps.loadTask(task);
  if (!obj) throw new GatewayError(404, 'TaskNotFound', `AgentTask ${task.namespace}/${task.name} does not exist`);
  const upstream = await ctx.deps.loadUpstream(obj);
  return { task, obj, upstream, dir: ctx.mirrors.pathOf(task, obj.metadata.uid) };
}

/** Fetches the mirror from the forge (creating it on first use), timed and with a clear error. */
export async function syncMirror(ctx: GitCtx, t: GitTarget): Promise<void> {
  const start = performance.now();
  try {
    await ctx.mirrors.withLock(t.dir, () => ctx.mirrors.sync(t.dir, t.upstream));
    ctx.metrics.upstream.observe({ operation: 'fetch', outcome: 'ok' }, (performance.now() - start) / 1000);
  } catch (err) {
    ctx.metrics.upstream.observe({ operation: 'fetch', outcome: 'error' }, (performance.now() - start) / 1000);
    throw new GatewayError(502, 'UpstreamUnreachable', `could not fetch ${t.upstream.url} (spec.repo.url of AgentTask ${t.task.namespace}/${t.task.name}) into the gateway's mirror: ${errText(err, t.upstream)}`, { cause: err });
  }
}

async function infoRefs(ctx: GitCtx, req: Req, reply: FastifyReply): Promise<FastifyReply> {
  const svc = req.query.service;
  const service: GitService | undefined = svc === 'git-upload-pack' ? 'upload-pack' : svc === 'git-receive-pack' ? 'receive-pack' : undefined;
  try {
    if (!service) throw new GatewayError(400, 'BadRequest', 'the weft git gateway speaks smart HTTP only: use git 1.6.6 or later (info/refs?service=git-upload-pack or git-receive-pack)');
    const t = await target(ctx, req);
    await syncMirror(ctx, t);
    const protocol = header(req, 'git-protocol');
    const refs = await runService({ service, dir: t.dir, home: ctx.mirrors.home, protocol, advertise: true }, Buffer.alloc(0));
    const v2 = service === 'upload-pack' && /(^|:)version=2(:|$)/.test(protocol ?? '');
    const body = v2 ? refs : Buffer.concat([pktLine(`# service=git-${service}\n`), FLUSH, refs]);
    ctx.metrics.bytes.inc({ service, direction: 'out' }, body.length);
    return reply.code(200).headers(noCache(`application/x-git-${service}-advertisement`)).send(body);
  } catch (err) {
    return sendGitError(ctx, { service: service ?? 'upload-pack', req, reply }, err);
  }
}

async function uploadPack(ctx: GitCtx, req: Req, reply: FastifyReply): Promise<FastifyReply> {
  try {
    const t = await target(ctx, req);
    if (!(await ctx.mirrors.exists(t.dir))) await syncMirror(ctx, t);
    const p = startService({ service: 'upload-pack', dir: t.dir, home: ctx.mirrors.home, protocol: header(req, 'git-protocol') });
    reply.raw.once('close', () => {
      if (!reply.raw.writableFinished) p.kill();
    });
    const input = requestBody(req, (n) => ctx.metrics.bytes.inc({ service: 'upload-pack', direction: 'in' }, n));
    pipeline(input, p.stdin).catch((err: unknown) => {
      ctx.log?.warn({ namespace: t.task.namespace, task: t.task.name, err: String(err) }, 'git upload-pack: reading the request failed');
      p.kill();
    });
    p.done.then(
      () => ctx.metrics.requests.inc({ service: 'upload-pack', outcome: 'ok' }),
      (err: unknown) => {
        ctx.metrics.requests.inc({ service: 'upload-pack', outcome: 'error' });
        ctx.log?.warn({ namespace: t.task.namespace, task: t.task.name, err: String(err) }, 'git upload-pack failed');
      },
    );
    const counted = p.stdout.pipe(counter((n) => ctx.metrics.bytes.inc({ service: 'upload-pack', direction: 'out' }, n)));
    return reply.code(200).headers(noCache('application/x-git-upload-pack-result')).send(counted);
  } catch (err) {
    return sendGitError(ctx, { service: 'upload-pack', req, reply }, err);
  }
}

async function receivePack(ctx: GitCtx, req: Req, reply: FastifyReply): Promise<FastifyReply> {
  try {
    const t = await target(ctx, req);
    const body = await readAll(requestBody(req, (n) => ctx.metrics.bytes.inc({ service: 'receive-pack', direction: 'in' }, n)), ctx.deps.maxPushBytes ?? 512 * 1024 * 1024);
    const out = await handleReceivePack(ctx, t, body);
    ctx.metrics.requests.inc({ service: 'receive-pack', outcome: out.outcome });
    ctx.metrics.bytes.inc({ service: 'receive-pack', direction: 'out' }, out.reply.length);
    ctx.log?.info({ namespace: t.task.namespace, task: t.task.name, outcome: out.outcome, ...(out.detail ? { detail: out.detail } : {}) }, 'git push');
    return reply.code(200).headers(noCache('application/x-git-receive-pack-result')).send(out.reply);
  } catch (err) {
    return sendGitError(ctx, { service: 'receive-pack', req, reply }, err);
  }
}

function header(req: Req, name: string): string | undefined {
  const v = req.headers[name];
  return Array.isArray(v) ? v[0] : v;
}

function noCache(contentType: string): Record<string, string> {
  return { 'content-type': contentType, 'cache-control': 'no-cache, max-age=0, must-revalidate', expires: 'Fri, 01 Jan 1980 00:00:00 GMT', pragma: 'no-cache' };
}

/** The request body as sent (gunzipped when the client compressed it), counting raw bytes. */
function requestBody(req: Req, count: (n: number) => void): Readable {
  const raw = (req.body as Readable | undefined) ?? req.raw;
  const counted = raw.pipe(counter(count));
  return /gzip/i.test(header(req, 'content-encoding') ?? '') ? counted.pipe(createGunzip()) : counted;
}

function counter(count: (n: number) => void): Transform {
  return new Transform({
    transform(chunk: Buffer, _enc, cb) {
      count(chunk.length);
      cb(null, chunk);
    },
  });
}

async function readAll(stream: Readable, limit: number): Promise<Buffer> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const c of stream) {
    size += (c as Buffer).length;
    if (size > limit) throw new GatewayError(413, 'BadRequest', `the push is larger than ${limit} bytes (the gateway's maxPushBytes): push fewer or smaller objects`);
    chunks.push(c as Buffer);
  }
  return Buffer.concat(chunks);
}

const OUTCOME: Record<number, string> = { 401: 'unauthenticated', 403: 'forbidden', 404: 'not_found' };

/** Answers an error in plain text, which git prints as `remote: …`. */
function sendGitError(ctx: GitCtx, at: { service: GitService; req: Req; reply: FastifyReply }, thrown: unknown): FastifyReply {
  const gw = thrown instanceof GatewayError ? thrown : new GatewayError(500, 'BadRequest', `internal error: ${thrown instanceof Error ? thrown.message : String(thrown)}`, { cause: thrown });
  ctx.metrics.requests.inc({ service: at.service, outcome: OUTCOME[gw.status] ?? (gw.code === 'UpstreamUnreachable' ? 'upstream_failed' : 'error') });
  const level = gw.status >= 500 ? 'warn' : 'info';
  ctx.log?.[level]({ namespace: at.req.params.namespace, repo: at.req.params.repo, service: at.service, status: gw.status, code: gw.code, err: gw.message }, 'git request refused');
  return at.reply.code(gw.status).headers({ ...gw.headers, 'content-type': 'text/plain; charset=utf-8' }).send(`weft git gateway: ${gw.message}\n`);
}
