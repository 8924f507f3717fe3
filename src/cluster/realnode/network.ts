import { execa } from 'execa';

/**
 * The addresses of one real node. Everything lives on a Linux bridge this module creates, so no
 * packet of the cluster ever needs a host route that leads off the machine:
 * - pods get addresses in `podCidr` (a /24) on `bridge`, whose own address `gateway` is the node IP;
 * - `serviceCidr` (a /24) is the apiserver's ClusterIP range. Its first address, the `kubernetes`
 *   Service's ClusterIP, is also put on the bridge, where an in-process forwarder passes it to the
 *   apiserver on loopback: in-cluster clients (KUBERNETES_SERVICE_HOST) work unchanged and no
 *   kube-proxy is needed. The rest of the range is a blackhole route, so a ClusterIP dialled from
 *   the host fails at once instead of taking the default route.
 * - pods get no default route: they reach their subnet and the service range (via the bridge), and
 *   with `ipMasq: false` nothing is ever forwarded to another interface.
 */
export interface NodeNetwork {
  slot: number;
  bridge: string;
  podCidr: string;
  gateway: string;
  serviceCidr: string;
  apiServiceIp: string;
  /** The CNI network name (host-local IPAM and libcni key their state by it). */
  network: string;
}

/** Pod ranges are 10.244.<slot>.0/24, service ranges 10.97.<slot>.0/24. */
export function networkForSlot(slot: number): NodeNetwork {
  if (!Number.isInteger(slot) || slot < 0 || slot > 255) throw new RangeError(`network slot ${slot} is not in 0..255`);
  return {
    slot,
    bridge: `weftbr${slot}`,
    podCidr: `10.244.${slot}.0/24`,
    gateway: `10.244.${slot}.1`,
    serviceCidr: `10.97.${slot}.0/24`,
    apiServiceIp: `10.97.${slot}.1`,
    network: `weft-${slot}`,
  };
}

function ipToInt(ip: string): number {
  const p = ip.split('.').map(Number);
  if (p.length !== 4 || p.some((n) => !Number.isInteger(n) || n < 0 || n > 255)) throw new Error(`not an IPv4 address: ${ip}`);
  return ((p[0]! << 24) >>> 0) + (p[1]! << 16) + (p[2]! << 8) + p[3]!;
}

/** [first, last] address of a CIDR (a bare address is a /32). */
export function cidrRange(cidr: string): [number, number] {
  const [ip, bitsText] = cidr.split('/');
  const bits = bitsText === undefined ? 32 : Number(bitsText);
  const size = 2 ** (32 - bits);
  const first = Math.floor(ipToInt(ip!) / size) * size;
  return [first, first + size - 1];
}

/** Do two CIDRs share an address? */
export function overlaps(a: string, b: string): boolean {
  const [a0, a1] = cidrRange(a);
  const [b0, b1] = cidrRange(b);
  return a0 <= b1 && b0 <= a1;
}

/** One row of `ip -j -4 route show table all`. */
export interface RouteRow {
  dst: string;
  type?: string;
  dev?: string;
}

/**
 * Is `net` free on a host with these routes? Every route but the default one counts (connected
 * subnets, other nodes' bridges and blackholes, local addresses), so a range that some host route
 * already sends somewhere is never picked.
 */
export function slotIsFree(net: NodeNetwork, routes: RouteRow[]): boolean {
  return !routes.some(
    (r) => r.dst !== 'default' && !r.dst.endsWith('/0') && (overlaps(r.dst, net.podCidr) || overlaps(r.dst, net.serviceCidr)),
  );
}

async function ip(args: string[]): Promise<string> {
  const r = await execa('ip', args, { reject: false });
  if (r.exitCode !== 0) throw new Error(`ip ${args.join(' ')} failed (exit ${r.exitCode}): ${r.stderr.trim()}`);
  return r.stdout;
}

/** The host's IPv4 routes, every table. */
export async function hostRoutes(): Promise<RouteRow[]> {
  return JSON.parse((await ip(['-j', '-4', 'route', 'show', 'table', 'all'])) || '[]') as RouteRow[];
}

/**
 * Picks the first free slot and claims it by creating its bridge (creating a link is atomic, so two
 * clusters starting at once never share one), with the node address, the apiserver's ClusterIP and
 * the blackhole route for the service range. Undo with {@link releaseNetwork}.
 */
export async function reserveNetwork(): Promise<NodeNetwork> {
  const routes = await hostRoutes();
  for (let slot = 0; slot < 64; slot++) {
    const net = networkForSlot(slot);
    if (!slotIsFree(net, routes)) continue;
    const created = await execa('ip', ['link', 'add', net.bridge, 'type', 'bridge'], { reject: false });
    if (created.exitCode !== 0) continue; // another cluster holds this slot
    try {
      await ip(['addr', 'add', `${net.gateway}/24`, 'dev', net.bridge]);
      await ip(['addr', 'add', `${net.apiServiceIp}/32`, 'dev', net.bridge]);
      await ip(['link', 'set', net.bridge, 'up']);
      await ip(['route', 'add', 'blackhole', net.serviceCidr]);
      return net;
    } catch (err) {
      await releaseNetwork(net);
      throw err;
    }
  }
  throw new Error('no free network slot for a real node: 10.244.0-63.0/24 and 10.97.0-63.0/24 all overlap host routes (`ip route show table all`)');
}

/** Deletes the bridge (and with it its addresses) and the blackhole route. Idempotent. */
export async function releaseNetwork(net: NodeNetwork): Promise<void> {
  await execa('ip', ['link', 'del', net.bridge], { reject: false });
  await execa('ip', ['route', 'del', 'blackhole', net.serviceCidr], { reject: false });
}

/**
 * The CNI configuration list for containerd: a bridge (no gateway role, no masquerading) with
 * host-local IPAM whose state stays under `ipamDir`, and a route to the service range only.
 */
export function renderCniConfig(net: NodeNetwork, ipamDir: string): string {
  return JSON.stringify(
    {
      cniVersion: '1.0.0',
      name: net.network,
      plugins: [
        {
          type: 'bridge',
          bridge: net.bridge,
          isGateway: false,
          isDefaultGateway: false,
          ipMasq: false,
          hairpinMode: true,
          ipam: {
            type: 'host-local',
            dataDir: ipamDir,
            ranges: [[{ subnet: net.podCidr, gateway: net.gateway }]],
            routes: [{ dst: net.serviceCidr, gw: net.gateway }],
          },
        },
      ],
    },
    null,
    2,
  );
}
