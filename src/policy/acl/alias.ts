// The policy's small languages: aliases (`alice@`, `group:ops`, `tag:ci`, hosts, IPs/CIDRs,
// autogroups, `*`), destination port specs (`*`, `443`, `80,443`, `8000-8100`), protocols and
// grant `ip` entries. Classification order and error cases follow Headscale's parseAlias,
// splitDestinationAndPort and parsePortRange (hscontrol/policy/v2/types.go, utils.go).

import { parseIpAddr, parseIpPrefix, type IpPrefix } from './ip.js';

/** An inclusive port range; `*` is 0–65535. */
export interface PortRange {
  readonly first: number;
  readonly last: number;
}

/** A parsed alias. `text` is the alias as written in the policy. */
export type Alias =
  | { readonly kind: 'wildcard'; readonly text: string }
  | { readonly kind: 'user'; readonly text: string; readonly login: string }
  | { readonly kind: 'group'; readonly text: string }
  | { readonly kind: 'tag'; readonly text: string }
  | { readonly kind: 'host'; readonly text: string }
  | { readonly kind: 'prefix'; readonly text: string; readonly prefix: IpPrefix }
  | { readonly kind: 'autogroup'; readonly text: string };

/** Which protocols an access entry covers: IANA numbers, or null for every protocol. */
export type ProtoSet = readonly number[] | null;

/** What a rule grants on a destination: protocols × ports, with its text for messages. */
export interface Access {
  readonly protos: ProtoSet;
  readonly ports: readonly PortRange[];
  readonly label: string;
}

/** A parse result: the value, or a message naming the bad input and the fix. */
export type Parsed<T> = { ok: true; value: T } | { ok: false; error: string };

/** Every port: what `*` means in a port spec. */
export const ANY_PORT: PortRange = { first: 0, last: 65535 };

/** Every autogroup Headscale v0.29 knows. */
export const AUTOGROUPS = [
  'autogroup:internet', 'autogroup:member', 'autogroup:nonroot', 'autogroup:tagged', 'autogroup:self',
  'autogroup:danger-all',
] as const;

/** Protocol names accepted in `proto` and grant `ip` (Headscale's Protocol.validate) → IANA numbers. */
export const PROTOCOLS: Readonly<Record<string, readonly number[]>> = {
  icmp: [1, 58], igmp: [2], ipv4: [4], 'ip-in-ip': [4], tcp: [6], egp: [8], igp: [9], udp: [17], gre: [47],
  esp: [50], ah: [51], sctp: [132],
};

/** When a rule names no protocol it covers TCP, UDP and ICMP (v4 and v6), as in Tailscale. */
export const DEFAULT_PROTOS: readonly number[] = [6, 17, 1, 58];
const PORTED_PROTOS = new Set([6, 17, 132]);

const ok = <T>(value: T): Parsed<T> => ({ ok: true, value });
const err = <T>(error: string): Parsed<T> => ({ ok: false, error });

/**
 * Classifies an alias the way Headscale does: IP/CIDR first, then `*`, anything with `@` is a
 * user, then the `group:`, `tag:` and `autogroup:` prefixes, and finally a host name.
 */
export function parseAlias(text: string): Parsed<Alias> {
  const prefix = parseIpPrefix(text);
  if (prefix) return ok({ kind: 'prefix', text, prefix });
  if (text === '*') return ok({ kind: 'wildcard', text });
  if (text.includes('@')) return ok({ kind: 'user', text, login: text.endsWith('@') ? text.slice(0, -1) : text });
  if (text.startsWith('group:')) return ok({ kind: 'group', text });
  if (text.startsWith('tag:')) return ok({ kind: 'tag', text });
  if (text.startsWith('autogroup:')) return ok({ kind: 'autogroup', text });
  if (text !== '' && !text.includes(':') && !text.includes('/')) return ok({ kind: 'host', text });
  return err(
    `invalid alias ${JSON.stringify(text)} — use *, a user ("alice@"), "group:…", "tag:…", "autogroup:…", ` +
      'a host name from "hosts", or an IP/CIDR',
  );
}

function parsePort(text: string, whole: string): Parsed<number> {
  if (!/^\d{1,5}$/.test(text)) return err(`bad port ${JSON.stringify(whole)}: ${JSON.stringify(text)} is not a port number`);
  const n = Number(text);
  return n > 65535 ? err(`bad port ${JSON.stringify(whole)}: ${n} is out of range 1-65535`) : ok(n);
}

const PORT_HELP = ' — use *, a port (443), a list (80,443) or a range (8000-8100)';

/**
 * Parses a port spec: `*`, `443`, `80,443`, `8000-8100` or a mix.
 * @example parsePorts('80,8000-8100') // ok [{first:80,last:80},{first:8000,last:8100}]
 */
export function parsePorts(spec: string): Parsed<PortRange[]> {
  if (spec === '*') return ok([ANY_PORT]);
  const out: PortRange[] = [];
  for (const part of spec.split(',')) {
    const bounds = part.split('-');
    if (bounds.length > 2 || (bounds.length === 2 && bounds.some((b) => b === ''))) {
      return err(`bad port range ${JSON.stringify(part)} in ${JSON.stringify(spec)}${PORT_HELP}`);
    }
    const first = parsePort(bounds[0] ?? '', spec);
    if (!first.ok) return err(first.error + PORT_HELP);
    const last = bounds.length === 2 ? parsePort(bounds[1] ?? '', spec) : first;
    if (!last.ok) return err(last.error + PORT_HELP);
    if (bounds.length === 1 && first.value < 1) return err(`bad port ${JSON.stringify(spec)}: port must be >0, or use *`);
    if (first.value > last.value) {
      return err(`bad port range ${JSON.stringify(part)}: first port is greater than last port — write ${last.value}-${first.value}`);
    }
    out.push({ first: first.value, last: last.value });
  }
  return ok(out);
}

/**
 * Splits an ACL destination `alias:ports` at its last colon; `[v6addr]:port` is accepted as in
 * Headscale.
 */
export function splitDestination(input: string): Parsed<{ alias: string; ports: string }> {
  let s = input;
  if (s.startsWith('[')) {
    const close = s.indexOf(']');
    const host = close < 0 ? '' : s.slice(1, close);
    const rest = close < 0 ? '' : s.slice(close + 1);
    if (parseIpAddr(host)?.family !== 6 || !(rest.startsWith(':') || rest.startsWith('/'))) {
      return err(`bad destination ${JSON.stringify(input)}: square brackets are only valid around an IPv6 address, as in "[fd7a::1]:443"`);
    }
    s = host + rest;
  }
  const colon = s.lastIndexOf(':');
  if (colon <= 0 || colon === s.length - 1) {
    return err(`destination ${JSON.stringify(input)} has no port — write ${JSON.stringify(`${input.replace(/:$/, '')}:*`)} or add a port such as :443`);
  }
  const alias = s.slice(0, colon);
  const ports = s.slice(colon + 1);
  // "tag:web" splits into "tag" + "web": say the port is missing rather than that "web" is a bad port.
  if (/[^\d,*-]/.test(ports) && /^(tag|group|autogroup):[^:]+$/.test(s)) {
    return err(`destination ${JSON.stringify(input)} has no port — write ${JSON.stringify(`${input}:*`)} or ${JSON.stringify(`${input}:443`)}`);
  }
  return ok({ alias, ports });
}

/** Parses a protocol name (case-insensitive) or number 1–255 into IANA numbers. */
export function parseProtocol(text: string): Parsed<readonly number[]> {
  const name = text.toLowerCase();
  const known = PROTOCOLS[name];
  if (known) return ok(known);
  if (/^[1-9]\d{0,2}$/.test(name) && Number(name) <= 255) return ok([Number(name)]);
  return err(
    `unknown protocol ${JSON.stringify(text)} — use one of ${Object.keys(PROTOCOLS).join(', ')} or a number 1-255` +
      (name === '*' ? ' (omit "proto" to allow TCP, UDP and ICMP)' : ''),
  );
}

/** Only TCP, UDP and SCTP have ports; every other protocol must use `*`. */
export function portsAllowedFor(protos: ProtoSet, ports: readonly PortRange[]): boolean {
  if (protos === null || protos === DEFAULT_PROTOS || protos.every((p) => PORTED_PROTOS.has(p))) return true;
  return ports.every((r) => r.first === 0 && r.last === 65535);
}

/**
 * Parses a grant `ip` entry: `*` (everything), `443`, `80,443`, `8000-8100`, `tcp:443`,
 * `udp:*`, or a bare protocol such as `icmp` (all ports).
 */
export function parseGrantIp(entry: string): Parsed<Access> {
  if (entry === '*') return ok({ protos: null, ports: [ANY_PORT], label: entry });
  const colon = entry.indexOf(':');
  const protoText = colon < 0 ? (/^[\d,*-]+$/.test(entry) ? '' : entry) : entry.slice(0, colon);
  const portText = colon < 0 ? (protoText === '' ? entry : '*') : entry.slice(colon + 1);
  const protos = protoText === '' ? ok(DEFAULT_PROTOS) : parseProtocol(protoText);
  if (!protos.ok) return err(`bad ip entry ${JSON.stringify(entry)}: ${protos.error}`);
  const ports = parsePorts(portText);
  if (!ports.ok) return err(`bad ip entry ${JSON.stringify(entry)}: ${ports.error}`);
  if (!portsAllowedFor(protos.value, ports.value)) {
    return err(`bad ip entry ${JSON.stringify(entry)}: protocol ${protoText} has no ports — write "${protoText}:*"`);
  }
  return ok({ protos: protos.value, ports: ports.value, label: entry });
}

/** Formats port ranges for messages: `443`, `80,443`, `8000-8100`, `*`. */
export function formatPorts(ports: readonly PortRange[]): string {
  return ports
    .map((r) => (r.first === 0 && r.last === 65535 ? '*' : r.first === r.last ? `${r.first}` : `${r.first}-${r.last}`))
    .join(',');
}
