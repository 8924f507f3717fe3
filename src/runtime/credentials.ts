import type { RequestOptions } from 'node:https';
import type { Cluster, KubeConfig } from '@kubernetes/client-node';
import { Agent, ProxyAgent, type Dispatcher } from 'undici';
import { LightKubeConfig, type KubeAccess } from './kubeconfig.js';

/** What one request to the apiserver needs: its headers and the connection pool to send it on. */
export interface RequestCredentials {
  /** Base URL of the current cluster, e.g. `https://127.0.0.1:6443`. */
  server: string;
  headers: Record<string, string>;
  /** undefined: plain http, or https with the system CAs and no client certificate. */
  dispatcher: Dispatcher | undefined;
}

type TlsMaterial = Pick<RequestOptions, 'ca' | 'cert' | 'key' | 'pfx' | 'passphrase' | 'rejectUnauthorized' | 'servername'>;
const TLS_FIELDS = ['ca', 'cert', 'key', 'pfx', 'passphrase', 'rejectUnauthorized', 'servername'] as const;

interface Pool {
  server: string;
  proxyUrl: string | undefined;
  tls: TlsMaterial;
  /** A promise, so that concurrent first requests share one pool. */
  dispatcher: Promise<Dispatcher | undefined>;
}

/** One pool per KubeConfig: every request and watch of a process shares its connections. */
const pools = new WeakMap<KubeAccess, Pool>();

/**
 * Headers and connection pool for a request with `kc`'s current user and cluster. Headers are
 * computed per request (a token file or exec plugin may have rotated the token); the undici pool
 * is reused for as long as the TLS material stays the same. client-node's own
 * `applySecurityAuthentication` builds a new pool per request, so every request paid a TLS
 * handshake and left a connection (and its OpenSSL buffers) behind until garbage collection:
 * 2,000 requests cost ~300 MiB of RSS that the allocator never returned.
 */
export async function requestCredentials(kc: KubeAccess): Promise<RequestCredentials> {
  const cluster = kc.getCurrentCluster();
  if (!cluster?.server) throw new Error('no current cluster in the kubeconfig');
  const opts: RequestOptions = {};
  await kc.applyToHTTPSOptions(opts);
  const headers: Record<string, string> = {};
  for (const [k, v] of Object.entries(opts.headers ?? {})) headers[k] = String(v);
  if (opts.auth) headers.Authorization = `Basic ${Buffer.from(opts.auth).toString('base64')}`;
  const tls: TlsMaterial = {};
  for (const f of TLS_FIELDS) if (opts[f] !== undefined) (tls as Record<string, unknown>)[f] = opts[f];

  let pool = pools.get(kc);
  if (!pool || pool.server !== cluster.server || pool.proxyUrl !== cluster.proxyUrl || !sameTls(pool.tls, tls)) {
    // In-flight requests (watches included) finish on the old pool; close() waits for them.
    if (pool) void pool.dispatcher.then((d) => d?.close()).catch(() => undefined);
    pool = { server: cluster.server, proxyUrl: cluster.proxyUrl, tls, dispatcher: newDispatcher(kc, cluster, tls) };
    pools.set(kc, pool);
  }
  return { server: cluster.server, headers, dispatcher: await pool.dispatcher };
}

/** Closes the connection pool of `kc` (a KubeConfig used once, e.g. to probe another cluster). */
export async function closeConnections(kc: KubeAccess): Promise<void> {
  const pool = pools.get(kc);
  pools.delete(kc);
  await (await pool?.dispatcher.catch(() => undefined))?.close();
}

/** client-node's dispatcher rules (createDispatcherOptions), keep-alive probes every 30 s as client-go. */
async function newDispatcher(kc: KubeAccess, cluster: Cluster, tls: TlsMaterial): Promise<Dispatcher | undefined> {
  const keepAlive = { keepAlive: true, keepAliveInitialDelay: 30_000 };
  if (cluster.proxyUrl?.startsWith('socks')) {
    // Rare: client-node builds the SOCKS connector (loading it only here: it is large).
    const full = kc instanceof LightKubeConfig ? await kc.toClientNode() : (kc as KubeConfig);
    const { RequestContext, HttpMethod } = await import('@kubernetes/client-node');
    const ctx = new RequestContext(cluster.server, HttpMethod.GET);
    await full.applySecurityAuthentication(ctx);
    return ctx.getDispatcher() as Dispatcher | undefined;
  }
  if (cluster.proxyUrl) return new ProxyAgent({ uri: cluster.proxyUrl, requestTls: tls, connect: keepAlive });
  if (cluster.server.startsWith('http:') && !cluster.skipTLSVerify) throw new Error('HTTP protocol is not allowed when skipTLSVerify is not set or false');
  if (Object.keys(tls).length === 0) return undefined;
  return new Agent({ connect: { ...tls, ...keepAlive } });
}

function sameTls(a: TlsMaterial, b: TlsMaterial): boolean {
  return TLS_FIELDS.every((f) => sameValue(a[f], b[f]));
}

function sameValue(a: unknown, b: unknown): boolean {
  if (Buffer.isBuffer(a) && Buffer.isBuffer(b)) return a.equals(b);
  if (Array.isArray(a) && Array.isArray(b)) return a.length === b.length && a.every((x, i) => sameValue(x, b[i]));
  return a === b;
}
