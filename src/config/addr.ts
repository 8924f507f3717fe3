import { FlagError } from './errors.js';

/** A parsed listen address: `host:port`, `:port` (all interfaces) or `[::1]:port`. */
export interface ListenAddr {
  host: string;
  port: number;
}

/**
 * Parses a listen address flag such as `--http-addr=:8080` or `127.0.0.1:0` (port 0 = any free port).
 * @example parseListenAddr('--http-addr', ':8080') // { host: '0.0.0.0', port: 8080 }
 */
export function parseListenAddr(flag: string, value: string): ListenAddr {
  const m = /^(?:\[([0-9a-fA-F:.]+)\]|([^:[\]]*)):(\d{1,5})$/.exec(value.trim());
  if (!m) {
    throw new FlagError(flag, `"${value}" is not an address; use HOST:PORT, :PORT or [IPv6]:PORT (e.g. :8080, 127.0.0.1:8080)`);
  }
  const port = Number(m[3]);
  if (port > 65535) throw new FlagError(flag, `port ${port} in "${value}" is out of range; use 0-65535`);
  const host = m[1] ?? (m[2] === '' ? '0.0.0.0' : m[2]!);
  if (/\s/.test(host)) throw new FlagError(flag, `host "${host}" in "${value}" contains whitespace`);
  return { host, port };
}

/** Formats an address back for humans, e.g. in "listening on http://127.0.0.1:8080". */
export function formatAddr(addr: ListenAddr): string {
  return addr.host.includes(':') ? `[${addr.host}]:${addr.port}` : `${addr.host}:${addr.port}`;
}
