// Shared shapes: the caller's identity (Device), decisions, and the compiled policy that
// parsePolicy produces and decide reads.

import type { Access, Alias } from './alias.js';
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

/** Does a source device match an alias? */
export type SrcMatcher = (src: DeviceView) => boolean;
/** Does a destination device match an alias? (`src` is needed for autogroup:self.) */
export type DstMatcher = (dst: DeviceView, src: DeviceView) => boolean;

/** A source alias compiled to a matcher. */
export interface CompiledSrc {
  readonly text: string;
  readonly match: SrcMatcher;
}

/** A destination alias compiled to a matcher, with what the rule grants there. */
export interface CompiledDst {
  readonly text: string;
  readonly match: DstMatcher;
  readonly access: readonly Access[];
}

/** An `acls` or `grants` entry ready for evaluation. */
export interface CompiledRule {
  /** `acls[1]`, `grants[0]`. */
  readonly id: string;
  readonly line?: number;
  readonly src: readonly CompiledSrc[];
  readonly dst: readonly CompiledDst[];
}

/** An entry of the policy's `tests` section. */
export interface PolicyTestSpec {
  readonly path: string;
  readonly src: Alias;
  /** IANA protocol numbers; undefined means TCP or UDP (either satisfies an accept). */
  readonly protos?: readonly number[];
  readonly accept: readonly string[];
  readonly deny: readonly string[];
}

/** A parsed, validated and compiled Headscale policy. Immutable; safe to share. */
export interface Policy {
  readonly rules: readonly CompiledRule[];
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
