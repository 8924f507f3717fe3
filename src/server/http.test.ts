import { pino } from 'pino';
import { Registry } from 'prom-client';
import { buildHttpServer } from './http.js';
import { Readiness } from '../runtime/readiness.js';

const logger = pino({ level: 'silent' });

describe('operator HTTP server', () => {
  it('answers /health with status, version and uptime', async () => {
    const app = await buildHttpServer({ logger });
    const res = await app.inject({ method: 'GET', url: '/health' });
    expect(res.statusCode).toBe(200);
    expect(res.json()).toEqual({ status: 'ok', version: expect.stringMatching(/^\d+\.\d+\.\d+/), uptimeSeconds: expect.any(Number) });
    await app.close();
  });

  it('is not ready without checks, and ready only when every check passes', async () => {
    const readiness = new Readiness();
    const app = await buildHttpServer({ logger, readiness });
    expect((await app.inject('/readyz')).statusCode).toBe(503);

    let apiserverUp = false;
    readiness.register('apiserver', () => ({ ok: apiserverUp, message: apiserverUp ? 'reachable' : 'connection refused' }));
    readiness.register('caches', () => ({ ok: true, message: 'synced' }));
    const down = await app.inject('/readyz');
    expect(down.statusCode).toBe(503);
    expect(down.json()).toEqual({
      ready: false,
      checks: [
        { name: 'apiserver', ok: false, message: 'connection refused' },
        { name: 'caches', ok: true, message: 'synced' },
      ],
    });
    apiserverUp = true;
    expect((await app.inject('/readyz')).json()).toMatchObject({ ready: true });
    await app.close();
  });

  it('counts a check that throws as failed, with its message', async () => {
    const readiness = new Readiness();
    readiness.register('broken', () => {
      throw new Error('boom');
    });
    const app = await buildHttpServer({ logger, readiness });
    const res = await app.inject('/readyz');
    expect(res.statusCode).toBe(503);
    expect(res.json().checks).toEqual([{ name: 'broken', ok: false, message: 'boom' }]);
    await app.close();
  });

  it('serves Prometheus metrics from its registry', async () => {
    const metrics = new Registry();
    const app = await buildHttpServer({ logger, metrics });
    metrics.registerMetric(new (await import('prom-client')).Counter({ name: 'weft_test_total', help: 'test', registers: [] }));
    const res = await app.inject('/metrics');
    expect(res.statusCode).toBe(200);
    expect(res.headers['content-type']).toMatch(/^text\/plain/);
    expect(res.body).toContain('# TYPE weft_test_total counter');
    await app.close();
  });

  it('answers unknown routes with a JSON 404 that points at the API document', async () => {
    const app = await buildHttpServer({ logger });
    const res = await app.inject('/nope');
    expect(res.statusCode).toBe(404);
    expect(res.json()).toEqual({ error: 'NotFound', message: 'no route GET /nope; see /openapi.json', statusCode: 404 });
    await app.close();
  });
});
