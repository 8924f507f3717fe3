/**
 * `weft agent attach NS/NAME`: a local forwarder to the operator's attach route
 * (`/attach/<ns>/<name>/`, src/server/attach/) that adds the kubeconfig user's bearer token to every
 * request and WebSocket upgrade, so a browser on this machine opens code-server at the printed URL
 * without holding any credential. It listens on 127.0.0.1 only.
 */
import { createServer, request as httpRequest, type IncomingMessage, type Server } from 'node:http';
import { request as httpsRequest } from 'node:https';
import { connect as netConnect } from 'node:net';
import { connect as tlsConnect } from 'node:tls';
import type { Duplex } from 'node:stream';
import type { RequestOptions } from 'node:https';
import { loadKubeConfig } from '../runtime/load-kubeconfig.js';
import type { CliIO } from './io.js';

export interface AttachOptions {
  /** The operator's HTTP address as this machine reaches it, e.g. http://127.0.0.1:8080. */
  operatorUrl: string;
  namespace: string;
  name: string;
  /** `Bearer <token>`. */
  authorization: string;
  /** Local port (0: any free one). */
  port?: number;
}

/** A running forwarder. */
export interface AttachForwarder {
  /** http://127.0.0.1:<port>/ */
  url: string;
  close(): Promise<void>;
}

/** Parses `NS/NAME`. */
export function parseTaskRef(ref: string): { namespace: string; name: string } {
  const m = /^([a-z0-9][a-z0-9-]*)\/([a-z0-9][a-z0-9.-]*)$/.exec(ref);
  if (!m) throw new Error(`"${ref}" is not NAMESPACE/NAME of an AgentTask, e.g. weft agent attach agents/fix-login`);
  return { namespace: m[1]!, name: m[2]! };
}

/** The kubeconfig user's bearer token (token, token file or exec plugin), as an Authorization header value. */
export async function kubeconfigAuthorization(kubeconfig: string | undefined): Promise<string> {
  const kc = loadKubeConfig(kubeconfig);
  const opts: RequestOptions = {};
  await kc.applyToHTTPSOptions(opts);
  const auth = (opts.headers as Record<string, string> | undefined)?.Authorization;
  if (!auth?.startsWith('Bearer ')) {
    throw new Error(`the kubeconfig user "${kc.getCurrentUser()?.name ?? '?'}" has no bearer token: the operator authenticates attach with a token (TokenReview); use a kubeconfig with a token, e.g. from 'kubectl create token <serviceaccount>'`);
  }
  return auth;
}

/** Starts the forwarder on 127.0.0.1. */
export async function startAttachForwarder(o: AttachOptions): Promise<AttachForwarder> {
  const base = new URL(o.operatorUrl);
  const tls = base.protocol === 'https:';
  const prefix = `${base.pathname.replace(/\/+$/, '')}/attach/${o.namespace}/${o.name}`;
  const headersFor = (req: IncomingMessage) => {
    const h: Record<string, string | string[]> = {};
    for (const [k, v] of Object.entries(req.headers)) if (v !== undefined && k !== 'host' && k !== 'authorization') h[k] = v;
    h.host = base.host;
    h.authorization = o.authorization;
    return h;
  };
  const server: Server = createServer((req, res) => {
    const send = tls ? httpsRequest : httpRequest;
    const up = send({ host: base.hostname, port: base.port || (tls ? 443 : 80), method: req.method, path: `${prefix}${req.url ?? '/'}`, headers: headersFor(req) }, (r) => {
      res.writeHead(r.statusCode ?? 502, r.headers);
      r.pipe(res);
    });
    up.on('error', (err) => {
      if (!res.headersSent) res.writeHead(502, { 'content-type': 'text/plain' }).end(`weft agent attach: cannot reach the operator at ${o.operatorUrl}: ${err.message}\n`);
      else res.destroy();
    });
    req.pipe(up);
  });
  server.on('upgrade', (req: IncomingMessage, socket: Duplex, head: Buffer) => {
    const port = Number(base.port || (tls ? 443 : 80));
    const up = tls ? tlsConnect({ host: base.hostname, port, servername: base.hostname }) : netConnect({ host: base.hostname, port });
    const lines = [`${req.method ?? 'GET'} ${prefix}${req.url ?? '/'} HTTP/1.1`];
    for (const [k, v] of Object.entries(headersFor(req))) for (const x of Array.isArray(v) ? v : [v]) lines.push(`${k}: ${x}`);
    up.once(tls ? 'secureConnect' : 'connect', () => {
      up.write(`${lines.join('\r\n')}\r\n\r\n`);
      if (head.length) up.write(head);
      up.pipe(socket);
      socket.pipe(up);
    });
    const close = () => {
      up.destroy();
      socket.destroy();
    };
    up.on('error', close);
    socket.on('error', close);
    up.on('close', close);
    socket.on('close', close);
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(o.port ?? 0, '127.0.0.1', () => resolve());
  });
  const addr = server.address() as { port: number };
  return {
    url: `http://127.0.0.1:${addr.port}/`,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

/** Asks the route once (code-server's /healthz through it): the operator's 401/403/409 message, or undefined when it answers. */
export async function preflight(f: AttachForwarder): Promise<string | undefined> {
  const r = await fetch(new URL('healthz', f.url));
  if (r.ok) return undefined;
  const text = await r.text();
  try {
    return `HTTP ${r.status}: ${(JSON.parse(text) as { message?: string }).message ?? text}`;
  } catch {
    return `HTTP ${r.status}: ${text.slice(0, 500)}`;
  }
}

/** The command: check access, print the URL, forward until a signal. */
export async function agentAttach(ref: string, o: { port?: string; operatorUrl?: string; kubeconfig?: string }, io: CliIO, until: () => Promise<unknown>): Promise<number> {
  const { namespace, name } = parseTaskRef(ref);
  const port = Number(o.port ?? 0);
  if (!Number.isInteger(port) || port < 0 || port > 65535) throw new Error(`--port: "${o.port}" is not a port number (0-65535; 0 picks a free one)`);
  const operatorUrl = o.operatorUrl ?? process.env.WEFT_OPERATOR_URL ?? 'http://127.0.0.1:8080';
  const f = await startAttachForwarder({ operatorUrl, namespace, name, authorization: await kubeconfigAuthorization(o.kubeconfig), port });
  const refused = await preflight(f).catch((err: unknown) => `cannot reach the operator at ${operatorUrl}: ${(err as Error).message}`);
  if (refused) {
    await f.close();
    io.err(`weft agent attach ${namespace}/${name}: ${refused}\n`);
    return 1;
  }
  io.out(`code-server of AgentTask ${namespace}/${name}: ${f.url}\n(forwarding to ${operatorUrl} as the kubeconfig user; Ctrl-C to stop)\n`);
  await until();
  await f.close();
  return 0;
}
