import { connect, type Socket } from 'node:net';

/**
 * Opens a TCP connection to `host:port` through a SOCKS5 proxy (no auth) — how tests reach tailnet
 * addresses: the host itself never dials 100.64.0.0/10; the device's tailscaled does. Resolves with
 * the connected socket, rejects when the proxy refuses (e.g. the tailnet ACL drops the connection).
 */
export function socks5Connect(proxyPort: number, host: string, port: number, timeoutMs = 5000): Promise<Socket> {
  return new Promise((resolve, reject) => {
    const s = connect({ host: '127.0.0.1', port: proxyPort });
    const timer = setTimeout(() => {
      s.destroy();
      reject(new Error(`SOCKS5 connect to ${host}:${port} timed out`));
    }, timeoutMs);
    let stage = 0;
    let buf = Buffer.alloc(0);
    s.on('error', (e) => {
      clearTimeout(timer);
      reject(e);
    });
    s.on('connect', () => s.write(Buffer.from([5, 1, 0])));
    s.on('data', (d: Buffer) => {
      buf = Buffer.concat([buf, d]);
      if (stage === 0 && buf.length >= 2) {
        if (buf[1] !== 0) return fail(`proxy refused no-auth (${buf[1]})`);
        buf = buf.subarray(2);
        stage = 1;
        const ip = host.split('.').map(Number);
        s.write(Buffer.from([5, 1, 0, 1, ...ip, port >> 8, port & 0xff]));
      }
      if (stage === 1 && buf.length >= 10) {
        clearTimeout(timer);
        s.removeAllListeners('data');
        if (buf[1] !== 0) return fail(`SOCKS5 CONNECT to ${host}:${port} failed with reply ${buf[1]}`);
        resolve(s);
      }
    });
    function fail(msg: string) {
      clearTimeout(timer);
      s.destroy();
      reject(new Error(msg));
    }
  });
}

/** Can `host:port` be reached through the proxy and does it answer? (connect, read the banner) */
export async function reachable(proxyPort: number, host: string, port: number): Promise<boolean> {
  try {
    const s = await socks5Connect(proxyPort, host, port);
    const got = await new Promise<boolean>((resolve) => {
      const t = setTimeout(() => resolve(false), 3000);
      s.once('data', () => {
        clearTimeout(t);
        resolve(true);
      });
      s.once('close', () => {
        clearTimeout(t);
        resolve(false);
      });
    });
    s.destroy();
    return got;
  } catch {
    return false;
  }
}
