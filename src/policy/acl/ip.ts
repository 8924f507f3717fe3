// IP addresses and prefixes, parsed as strictly as Go's net/netip (which Headscale uses): no
// leading zeros in IPv4 octets, no zones, prefix lengths within the family. Addresses are
// stored as 32-bit words (one for IPv4, four for IPv6) so containment is a few integer ops.

/** An IPv4 or IPv6 address as 32-bit words (IPv4: one word; IPv6: four). */
export interface IpAddr {
  readonly family: 4 | 6;
  readonly words: readonly number[];
}

/** An address prefix (CIDR). A bare address parses as a full-length prefix (/32 or /128). */
export interface IpPrefix {
  readonly addr: IpAddr;
  readonly bits: number;
}

const V4_OCTET = /^(?:0|[1-9]\d{0,2})$/;
const V6_GROUP = /^[0-9a-fA-F]{1,4}$/;

function parseV4Words(s: string): number | undefined {
  const parts = s.split('.');
  if (parts.length !== 4) return undefined;
  let n = 0;
  for (const p of parts) {
    if (!V4_OCTET.test(p) || Number(p) > 255) return undefined;
    n = n * 256 + Number(p);
  }
  return n >>> 0;
}

function parseV6Groups(s: string): number[] | undefined {
  const halves = s.split('::');
  if (halves.length > 2) return undefined;
  // An embedded IPv4 tail (::ffff:1.2.3.4) is only valid in the last group of the address.
  const side = (h: string | undefined, last: boolean): number[] | undefined => {
    if (h === undefined || h === '') return [];
    const out: number[] = [];
    const parts = h.split(':');
    for (const [i, p] of parts.entries()) {
      if (last && i === parts.length - 1 && p.includes('.')) {
        const v4 = parseV4Words(p);
        if (v4 === undefined) return undefined;
        out.push(v4 >>> 16, v4 & 0xffff);
      } else if (V6_GROUP.test(p)) {
        out.push(parseInt(p, 16));
      } else {
        return undefined;
      }
    }
    return out;
  };
  const head = side(halves[0], halves.length === 1);
  const tail = side(halves[1], true);
  if (!head || !tail) return undefined;
  if (halves.length === 1) return head.length === 8 ? head : undefined;
  const fill = 8 - head.length - tail.length;
  return fill >= 1 ? [...head, ...new Array<number>(fill).fill(0), ...tail] : undefined;
}

/** Parses an IPv4 or IPv6 address, or returns undefined. */
export function parseIpAddr(s: string): IpAddr | undefined {
  if (s.includes(':')) {
    const g = parseV6Groups(s);
    if (!g) return undefined;
    const words = [0, 1, 2, 3].map((i) => (((g[2 * i] ?? 0) << 16) | (g[2 * i + 1] ?? 0)) >>> 0);
    return { family: 6, words };
  }
  const v4 = parseV4Words(s);
  return v4 === undefined ? undefined : { family: 4, words: [v4] };
}

/**
 * Parses `addr` or `addr/bits` (as Headscale's Prefix does) or returns undefined.
 * @example parseIpPrefix('100.64.0.0/10') // { addr: …, bits: 10 }
 */
export function parseIpPrefix(s: string): IpPrefix | undefined {
  const slash = s.indexOf('/');
  const addr = parseIpAddr(slash < 0 ? s : s.slice(0, slash));
  if (!addr) return undefined;
  const max = addr.family === 4 ? 32 : 128;
  if (slash < 0) return { addr, bits: max };
  const bitsText = s.slice(slash + 1);
  if (!/^(?:0|[1-9]\d{0,2})$/.test(bitsText) || Number(bitsText) > max) return undefined;
  return { addr, bits: Number(bitsText) };
}

/** Whether `addr` lies inside `prefix` (different families never match, as in netip). */
export function prefixContains(prefix: IpPrefix, addr: IpAddr): boolean {
  if (prefix.addr.family !== addr.family) return false;
  let remaining = prefix.bits;
  for (let i = 0; remaining > 0; i++, remaining -= 32) {
    const a = prefix.addr.words[i] ?? 0;
    const b = addr.words[i] ?? 0;
    if (remaining >= 32) {
      if (a !== b) return false;
    } else if ((a ^ b) >>> (32 - remaining) !== 0) {
      return false;
    }
  }
  return true;
}

// Address space that is not "the internet" for autogroup:internet: the tailnet ranges plus
// private, loopback, link-local and multicast space (an approximation of Headscale's
// util.TheInternet, which subtracts the same kinds of ranges from 0.0.0.0/0 and ::/0).
const NOT_INTERNET = [
  '0.0.0.0/8', '10.0.0.0/8', '100.64.0.0/10', '127.0.0.0/8', '169.254.0.0/16', '172.16.0.0/12',
  '192.168.0.0/16', '224.0.0.0/3', '::/128', '::1/128', 'fc00::/7', 'fe80::/10', 'ff00::/8',
].map((p) => parseIpPrefix(p) as IpPrefix);

/** Whether an address is public internet space (used for autogroup:internet). */
export function isInternetAddr(addr: IpAddr): boolean {
  return !NOT_INTERNET.some((p) => prefixContains(p, addr));
}

// Devices arrive per request with string IPs; caching the parse keeps `decide` allocation-free
// for the devices an operator sees over and over. Bounded so a flood of addresses cannot grow it.
const ADDR_CACHE = new Map<string, IpAddr | null>();
const ADDR_CACHE_MAX = 4096;

/** Parses a device IP with a bounded cache; invalid strings yield undefined. */
export function cachedAddr(s: string): IpAddr | undefined {
  let a = ADDR_CACHE.get(s);
  if (a === undefined) {
    a = parseIpAddr(s) ?? null;
    if (ADDR_CACHE.size >= ADDR_CACHE_MAX) ADDR_CACHE.clear();
    ADDR_CACHE.set(s, a);
  }
  return a ?? undefined;
}

/** Formats an address in its canonical text form (IPv6 without zero compression). */
export function formatAddr(addr: IpAddr): string {
  if (addr.family === 4) {
    const n = addr.words[0] ?? 0;
    return [n >>> 24, (n >>> 16) & 255, (n >>> 8) & 255, n & 255].join('.');
  }
  return addr.words.flatMap((w) => [(w >>> 16).toString(16), (w & 0xffff).toString(16)]).join(':');
}
