import { createHash, timingSafeEqual } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createMcpHandler, type McpServer } from '@modelcontextprotocol/server';
import { hostHeaderValidation, originValidation, toNodeHandler } from '@modelcontextprotocol/node';
import { McpConfigError } from './errors.js';

/** Where and how the streamable HTTP endpoint listens. */
export interface McpHttpOptions {
  /** `127.0.0.1:8765`, `[::1]:0`, `localhost:0`; port 0 picks a free one */
  readonly addr: string;
  /** the bearer token every request must carry (`Authorization: Bearer <token>`) */
  readonly token: string;
  /** listen on a non-loopback address (off by default: the endpoint is for local clients) */
  readonly allowRemote?: boolean;
  /** extra Host/Origin hostnames to accept besides loopback and the bound host */
  readonly allowedHosts?: readonly string[];
}

/** A listening MCP HTTP endpoint. */
export interface McpHttpEndpoint {
  readonly url: string;
  close(): Promise<void>;
}

const LOOPBACK = ['127.0.0.1', 'localhost', '[::1]'];

/** Splits `host:port` (IPv6 in brackets) and refuses non-loopback hosts unless allowed. */
export function parseHttpAddr(addr: string, allowRemote = false): { host: string; port: number } {
  const m = /^(\[[0-9a-fA-F:.]+\]|[^:[\]]+):(\d{1,5})$/.exec(addr.trim());
  const port = Number(m?.[2]);
  if (!m?.[1] || !Number.isInteger(port) || port > 65535) {
    throw new McpConfigError(`--http ${JSON.stringify(addr)}: expected HOST:PORT, e.g. 127.0.0.1:8765 (port 0 picks a free one)`);
  }
  const host = m[1];
  if (!allowRemote && !LOOPBACK.includes(host)) {
    throw new McpConfigError(`--http ${JSON.stringify(addr)}: host ${host} is not loopback (allowed: ${LOOPBACK.join(', ')}); pass --allow-remote to listen elsewhere`);
  }
  return { host, port };
}

const digest = (s: string) => createHash('sha256').update(s).digest();

/** Whether the request carries the bearer token, compared in constant time. */
function authorized(req: IncomingMessage, expected: Buffer): boolean {
  const m = /^Bearer\s+(\S+)\s*$/i.exec(req.headers.authorization ?? '');
  return m?.[1] !== undefined && timingSafeEqual(digest(m[1]), expected);
}

function deny(res: ServerResponse, status: number, message: string, headers: Record<string, string> = {}): void {
  res.writeHead(status, { 'content-type': 'application/json', ...headers });
  res.end(JSON.stringify({ jsonrpc: '2.0', error: { code: -32001, message }, id: null }));
}

/**
 * Serves MCP over streamable HTTP at `/mcp`: both protocol eras (2026 per-request and 2025
 * stateless), one server instance per request from `factory`. Every request is checked in order:
 * path, Host header (DNS rebinding), Origin header (browsers), bearer token.
 *
 * @throws McpConfigError for a bad address or an empty token
 */
export async function serveMcpHttp(factory: () => McpServer, options: McpHttpOptions, onError: (err: Error) => void): Promise<McpHttpEndpoint> {
  const { host, port } = parseHttpAddr(options.addr, options.allowRemote);
  if (options.token.length < 16) throw new McpConfigError('the HTTP bearer token must be at least 16 characters (set WEFT_MCP_TOKEN or --token-file)');
  const expected = digest(options.token);
  const names = [...new Set([...LOOPBACK, host, ...(options.allowedHosts ?? [])])];
  const checkHost = hostHeaderValidation(names);
  const checkOrigin = originValidation(names);
  const handler = toNodeHandler(createMcpHandler(factory, { onerror: onError }), { onerror: onError });
  const server: Server = createServer((req, res) => {
    const path = (req.url ?? '/').split('?')[0];
    if (path !== '/mcp') return deny(res, 404, `no MCP endpoint at ${path}: use /mcp`);
    if (!checkHost(req, res) || !checkOrigin(req, res)) return;
    if (!authorized(req, expected)) return deny(res, 401, 'missing or wrong bearer token', { 'www-authenticate': 'Bearer realm="weft-mcp"' });
    handler(req, res).catch((err: unknown) => {
      onError(err instanceof Error ? err : new Error(String(err)));
      if (!res.headersSent) deny(res, 500, 'internal error');
    });
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host.replace(/^\[|\]$/g, ''), () => resolve());
  });
  const bound = (server.address() as AddressInfo).port;
  return {
    url: `http://${host}:${bound}/mcp`,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
