import { mkdtemp, mkdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gunzipSync } from 'node:zlib';
import Fastify, { type FastifyInstance } from 'fastify';
import { registerStaticUi } from './static.js';

describe('static UI handler', () => {
  let dir: string;
  let app: FastifyInstance;
  const js = `console.log(${JSON.stringify('x'.repeat(4000))});`;

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'weft-web-'));
    await mkdir(join(dir, 'assets'));
    await writeFile(join(dir, 'index.html'), '<!doctype html><title>Weft</title>');
    await writeFile(join(dir, 'assets', 'index-abc123.js'), js);
    await writeFile(join(dir, 'secret.txt'), 'not served');
    app = Fastify();
    registerStaticUi(app, dir);
    app.get('/api/v1/nodes', async () => ({ items: [] }));
    await app.ready();
  });
  afterAll(async () => {
    await app.close();
    await rm(dir, { recursive: true, force: true });
  });

  it.each(['/', '/nodes', '/nodes/gpu-1', '/clusters/team-a/prod', '/workloads?phase=Pending', '/login'])('serves index.html at %s (deep links), never cached, with a CSP', async (url) => {
    const r = await app.inject(url);
    expect(r.statusCode).toBe(200);
    expect(r.headers['content-type']).toBe('text/html; charset=utf-8');
    expect(r.headers['cache-control']).toBe('no-cache');
    expect(r.headers['content-security-policy']).toContain("default-src 'self'");
    expect(r.body).toContain('<title>Weft</title>');
  });

  it('serves hashed assets for a year, compressed when the browser accepts it', async () => {
    const r = await app.inject({ url: '/assets/index-abc123.js', headers: { 'accept-encoding': 'gzip' } });
    expect(r.statusCode).toBe(200);
    expect(r.headers['content-type']).toBe('text/javascript; charset=utf-8');
    expect(r.headers['cache-control']).toBe('public, max-age=31536000, immutable');
    expect(r.headers['content-encoding']).toBe('gzip');
    expect(gunzipSync(r.rawPayload).toString()).toBe(js);
    expect((await app.inject('/assets/index-abc123.js')).body).toBe(js);
  });

  it('does not serve files outside assets/, missing assets or paths that climb out', async () => {
    expect((await app.inject('/assets/nope.js')).statusCode).toBe(404);
    expect((await app.inject('/assets/../secret.txt')).statusCode).not.toBe(200);
    expect((await app.inject('/assets/%2e%2e/secret.txt')).statusCode).toBe(404);
    expect((await app.inject('/secret.txt')).statusCode).toBe(404);
  });

  it('leaves the API alone', async () => expect((await app.inject('/api/v1/nodes')).json()).toEqual({ items: [] }));

  it('says how to build the UI when it is not built', async () => {
    const bare = Fastify();
    registerStaticUi(bare, join(dir, 'missing'));
    const r = await bare.inject('/');
    expect(r.statusCode).toBe(503);
    expect(r.body).toContain('npm run build');
    await bare.close();
  });
});
