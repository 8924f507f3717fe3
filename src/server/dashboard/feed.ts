import type { FastifyInstance } from 'fastify';
import { VIEW_ALL } from './access.js';
import type { ChangeMessage } from './types.js';

type Kind = ChangeMessage['kinds'][number];

/**
 * Collects informer events into change messages, debounced (`debounceMs`, default 200 ms): a burst of
 * 1,000 status writes reaches each browser as one message, and a lone change within the debounce.
 */
export class ChangeFeed {
  private rev = 0;
  private readonly pending = new Set<Kind>();
  private timer: NodeJS.Timeout | undefined;
  private readonly subscribers = new Set<(m: ChangeMessage) => void>();

  constructor(private readonly debounceMs = 200) {}

  get revision(): number {
    return this.rev;
  }

  notify(kind: Kind): void {
    this.pending.add(kind);
    this.timer ??= setTimeout(() => this.flush(), this.debounceMs);
  }

  /** Calls `fn` with every message until the returned function is called. */
  subscribe(fn: (m: ChangeMessage) => void): () => void {
    this.subscribers.add(fn);
    return () => this.subscribers.delete(fn);
  }

  stop(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
  }

  private flush(): void {
    this.timer = undefined;
    const m: ChangeMessage = { rev: ++this.rev, kinds: [...this.pending].sort() };
    this.pending.clear();
    for (const fn of this.subscribers) fn(m);
  }
}

/**
 * `GET /api/v1/dashboard/stream`: server-sent events, `change` with {rev, kinds} after each debounced
 * burst, a comment every 15 s to keep proxies from closing it. The stream ends after `maxAgeMs`
 * (default 5 min) so that the browser reconnects and its credentials are checked again.
 */
export function registerStream(app: FastifyInstance, feed: ChangeFeed, opts: { maxAgeMs?: number } = {}): void {
  const open = new Set<() => void>();
  app.addHook('preClose', async () => {
    for (const end of open) end();
  });
  app.get('/api/v1/dashboard/stream', {
    config: { weftAccess: () => VIEW_ALL },
    schema: {
      tags: ['dashboard'],
      summary: 'Live changes (text/event-stream): `change` events with {rev, kinds} after nodes, clusters, workloads, pods or events change',
      operationId: 'dashboardStream',
      produces: ['text/event-stream'],
      response: { 200: { type: 'string', description: 'Server-sent events.' }, 401: { $ref: 'Error#' }, 403: { $ref: 'RbacDenial#' } },
    },
    handler: (req, reply) => {
      reply.hijack();
      const res = reply.raw;
      res.writeHead(200, { 'content-type': 'text/event-stream; charset=utf-8', 'cache-control': 'no-cache, no-transform', connection: 'keep-alive', 'x-accel-buffering': 'no' });
      res.write(`retry: 1000\nevent: hello\ndata: ${JSON.stringify({ rev: feed.revision })}\n\n`);
      const unsubscribe = feed.subscribe((m) => res.write(`event: change\ndata: ${JSON.stringify(m)}\n\n`));
      const ping = setInterval(() => res.write(': ping\n\n'), 15_000);
      const maxAge = setTimeout(() => end(), opts.maxAgeMs ?? 300_000);
      const end = () => {
        unsubscribe();
        clearInterval(ping);
        clearTimeout(maxAge);
        open.delete(end);
        if (!res.writableEnded) res.end();
      };
      open.add(end);
      req.raw.on('close', end);
    },
  });
}
