/**
 * The attach proxy's two halves: plain HTTP (streamed both ways) and WebSocket upgrades (the
 * request line and headers rewritten, then the sockets piped). Both drop the caller's credentials
 * (Authorization, Cookie) and Origin before the pod sees the request and send the operator's
 * code-server session cookie instead: the operator has already authorized the caller, and
 * code-server refuses WebSockets whose Origin does not match the pod's own address.
 */
import { request, STATUS_CODES, type IncomingHttpHeaders, type IncomingMessage, type ServerResponse } from 'node:http';
import { connect } from 'node:net';
import type { Duplex } from 'node:stream';

/** Where one request goes. */
export interface Upstream {
  host: string;
  port: number;
  /** Path and query on code-server (the attach prefix removed). */
  path: string;
  /** `code-server-session=…` */
  cookie: string;
}

const DROPPED = new Set(['authorization', 'cookie', 'origin', 'host', 'proxy-authorization', 'x-forwarded-for', 'x-forwarded-host', 'x-forwarded-proto']);

/** The caller's headers as code-server should see them. */
export function upstreamHeaders(h: IncomingHttpHeaders, u: Upstream): Record<string, string | string[]> {
  const out: Record<string, string | string[]> = {};
  for (const [k, v] of Object.entries(h)) if (v !== undefined && !DROPPED.has(k)) out[k] = v;
  out.host = `${u.host}:${u.port}`;
  out.cookie = u.cookie;
  return out;
}

/** Proxies one HTTP request; `onLoginPage` is called when code-server sends us to its login page (session gone). */
export function proxyHttp(req: IncomingMessage, res: ServerResponse, u: Upstream & { onLoginPage?: () => void }): void {
  const up = request({ host: u.host, port: u.port, method: req.method, path: u.path, headers: upstreamHeaders(req.headers, u) }, (r) => {
    const location = r.headers.location;
    if (location && /(^|\/)login(\?|$)/.test(location)) u.onLoginPage?.();
    // code-server's own session cookie is the operator's business, not the browser's.
    const headers = { ...r.headers };
    delete headers['set-cookie'];
    res.writeHead(r.statusCode ?? 502, headers);
    r.pipe(res);
  });
  up.on('error', (err) => {
    if (!res.headersSent) res.writeHead(502, { 'content-type': 'application/json' }).end(JSON.stringify({ error: 'BadGateway', statusCode: 502, message: `code-server at ${u.host}:${u.port}: ${err.message}` }));
    else res.destroy(err);
  });
  req.pipe(up);
  res.on('close', () => up.destroy());
}

/** Proxies a WebSocket (or any) upgrade: the rewritten request goes to code-server, then bytes flow both ways. */
export function proxyUpgrade(req: IncomingMessage, socket: Duplex, head: Buffer, u: Upstream): void {
  const up = connect({ host: u.host, port: u.port });
  const lines = [`${req.method ?? 'GET'} ${u.path} HTTP/1.1`];
  for (const [k, v] of Object.entries(upstreamHeaders(req.headers, u))) for (const x of Array.isArray(v) ? v : [v]) lines.push(`${k}: ${x}`);
  up.on('connect', () => {
    up.write(`${lines.join('\r\n')}\r\n\r\n`);
    if (head.length) up.write(head);
    up.pipe(socket);
    socket.pipe(up);
  });
  const close = () => {
    up.destroy();
    socket.destroy();
  };
  up.on('error', (err) => (up.bytesRead === 0 ? refuseUpgrade(socket, 502, `code-server at ${u.host}:${u.port}: ${err.message}`) : close()));
  socket.on('error', close);
  up.on('close', close);
  socket.on('close', close);
}

/** Answers an upgrade request with a plain HTTP error and closes the socket. */
export function refuseUpgrade(socket: Duplex, status: number, message: string): void {
  if (socket.destroyed) return;
  const body = JSON.stringify({ error: STATUS_CODES[status] ?? 'Error', statusCode: status, message });
  socket.end(`HTTP/1.1 ${status} ${STATUS_CODES[status] ?? 'Error'}\r\ncontent-type: application/json\r\ncontent-length: ${Buffer.byteLength(body)}\r\nconnection: close\r\n\r\n${body}`);
}
