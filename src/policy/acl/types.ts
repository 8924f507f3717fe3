// Shared shapes: the caller's identity (Device), decisions, and the compiled policy that
// parsePolicy produces and decide reads.

import type { Access, Alias, PortRange } from './alias.js';
import type { SourcePosition } from './hujson.js';
import type { IpAddr, IpPrefix } from './ip.js';

/**
 * A tailnet device as Headscale knows it. A tagged device is identified by its tags only: its
 * user is ignored for matching (tags replace user identity, as in Tailscale).
 */
export interface Device {
  /** Node name, used in messages. */
  readonly name: string;
  /** Tailnet addresses (IPv4 and/or IPv6), matched against hosts and IP/CIDR aliases. */
  readonly ips: readonly string[];
  /** Owner login without the trailing `@` (`alice` for `alice@`; email logins as-is). */
  readonly user?: string;
  /** Tags with their prefix, e.g. `["tag:operator"]`. */
  readonly tags: readonly string[];
}

/** Transport protocols a control-plane write can use. */
export type TransportProto = 'tcp' | 'udp';

/** One question for `decide`: may `src` reach `dst` on `port`? */
export interface DecisionRequest {
  readonly src: Device;
  readonly dst: Device;
  readonly port: number;
  /** Defaults to `tcp`. */
  readonly proto?: TransportProto;
}

/** The answer: allowed or not, which rule decided, and a sentence saying why. */
export interface Decision {
  readonly allowed: boolean;
  /** The allowing rule, e.g. `acls[1]` or `grants[0]`; absent on deny. */
  readonly rule?: string;
  readonly reason: string;
}

/** A device with its addresses parsed on first use (hosts/IPs/autogroup:internet only). */
export class DeviceView {
  private parsed?: readonly IpAddr[];
  constructor(
    readonly device: Device,
    private readonly parse: (ip: string) => IpAddr | undefined,
  ) {}

  get addrs(): readonly IpAddr[] {
    if (!this.parsed) this.parsed = this.device.ips.flatMap((ip) => this.parse(ip) ?? []);
    return this.parsed;
  }

  /** Untagged devices carry user identity; tagged ones do not. */
  get login(): string | undefined {
    return this.device.tags.length === 0 ? this.device.user : undefined;
  }
}

/**
 * Does `device` match an alias? `peer` is the other end of the connection; only
 * autogroup:self (same user on both ends) looks at it.
 */
export type Matcher = (device: DeviceView, peer: DeviceView) => boolean;

/** A source alias compiled to a matcher. */
export interface CompiledSrc {
  readonly text: string;
  readonly match: Matcher;
}

/** A destination alias compiled to a matcher, with what the rule grants there. */
export interface CompiledDst {
  readonly text: string;
  readonly match: Matcher;
  readonly access: readonly Access[];
  /** Set when the alias is a tag, for the rule index. */
  readonly tag?: string;
}

/** Rule positions by destination tag, so `decide` skips rules that cannot match the dst. */
export interface RuleIndex {
  /** Rules whose destinations are all tags, listed (ascending) under each of those tags. */
  readonly byDstTag: ReadonlyMap<string, readonly number[]>;
  /** Rules with a destination that is not a tag (users, groups, IPs, hosts, autogroups, `*`). */
  readonly anyDst: readonly number[];
}

/** An `acls` or `grants` entry ready for evaluation. */
export interface CompiledRule {
  /** `acls[1]`, `grants[0]`. */
  readonly id: string;
  readonly line?: number;
  readonly src: readonly CompiledSrc[];
  readonly dst: readonly CompiledDst[];
}

/** A destination in a test: `alias:ports` as written and parsed. */
export interface PolicyTestTarget {
  readonly text: string;
  readonly alias: Alias;
  readonly ports: readonly PortRange[];
}

/** An entry of the policy's `tests` section. */
export interface PolicyTestSpec {
  readonly path: string;
  readonly src: Alias;
  /** IANA protocol numbers; undefined means the default set (TCP, UDP, ICMP), any of which satisfies. */
  readonly protos?: readonly number[];
  readonly accept: readonly PolicyTestTarget[];
  readonly deny: readonly PolicyTestTarget[];
}

/** A parsed, validated and compiled Headscale policy. Immutable; safe to share. */
export interface Policy {
  readonly rules: readonly CompiledRule[];
  readonly index: RuleIndex;
  readonly tests: readonly PolicyTestSpec[];
  /** `group:x` → member logins (without `@`). */
  readonly groups: ReadonlyMap<string, readonly string[]>;
  readonly hosts: ReadonlyMap<string, IpPrefix>;
  /** `tag:x` → owners as written (`alice@`, `group:x`, `tag:y`). */
  readonly tagOwners: ReadonlyMap<string, readonly string[]>;
  /** Every login the policy names (groups, tag owners, rules, tests), for synthesized test devices. */
  readonly users: readonly string[];
  /** Where each JSON path starts in the source, for messages. */
  readonly positions: ReadonlyMap<string, SourcePosition>;
}
