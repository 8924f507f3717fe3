import { stringify } from 'yaml';

/** Ports and paths of one local Headscale. */
export interface HeadscaleLayout {
  dir: string;
  httpPort: number;
  metricsPort: number;
  grpcPort: number;
  stunPort: number;
  /** Path of the HuJSON policy file; '' = allow-all. */
  policyPath: string;
}

/**
 * Headscale's config for a tailnet that lives entirely on loopback: control and the embedded DERP
 * server on 127.0.0.1, STUN on loopback, no external DERP map, no update checks, no log upload.
 */
export function headscaleConfig(l: HeadscaleLayout): string {
  const url = `http://127.0.0.1:${l.httpPort}`;
  return stringify({
    server_url: url,
    listen_addr: `127.0.0.1:${l.httpPort}`,
    metrics_listen_addr: `127.0.0.1:${l.metricsPort}`,
    grpc_listen_addr: `127.0.0.1:${l.grpcPort}`,
    grpc_allow_insecure: true,
    noise: { private_key_path: `${l.dir}/noise_private.key` },
    prefixes: { v4: '100.64.0.0/10', v6: 'fd7a:115c:a1e0::/48', allocation: 'sequential' },
    database: { type: 'sqlite', sqlite: { path: `${l.dir}/db.sqlite`, write_ahead_log: true } },
    derp: {
      server: {
        enabled: true,
        region_id: 999,
        region_code: 'headscale',
        region_name: 'embedded',
        verify_clients: true,
        stun_listen_addr: `127.0.0.1:${l.stunPort}`,
        private_key_path: `${l.dir}/derp_server_private.key`,
        automatically_add_embedded_derp_region: true,
        // The example config advertises 198.51.100.1; only loopback may be dialled here.
        ipv4: '127.0.0.1',
        ipv6: 'none',
      },
      urls: [],
      paths: [],
      auto_update_enabled: false,
    },
    disable_check_updates: true,
    dns: { magic_dns: true, base_domain: 'tailnet.test', override_local_dns: false },
    policy: { mode: 'file', path: l.policyPath },
    logtail: { enabled: false },
    unix_socket: `${l.dir}/headscale.sock`,
    unix_socket_permission: '0770',
    log: { level: 'info', format: 'text' },
  });
}

/**
 * Environment for a tailscaled that must only talk to loopback: DERP over plain HTTP to the embedded
 * server, always relayed (no direct paths to host interface addresses), no port mapping, no logs.
 */
export function tailscaledEnv(stateDir: string): Record<string, string> {
  return {
    TS_NO_LOGS_NO_SUPPORT: 'true',
    TS_LOGS_DIR: stateDir,
    TS_DISABLE_PORTMAPPER: '1',
    TS_DISABLE_UPNP: 'true',
    TS_ASSUME_NETWORK_UP_FOR_TEST: '1',
    TS_DEBUG_USE_DERP_HTTP: '1',
    TS_DEBUG_ALWAYS_USE_DERP: '1',
  };
}
