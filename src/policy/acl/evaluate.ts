// decide: may this tailnet device reach that one on this port? Default deny; the first rule
// (acls in order, then grants in order) whose src, dst, protocol and port all match allows.

import { DEFAULT_PROTOS, formatPorts, PROTOCOLS, type Access, type PortRange } from './alias.js';
import { cachedAddr } from './ip.js';
import { DeviceView, type CompiledDst, type CompiledRule, type Decision, type DecisionRequest, type Device, type Policy } from './types.js';

/** A rule that allows a connection, with the parts that matched. */
export interface RuleMatch {
  readonly rule: CompiledRule;
  readonly src: string;
  readonly dst: CompiledDst;
  readonly access: Access;
}

const TCP = 6;
const UDP = 17;

function protoOk(allowed: Access['protos'], requested: readonly number[]): boolean {
  if (allowed === null) return true;
  for (const p of requested) if (allowed.includes(p)) return true;
  return false;
}

function portOk(allowed: readonly PortRange[], want: PortRange): boolean {
  for (const r of allowed) if (r.first <= want.first && want.last <= r.last) return true;
  return false;
}

function matchingSrc(rule: CompiledRule, src: DeviceView, dst: DeviceView): string | undefined {
  for (const s of rule.src) if (s.match(src, dst)) return s.text;
  return undefined;
}

const NONE: readonly number[] = [];

/**
 * The first rule allowing `src` → `dst` on a port range (contained in one allowed range, as
 * Headscale's policy tests require) for any of `protos`. The hot path of `decide`: it visits,
 * in policy order, only the rules that name one of the destination's tags plus the rules
 * whose destinations are not all tags.
 */
export function findAllowingRule(
  policy: Policy,
  src: DeviceView,
  dst: DeviceView,
  want: { ports: PortRange; protos: readonly number[] },
): RuleMatch | undefined {
  const { rules, index } = policy;
  const tags = dst.device.tags;
  if (tags.length > 1) {
    for (const rule of rules) {
      const hit = ruleAllows(rule, src, dst, want);
      if (hit) return hit;
    }
    return undefined;
  }
  const tagged = tags.length === 1 ? (index.byDstTag.get(tags[0] as string) ?? NONE) : NONE;
  const other = index.anyDst;
  for (let i = 0, j = 0; i < tagged.length || j < other.length; ) {
    const k = j >= other.length || (i < tagged.length && (tagged[i] as number) < (other[j] as number)) ? tagged[i++] : other[j++];
    const hit = ruleAllows(rules[k as number] as CompiledRule, src, dst, want);
    if (hit) return hit;
  }
  return undefined;
}

function ruleAllows(rule: CompiledRule, src: DeviceView, dst: DeviceView, want: { ports: PortRange; protos: readonly number[] }): RuleMatch | undefined {
  // Source matching is deferred until a destination matches: most rules fail on dst.
  let srcText: string | null | undefined = null;
  for (const d of rule.dst) {
    const access = allowingAccess(d.access, want);
    if (!access || !d.match(dst, src)) continue;
    if (srcText === null) srcText = matchingSrc(rule, src, dst);
    if (srcText === undefined) return undefined;
    return { rule, src: srcText, dst: d, access };
  }
  return undefined;
}

function allowingAccess(accesses: readonly Access[], want: { ports: PortRange; protos: readonly number[] }): Access | undefined {
  for (const a of accesses) if (protoOk(a.protos, want.protos) && portOk(a.ports, want.ports)) return a;
  return undefined;
}

/** How a device is named in reasons: its tags, else `user@`, else its name or first IP. */
export function identityOf(device: Device): string {
  if (device.tags.length > 0) return device.tags.join(',');
  if (device.user !== undefined) return device.user.includes('@') ? device.user : `${device.user}@`;
  return device.name || device.ips[0] || 'an unidentified device';
}

function formatAccess(a: Access): string {
  if (a.protos === null) return `any protocol, ports ${formatPorts(a.ports)}`;
  const ports = formatPorts(a.ports);
  if (a.protos === DEFAULT_PROTOS) return `ports ${ports}`;
  const names = a.protos.map((n) => Object.keys(PROTOCOLS).find((k) => PROTOCOLS[k]?.[0] === n) ?? String(n));
  return `${[...new Set(names)].join('/')} ports ${ports}`;
}

/** A rule whose src and dst match but whose ports/protocol do not: the likely intended rule. */
function nearMiss(policy: Policy, src: DeviceView, dst: DeviceView): string | undefined {
  for (const rule of policy.rules) {
    const srcText = matchingSrc(rule, src, dst);
    if (srcText === undefined) continue;
    const dsts = rule.dst.filter((d) => d.match(dst, src));
    if (dsts.length === 0) continue;
    const allows = dsts.flatMap((d) => d.access.map(formatAccess));
    return `${rule.id}${rule.line === undefined ? '' : ` (line ${rule.line})`} matches ${identityOf(src.device)} → ${identityOf(dst.device)} but only allows ${[...new Set(allows)].join('; ')}`;
  }
  return undefined;
}

/** When a device is tagged but its user would be allowed, say that tags replace the user. */
function taggedHint(policy: Policy, req: DecisionRequest, want: { ports: PortRange; protos: readonly number[] }): string | undefined {
  for (const side of ['src', 'dst'] as const) {
    const d = req[side];
    if (d.tags.length === 0 || d.user === undefined) continue;
    const untagged = { ...req, [side]: { ...d, tags: [] } };
    const hit = findAllowingRule(policy, view(untagged.src), view(untagged.dst), want);
    if (hit) {
      return `${side} ${d.name} is tagged ${d.tags.join(',')}, so ${hit.rule.id} (which allows its user ${identityOf({ ...d, tags: [] })}) does not apply — tagged devices are identified by their tags, not their user`;
    }
  }
  return undefined;
}

function view(d: Device): DeviceView {
  return new DeviceView(d, cachedAddr);
}

/**
 * Decides whether `src` may reach `dst` on `port` (TCP unless `proto` says UDP).
 * Default deny; the reason names the allowing rule, or on deny the closest rule and why it
 * did not apply. A denial's `reason` is computed when first read, so do not mutate the
 * request's devices before reading it.
 * @example
 * decide(policy, { src: ci, dst: operator, port: 8080 })
 * // { allowed: false, reason: 'no rule in acls or grants allows tag:ci → tag:operator:8080' }
 */
export function decide(policy: Policy, req: DecisionRequest): Decision {
  const protoName = req.proto ?? 'tcp';
  const flow = () => `${identityOf(req.src)} → ${identityOf(req.dst)}:${req.port}${protoName === 'tcp' ? '' : `/${protoName}`}`;
  if (!Number.isInteger(req.port) || req.port < 0 || req.port > 65535) {
    return denied(() => `invalid port ${req.port} for ${flow()}: ports are integers 0-65535`);
  }
  const want = { ports: { first: req.port, last: req.port }, protos: protoName === 'udp' ? ONLY_UDP : ONLY_TCP };
  const src = view(req.src);
  const dst = view(req.dst);
  const hit = findAllowingRule(policy, src, dst, want);
  if (hit) {
    const id = hit.rule.id;
    const via = id.startsWith('grants') ? `, ip ${JSON.stringify(hit.access.label)}` : '';
    return { allowed: true, rule: id, reason: `${id} allows ${flow()} (src ${JSON.stringify(hit.src)}, dst ${JSON.stringify(hit.dst.text)}${via})` };
  }
  if (policy.rules.length === 0) return denied(() => `no rule in acls or grants allows ${flow()}: the policy has no rules, so everything is denied`);
  return denied(() => {
    const hints = [nearMiss(policy, src, dst), taggedHint(policy, req, want)].filter((h) => h !== undefined);
    return [`no rule in acls or grants allows ${flow()}`, ...hints].join('; ');
  });
}

const ONLY_TCP: readonly number[] = [TCP];
const ONLY_UDP: readonly number[] = [UDP];

// A denial's reason is built on first read: finding the near-miss hints costs more than the
// decision, and callers that only branch on `allowed` should not pay for it. (An allow's
// reason is cheap and built eagerly; an object with a getter is slower to create than one
// short string.)
function denied(reason: () => string): Decision {
  let text: string | undefined;
  return {
    allowed: false,
    get reason() {
      return (text ??= reason());
    },
  };
}
