import type { KubeAccess } from '../runtime/kubeconfig.js';
import { RestClient } from '../runtime/rest.js';
import type { CheckResult } from '../runtime/readiness.js';

/**
 * Keeps a cached answer to "is the apiserver reachable?" by asking `/version` every `intervalMs`, so
 * that `/readyz` never waits on the network.
 */
export class ApiServerProbe {
  private last: CheckResult = { ok: false, message: 'not probed yet' };
  private timer: NodeJS.Timeout | undefined;
  // Our client shares one connection pool; client-node's generated APIs open a new one per call.
  private readonly rest: RestClient;
  /** Kubernetes version reported by the apiserver at the last successful probe. */
  gitVersion: string | undefined;

  constructor(
    private readonly kc: KubeAccess,
    private readonly intervalMs = 5000,
  ) {
    this.rest = new RestClient(kc);
  }

  /** Probes once now, then every interval; resolves after the first probe. */
  async start(): Promise<void> {
    await this.probe();
    this.timer = setInterval(() => void this.probe(), this.intervalMs);
    this.timer.unref();
  }

  stop(): void {
    if (this.timer) clearInterval(this.timer);
  }

  /** The readiness check for {@link Readiness.register}. */
  check = (): CheckResult => this.last;

  private async probe(): Promise<void> {
    const server = this.kc.getCurrentCluster()?.server ?? '(none)';
    try {
      const v = await this.rest.request<{ gitVersion?: string }>('GET', '/version', { signal: AbortSignal.timeout(Math.max(1000, this.intervalMs)) });
      this.gitVersion = v.gitVersion;
      this.last = { ok: true, message: `apiserver ${server} reachable (${v.gitVersion})` };
    } catch (err) {
      // undici says only "fetch failed"; the cause names the network error (ECONNREFUSED, a TLS code…).
      const cause = (err as { cause?: { code?: string; message?: string } }).cause;
      const detail = cause ? ` (${cause.code ?? cause.message})` : '';
      this.last = { ok: false, message: `apiserver ${server} unreachable: ${err instanceof Error ? err.message.split('\n')[0] : String(err)}${detail}` };
    }
  }
}
