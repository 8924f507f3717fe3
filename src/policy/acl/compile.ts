// Turns validated rules into matchers once, at load time, so `decide` only runs closures over
// the two devices: no alias parsing, map lookups by name or set building per decision.

import type { Access, Alias } from './alias.js';
import { isInternetAddr, prefixContains, type IpPrefix } from './ip.js';
import type { CheckedAcl, CheckedGrant } from './rules.js';
import type { CompiledRule, Matcher, RuleIndex } from './types.js';

/** The definitions matchers close over. */
export interface MatchContext {
  readonly groups: ReadonlyMap<string, readonly string[]>;
  readonly hosts: ReadonlyMap<string, IpPrefix>;
}

const always: Matcher = () => true;
const never: Matcher = () => false;

function byPrefix(prefix: IpPrefix): Matcher {
  return (d) => d.addrs.some((a) => prefixContains(prefix, a));
}

function autogroupMatcher(name: string): Matcher {
  switch (name) {
    case 'autogroup:member':
      return (d) => d.device.tags.length === 0 && d.device.user !== undefined;
    case 'autogroup:tagged':
      return (d) => d.device.tags.length > 0;
    case 'autogroup:danger-all':
      return always;
    case 'autogroup:internet':
      return (d) => d.addrs.some(isInternetAddr);
    case 'autogroup:self':
      // Same user on both ends, neither tagged (tagged devices have no user identity).
      return (d, peer) => d.login !== undefined && d.login === peer.login;
    default:
      return never;
  }
}

/** Compiles one alias to a matcher (validation has already rejected undefined references). */
export function aliasMatcher(alias: Alias, ctx: MatchContext): Matcher {
  switch (alias.kind) {
    case 'wildcard':
      return always;
    case 'user': {
      const login = alias.login;
      return (d) => d.login === login;
    }
    case 'group': {
      const members = new Set(ctx.groups.get(alias.text) ?? []);
      return (d) => {
        const login = d.login;
        return login !== undefined && members.has(login);
      };
    }
    case 'tag': {
      const tag = alias.text;
      return (d) => d.device.tags.includes(tag);
    }
    case 'host': {
      const prefix = ctx.hosts.get(alias.text);
      return prefix ? byPrefix(prefix) : never;
    }
    case 'prefix':
      return byPrefix(alias.prefix);
    case 'autogroup':
      return autogroupMatcher(alias.text);
  }
}

const tagOf = (alias: Alias): { tag?: string } => (alias.kind === 'tag' ? { tag: alias.text } : {});

function compileAcl(acl: CheckedAcl, ctx: MatchContext, line?: number): CompiledRule {
  return {
    id: acl.id,
    ...(line === undefined ? {} : { line }),
    src: acl.src.map((a) => ({ text: a.text, match: aliasMatcher(a, ctx) })),
    dst: acl.dst.map((d) => {
      const label = d.text.slice(d.text.lastIndexOf(':') + 1);
      const access: Access[] = [{ protos: acl.protos, ports: d.ports, label }];
      return { text: d.text, match: aliasMatcher(d.alias, ctx), access, ...tagOf(d.alias) };
    }),
  };
}

function compileGrant(grant: CheckedGrant, ctx: MatchContext, line?: number): CompiledRule {
  // `via` grants reach subnet routes through tagged routers, and app-only grants confer
  // capabilities, not connectivity: neither allows a device-to-device connection.
  const access = grant.via.length > 0 ? [] : grant.access;
  return {
    id: grant.id,
    ...(line === undefined ? {} : { line }),
    src: grant.src.map((a) => ({ text: a.text, match: aliasMatcher(a, ctx) })),
    dst: access.length === 0 ? [] : grant.dst.map((a) => ({ text: a.text, match: aliasMatcher(a, ctx), access, ...tagOf(a) })),
  };
}

/** Compiles `acls` then `grants` into rules; `lineOf` supplies each rule's source line. */
export function compileRules(
  acls: readonly CheckedAcl[],
  grants: readonly CheckedGrant[],
  ctx: MatchContext,
  lineOf: (id: string) => number | undefined,
): CompiledRule[] {
  return [
    ...acls.map((a) => compileAcl(a, ctx, lineOf(a.id))),
    ...grants.map((g) => compileGrant(g, ctx, lineOf(g.id))),
  ].filter((r) => r.src.length > 0 && r.dst.length > 0);
}

/** Indexes rules by destination tag (see RuleIndex). */
export function indexRules(rules: readonly CompiledRule[]): RuleIndex {
  const byDstTag = new Map<string, number[]>();
  const anyDst: number[] = [];
  rules.forEach((rule, i) => {
    if (!rule.dst.every((d) => d.tag !== undefined)) {
      anyDst.push(i);
      return;
    }
    for (const tag of new Set(rule.dst.map((d) => d.tag as string))) byDstTag.set(tag, [...(byDstTag.get(tag) ?? []), i]);
  });
  return { byDstTag, anyDst };
}
