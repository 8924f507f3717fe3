import { connect, createServer, type Server } from 'node:net';

/** A TCP forwarder: what a real node's pods reach on the bridge gateway, relayed to a loopback port. */
export interface TcpForward {
  host: string;
  port: number;
  close(): Promise<void>;
}

/**
 * Listens on `host` (the node's bridge gateway: pods reach the host only there) and relays each
 * connection to `127.0.0.1:<target()>`. `target` is read per connection, so the forwarder may start
 * before the server it relays to (the operator, whose address pods must know when it starts).
 */
export async function forwardTcp(host: string, target: () => number, port = 0): Promise<TcpForward> {
  const open = new Set<{ destroy(): void }>();
  const server: Server = createServer((s) => {
    const up = connect(target(), '127.0.0.1');
    open.add(s).add(up);
    s.on('close', () => open.delete(s));
    up.on('close', () => open.delete(up));
    s.pipe(up).pipe(s);
    s.on('error', () => up.destroy());
    up.on('error', () => s.destroy());
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, resolve);
  });
  return {
    host,
    port: (server.address() as { port: number }).port,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        for (const c of open) c.destroy();
      }),
  };
}
