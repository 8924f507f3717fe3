import { createConnection, createServer, type Server, type Socket } from 'node:net';

/** A running TCP forwarder; `close()` stops listening and cuts every connection. */
export interface TcpForwarder {
  readonly address: string;
  readonly port: number;
  close(): Promise<void>;
}

/**
 * Forwards TCP from `listen` (an address on the node's bridge) to `target` (the apiserver on
 * loopback), bytes only: TLS ends at the apiserver, whose certificate names the listen address.
 * This is what lets pods use the `kubernetes` Service's ClusterIP without kube-proxy.
 */
export async function startTcpForwarder(
  listen: { host: string; port: number },
  target: { host: string; port: number },
): Promise<TcpForwarder> {
  const sockets = new Set<Socket>();
  const track = (s: Socket) => {
    sockets.add(s);
    s.once('close', () => sockets.delete(s));
  };
  const server: Server = createServer((client) => {
    track(client);
    const upstream = createConnection(target);
    track(upstream);
    client.pipe(upstream).pipe(client);
    // A reset on either side ends both; the error is the peer's business, not ours.
    client.on('error', () => upstream.destroy());
    upstream.on('error', () => client.destroy());
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen({ host: listen.host, port: listen.port, exclusive: true }, () => resolve());
  });
  server.unref();
  return {
    address: listen.host,
    port: listen.port,
    close: () =>
      new Promise<void>((resolve) => {
        for (const s of sockets) s.destroy();
        server.close(() => resolve());
      }),
  };
}
