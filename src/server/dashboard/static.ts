import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { extname, join, normalize, sep } from 'node:path';
import { brotliCompressSync, gzipSync } from 'node:zlib';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { packageRoot } from '../../version.js';

const TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.json': 'application/json',
  '.png': 'image/png',
  '.ico': 'image/x-icon',
  '.woff2': 'font/woff2',
  '.map': 'application/json',
  '.txt': 'text/plain; charset=utf-8',
};
const COMPRESSIBLE = new Set(['.html', '.js', '.css', '.svg', '.json', '.map', '.txt']);

/** The pages of the single-page UI: each serves index.html and the UI routes in the browser. */
export const UI_ROUTES = ['/', '/login', '/nodes', '/nodes/*', '/clusters', '/clusters/*', '/workloads', '/workloads/*', '/agenttasks', '/agenttasks/*', '/features/*', '/jobs', '/jobs/*', '/history'];

const SECURITY_HEADERS = {
  'content-security-policy': "default-src 'self'; img-src 'self' data:; style-src 'self'; connect-src 'self'; frame-ancestors 'none'; base-uri 'none'; form-action 'self'",
  'x-content-type-options': 'nosniff',
  'referrer-policy': 'no-referrer',
};

interface Asset {
  type: string;
  raw: Buffer;
  gzip?: Buffer;
  br?: Buffer;
}

/** Where `npm run build:web` puts the UI. */
export const WEB_DIR = join(packageRoot(), 'dist', 'web');

/**
 * Serves the built UI (dist/web): hashed files under /assets/ cached for a year, index.html never
 * cached and served for every UI route (deep links), gzip or brotli when the browser accepts it.
 * Assets are read once and kept in memory, compressed (the whole UI is well under 100 KB).
 */
export function registerStaticUi(app: FastifyInstance, dir = WEB_DIR): void {
  const cache = new Map<string, Asset>();
  const load = async (rel: string): Promise<Asset | undefined> => {
    const hit = cache.get(rel);
    if (hit) return hit;
    const path = normalize(join(dir, rel));
    if (!path.startsWith(dir + sep)) return undefined;
    let raw: Buffer;
    try {
      raw = await readFile(path);
    } catch {
      return undefined;
    }
    const ext = extname(path);
    const asset: Asset = { type: TYPES[ext] ?? 'application/octet-stream', raw };
    if (COMPRESSIBLE.has(ext) && raw.length > 1024) {
      asset.gzip = gzipSync(raw, { level: 9 });
      asset.br = brotliCompressSync(raw);
    }
    // index.html is read again each time (a rebuilt UI shows without a restart); hashed assets never change.
    if (rel !== 'index.html') cache.set(rel, asset);
    return asset;
  };
  const send = (req: FastifyRequest, reply: FastifyReply, a: Asset, cacheControl: string) => {
    const accept = String(req.headers['accept-encoding'] ?? '');
    reply.header('cache-control', cacheControl).header('vary', 'accept-encoding').type(a.type);
    if (a.br && /\bbr\b/.test(accept)) return reply.header('content-encoding', 'br').send(a.br);
    if (a.gzip && /\bgzip\b/.test(accept)) return reply.header('content-encoding', 'gzip').send(a.gzip);
    return reply.send(a.raw);
  };
  const index = async (req: FastifyRequest, reply: FastifyReply) => {
    const a = await load('index.html');
    reply.headers(SECURITY_HEADERS);
    if (!a) {
      const hint = existsSync(dir) ? `${dir} has no index.html` : `${dir} does not exist`;
      return reply.code(503).type('text/html; charset=utf-8').send(`<!doctype html><title>Weft</title><h1>The dashboard is not built</h1><p>${hint}: run <code>npm run build</code> (or <code>npm run build:web</code>) and restart the operator.</p>`);
    }
    return send(req, reply, a, 'no-cache');
  };
  for (const url of UI_ROUTES) app.get(url, { schema: { hide: true } }, index);
  app.get('/assets/*', { schema: { hide: true } }, async (req, reply) => {
    const rel = join('assets', (req.params as { '*': string })['*']);
    const a = await load(rel);
    if (!a) return reply.code(404).send({ error: 'NotFound', statusCode: 404, message: `no UI asset ${req.url}` });
    // Vite puts a content hash in every file name under assets/: they never change.
    return send(req, reply, a, 'public, max-age=31536000, immutable');
  });
  app.get('/favicon.svg', { schema: { hide: true } }, async (req, reply) => {
    const a = await load('favicon.svg');
    return a ? send(req, reply, a, 'public, max-age=86400') : reply.code(404).send({ error: 'NotFound', statusCode: 404, message: 'no favicon' });
  });
}
