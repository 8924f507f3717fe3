import { accessSync, existsSync, readFileSync } from 'node:fs';
import type { RequestOptions } from 'node:https';
import { isIPv6 } from 'node:net';
import { delimiter, dirname, isAbsolute, join } from 'node:path';
import type { Cluster, Context, KubeConfig, User } from '@kubernetes/client-node';
import { parse } from 'yaml';

/**
 * What the runtime needs of cluster credentials: the current cluster, and the TLS material, headers
 * and basic auth of the current user for one request. client-node's `KubeConfig` satisfies it, and
 * so does {@link LightKubeConfig}, which the operator uses.
 */
export interface KubeAccess {
  getCurrentCluster(): Cluster | null;
  getCurrentUser(): User | null;
  applyToHTTPSOptions(opts: RequestOptions): Promise<void>;
}

const SA_DIR = '/var/run/secrets/kubernetes.io/serviceaccount';
/** Token files are re-read after this long (ms), as client-go and client-node do: projected tokens rotate. */
const TOKEN_FILE_TTL_MS = 60_000;

/**
 * A kubeconfig (or in-cluster ServiceAccount) that authenticates requests without loading
 * `@kubernetes/client-node`'s value exports: its KubeConfig pulls in every generated API and model
 * (~40 MiB of RSS in the operator). Same data model and loading rules as client-node's KubeConfig.
 * Client certificates, tokens, token files, basic auth and impersonation are applied here;
 * exec plugins and auth-providers (oidc, azure, gcp) are delegated to a client-node KubeConfig
 * built from the same data on first use, so every credential kind still works.
 *
 * @example
 * const kc = new LightKubeConfig();
 * kc.loadFromFile('/home/me/.kube/config');
 * const rest = new RestClient(kc);
 */
export class LightKubeConfig implements KubeAccess {
  clusters: Cluster[] = [];
  users: User[] = [];
  contexts: Context[] = [];
  currentContext = '';
  private fileToken: { path: string; token: string; readAt: number } | undefined;
  private full: Promise<KubeConfig> | undefined;

  loadFromFile(file: string): void {
    this.loadFromString(readFileSync(file, 'utf8'));
    this.makePathsAbsolute(dirname(file));
  }

  loadFromString(yaml: string): void {
    const doc = (parse(yaml) ?? {}) as { clusters?: unknown; users?: unknown; contexts?: unknown; 'current-context'?: string };
    this.clusters = parseEntries(doc.clusters, 'clusters', toCluster);
    this.users = parseEntries(doc.users, 'users', toUser);
    this.contexts = parseEntries(doc.contexts, 'contexts', toContext);
    this.currentContext = doc['current-context'] ?? '';
    this.full = undefined;
  }

  loadFromOptions(o: { clusters: Cluster[]; users: User[]; contexts: Context[]; currentContext: string }): void {
    Object.assign(this, { clusters: o.clusters, users: o.users, contexts: o.contexts, currentContext: o.currentContext, full: undefined });
  }

  /** The pod's ServiceAccount: `KUBERNETES_SERVICE_HOST/PORT`, its CA and (rotating) token file. */
  loadFromCluster(pathPrefix = ''): void {
    const host = process.env.KUBERNETES_SERVICE_HOST ?? '';
    const port = process.env.KUBERNETES_SERVICE_PORT ?? '';
    const scheme = ['80', '8080', '8001'].includes(port) ? 'http' : 'https';
    const nsFile = `${pathPrefix}${SA_DIR}/namespace`;
    this.loadFromOptions({
      clusters: [{ name: 'inCluster', caFile: `${pathPrefix}${SA_DIR}/ca.crt`, server: `${scheme}://${isIPv6(host) ? `[${host}]` : host}:${port}`, skipTLSVerify: false }],
      users: [{ name: 'inClusterUser', authProvider: { name: 'tokenFile', config: { tokenFile: `${pathPrefix}${SA_DIR}/token` } } }],
      contexts: [{ cluster: 'inCluster', name: 'inClusterContext', user: 'inClusterUser', namespace: existsSync(nsFile) ? readFileSync(nsFile, 'utf8') : undefined }],
      currentContext: 'inClusterContext',
    });
  }

  /** `$KUBECONFIG` (files merged as client-node does), else `~/.kube/config`, else in-cluster, else localhost:8080. */
  loadFromDefault(env: NodeJS.ProcessEnv = process.env): void {
    const files = (env.KUBECONFIG ?? '').split(delimiter).filter(Boolean);
    if (files.length > 0) {
      this.loadFromFile(files[0]!);
      for (const file of files.slice(1)) {
        const more = new LightKubeConfig();
        more.loadFromFile(file);
        this.merge(more);
      }
      return;
    }
    const home = homeDir(env);
    if (home && existsSync(join(home, '.kube', 'config'))) return this.loadFromFile(join(home, '.kube', 'config'));
    if (existsSync(`${SA_DIR}/token`)) return this.loadFromCluster();
    this.loadFromOptions({ clusters: [{ name: 'cluster', server: 'http://localhost:8080', skipTLSVerify: false }], users: [{ name: 'user' }], contexts: [{ name: 'loaded-context', cluster: 'cluster', user: 'user' }], currentContext: 'loaded-context' });
  }

  getCurrentContextObject(): Context | null {
    return this.contexts.find((c) => c.name === this.currentContext) ?? null;
  }

  getCurrentCluster(): Cluster | null {
    const ctx = this.getCurrentContextObject();
    return (ctx && this.clusters.find((c) => c.name === ctx.cluster)) ?? null;
  }

  getCurrentUser(): User | null {
    const ctx = this.getCurrentContextObject();
    return (ctx && this.users.find((u) => u.name === ctx.user)) ?? null;
  }

  /** Sets what one request needs on `opts` (as client-node's method of the same name, without an agent). */
  async applyToHTTPSOptions(opts: RequestOptions): Promise<void> {
    const user = this.getCurrentUser();
    if (!user) return;
    if (needsPlugin(user)) return (await this.toClientNode()).applyToHTTPSOptions(opts);
    applyTls(opts, this.getCurrentCluster(), user);
    this.applyCredentials(opts, user);
  }

  /** Impersonation, the bearer token (from its file, else inline) and basic auth of `user`. */
  private applyCredentials(opts: RequestOptions, user: User): void {
    const headers = (opts.headers ??= {}) as Record<string, string>;
    if (user.impersonateUser != null) headers['Impersonate-User'] = user.impersonateUser;
    const tokenFile = (user.authProvider as { config?: { tokenFile?: string } } | null | undefined)?.config?.tokenFile;
    if (tokenFile) headers.Authorization = `Bearer ${this.readTokenFile(tokenFile)}`;
    if (user.token) headers.Authorization = `Bearer ${user.token}`;
    if (user.username) opts.auth = `${user.username}:${user.password}`;
  }

  /**
   * The same configuration as a client-node KubeConfig, for generated API clients and credential
   * plugins. Loads client-node (once) on first call.
   */
  toClientNode(): Promise<KubeConfig> {
    this.full ??= import('@kubernetes/client-node').then(({ KubeConfig }) => {
      const kc = new KubeConfig();
      kc.loadFromOptions({ clusters: this.clusters, users: this.users, contexts: this.contexts, currentContext: this.currentContext });
      return kc;
    });
    return this.full;
  }

  private merge(other: LightKubeConfig): void {
    // client-node's mergeConfig without preserveContext: a later file's current-context wins.
    if (other.currentContext) this.currentContext = other.currentContext;
    for (const [mine, theirs, what] of [[this.clusters, other.clusters, 'cluster'], [this.users, other.users, 'user'], [this.contexts, other.contexts, 'context']] as const) {
      for (const entry of theirs) {
        if (mine.some((e) => e.name === entry.name)) throw new Error(`Duplicate ${what}: ${entry.name}`);
        (mine as Array<typeof entry>).push(entry);
      }
    }
  }

  private makePathsAbsolute(root: string): void {
    const abs = (f: string | undefined) => (f && !isAbsolute(f) ? join(root, f) : f);
    for (const c of this.clusters) c.caFile = abs(c.caFile);
    for (const u of this.users) {
      u.certFile = abs(u.certFile);
      u.keyFile = abs(u.keyFile);
    }
  }

  private readTokenFile(path: string): string {
    const now = Date.now();
    if (!this.fileToken || this.fileToken.path !== path || now - this.fileToken.readAt > TOKEN_FILE_TTL_MS) {
      this.fileToken = { path, token: readFileSync(path, 'utf8'), readAt: now };
    }
    return this.fileToken.token;
  }
}

/** exec plugins and auth-providers other than a plain token file need client-node's authenticators. */
function needsPlugin(user: User): boolean {
  if (user.exec) return true;
  const ap = user.authProvider as { name?: string; config?: { tokenFile?: string; exec?: unknown } } | null | undefined;
  if (!ap) return false;
  return ap.name === 'azure' || ap.name === 'gcp' || ap.name === 'exec' || !!ap.config?.exec || !ap.config?.tokenFile;
}

function fileOrData(file: string | undefined, data: string | undefined): Buffer | undefined {
  if (file) return readFileSync(file);
  if (data) return Buffer.from(data, 'base64');
  return undefined;
}

/** The TLS side of a request: verification and server name, the cluster's CA, the user's client certificate. */
function applyTls(opts: RequestOptions, cluster: Cluster | null, user: User): void {
  if (cluster?.skipTLSVerify) opts.rejectUnauthorized = false;
  if (cluster?.tlsServerName) opts.servername = cluster.tlsServerName;
  const ca = cluster ? fileOrData(cluster.caFile, cluster.caData) : undefined;
  if (ca) opts.ca = ca;
  const cert = fileOrData(user.certFile, user.certData);
  if (cert) opts.cert = cert;
  const key = fileOrData(user.keyFile, user.keyData);
  if (key) opts.key = key;
}

function homeDir(env: NodeJS.ProcessEnv): string | undefined {
  for (const dir of [env.HOME, env.USERPROFILE]) {
    if (!dir) continue;
    try {
      accessSync(dir);
      return dir;
    } catch {
      // not accessible: try the next
    }
  }
  return undefined;
}

type Raw = Record<string, unknown>;

/** Maps `list` with `fn`, throwing as client-node does (`clusters[2].name is missing`). */
function parseEntries<T>(list: unknown, what: string, fn: (e: Raw, where: string) => T): T[] {
  if (!Array.isArray(list)) return [];
  return list.map((e: Raw, i) => {
    if (!e?.name) throw new Error(`${what}[${i}].name is missing`);
    return fn(e, `${what}[${i}]`);
  });
}

function toCluster(e: Raw, where: string): Cluster {
  const c = e.cluster as Raw | undefined;
  if (!c) throw new Error(`${where}.cluster is missing`);
  if (!c.server) throw new Error(`${where}.cluster.server is missing`);
  return {
    name: e.name as string,
    server: String(c.server).replace(/\/$/, ''),
    caData: c['certificate-authority-data'] as string | undefined,
    caFile: c['certificate-authority'] as string | undefined,
    skipTLSVerify: c['insecure-skip-tls-verify'] === true,
    tlsServerName: c['tls-server-name'] as string | undefined,
    proxyUrl: c['proxy-url'] as string | undefined,
  };
}

function toUser(e: Raw): User {
  const u = (e.user ?? {}) as Raw;
  const tokenFile = u['token-file'] as string | undefined;
  return {
    name: e.name as string,
    authProvider: u['auth-provider'],
    certData: u['client-certificate-data'] as string | undefined,
    certFile: u['client-certificate'] as string | undefined,
    exec: u.exec,
    keyData: u['client-key-data'] as string | undefined,
    keyFile: u['client-key'] as string | undefined,
    // As client-node: a kubeconfig token-file is read once, at load.
    token: (u.token as string | undefined) || (tokenFile ? readFileSync(tokenFile, 'utf8') : undefined),
    username: u.username as string | undefined,
    password: u.password as string | undefined,
    impersonateUser: u.as as string | undefined,
  };
}

function toContext(e: Raw, where: string): Context {
  const c = e.context as Raw | undefined;
  if (!c) throw new Error(`${where}.context is missing`);
  if (!c.cluster) throw new Error(`${where}.context.cluster is missing`);
  return { cluster: c.cluster, name: e.name, user: c.user || undefined, namespace: c.namespace || undefined } as Context;
}
