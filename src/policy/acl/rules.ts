// Validation of the access sections: `acls`, `grants` and `tests`.

import {
  DEFAULT_PROTOS, parseAlias, parseGrantIp, parsePorts, parseProtocol, portsAllowedFor, splitDestination,
  type Access, type Alias, type PortRange, type ProtoSet,
} from './alias.js';
import type { Checker, Located, Member } from './check.js';
import { joinPath } from './hujson.js';
import { parseIpPrefix } from './ip.js';
import { checkAlias, type AliasRole, type Definitions } from './refs.js';
import type { PolicyTestSpec, PolicyTestTarget } from './types.js';

/** A validated `acls` entry. */
export interface CheckedAcl {
  readonly id: string;
  readonly src: readonly Alias[];
  readonly dst: readonly { alias: Alias; text: string; ports: readonly PortRange[] }[];
  readonly protos: ProtoSet;
}

/** A validated `grants` entry. `via` grants route to subnets and never match device-to-device. */
export interface CheckedGrant {
  readonly id: string;
  readonly src: readonly Alias[];
  readonly dst: readonly Alias[];
  readonly access: readonly Access[];
  readonly via: readonly string[];
}

/** The keys an entry of a section may have, and whether `#` keys are comments there. */
interface SectionShape {
  readonly section: string;
  readonly keys: readonly string[];
  readonly allowComments?: boolean;
}

function entries(c: Checker, member: Member | undefined, shape: SectionShape) {
  const { section, keys, allowComments = false } = shape;
  const items = member === undefined ? [] : (c.array(member.value, member.path, `"${section}"`) ?? []);
  return items.flatMap((item, i) => {
    const path = joinPath(member?.path ?? section, i);
    const obj = c.object(item, path, `each entry of "${section}"`);
    const id = joinPath(section, i);
    return obj ? [{ path, id, m: c.members(obj, path, { keys, what: `an entry of "${section}"`, allowComments }) }] : [];
  });
}

function aliases(c: Checker, defs: Definitions, member: Member | undefined, ctx: { path: string; key: string; role: AliasRole }): Alias[] {
  if (!member) {
    c.report(ctx.path, `missing "${ctx.key}"`, `add "${ctx.key}": [ … ] (use ["*"] for everything)`);
    return [];
  }
  return c.strings(member.value, member.path, `"${ctx.key}"`).flatMap((s) => checkAlias(c, defs, s, ctx.role) ?? []);
}

function proto(c: Checker, member: Member | undefined): ProtoSet | undefined {
  if (!member) return DEFAULT_PROTOS;
  const text = c.string(member.value, member.path, '"proto"');
  if (text === undefined) return undefined;
  const parsed = parseProtocol(text);
  if (parsed.ok) return parsed.value;
  c.report(member.path, parsed.error.replace(/ — .*$/, ''), parsed.error.replace(/^.* — /, ''));
  return undefined;
}

/** An ACL destination `alias:ports`. */
function aclDestination(c: Checker, defs: Definitions, at: Located, role: AliasRole = 'dst'): CheckedAcl['dst'][number] | undefined {
  const { text, path } = at;
  const split = splitDestination(text);
  if (!split.ok) return void c.report(path, split.error.replace(/ — .*$/, ''), split.error.replace(/^.* — /, ''));
  const ports = parsePorts(split.value.ports);
  if (!ports.ok) return void c.report(path, ports.error.replace(/ — .*$/, ''), ports.error.replace(/^.* — /, ''));
  const alias = checkAlias(c, defs, { text: split.value.alias, path }, role);
  return alias && { alias, text, ports: ports.value };
}

/** `acls`: `[{ action: "accept", src: [...], dst: ["alias:ports"], proto? }]`. */
export function checkAcls(c: Checker, defs: Definitions, member: Member | undefined): CheckedAcl[] {
  return entries(c, member, { section: 'acls', keys: ['action', 'src', 'dst', 'proto'], allowComments: true }).map(({ path, id, m }) => {
    const action = m.get('action');
    const actionText = action ? c.string(action.value, action.path, '"action"') : undefined;
    if (actionText !== 'accept') {
      const why = actionText === undefined ? 'missing "action"' : `action ${JSON.stringify(actionText)} is not supported`;
      c.report(action?.path ?? path, why, 'use "action": "accept" — policies only allow; everything not accepted is denied');
    }
    const src = aliases(c, defs, m.get('src'), { path, key: 'src', role: 'src' });
    const dstMember = m.get('dst');
    if (!dstMember) c.report(path, 'missing "dst"', 'add "dst": ["tag:web:443"]');
    const dst = dstMember ? c.strings(dstMember.value, dstMember.path, '"dst"').flatMap((d) => aclDestination(c, defs, d) ?? []) : [];
    const protos = proto(c, m.get('proto')) ?? DEFAULT_PROTOS;
    const protoMember = m.get('proto');
    if (protoMember && !dst.every((d) => portsAllowedFor(protos, d.ports))) {
      c.report(protoMember.path, `protocol ${JSON.stringify(protoMember.value)} has no ports but a destination names specific ports`, 'use ":*" in every destination of this rule');
    }
    return { id, src, dst, protos };
  });
}

/** A grant destination is an alias without ports; ports go in `ip`. */
function grantDestination(c: Checker, defs: Definitions, at: Located): Alias | undefined {
  const { text, path } = at;
  // "tag:web:443" would otherwise read as an undefined tag named "tag:web:443".
  const split = parseIpPrefix(text) ? undefined : splitDestination(text);
  if (split?.ok && /^[\d,*-]+$/.test(split.value.ports) && parseAlias(split.value.alias).ok) {
    c.report(path, `grant destination ${JSON.stringify(text)} includes ports`, `write ${JSON.stringify(split.value.alias)} in "dst" and put the ports in "ip", e.g. "ip": ["tcp:${split.value.ports}"]`);
    return undefined;
  }
  return checkAlias(c, defs, at, 'dst');
}

/** `grants`: `[{ src, dst, ip?, app?, via? }]`; at least one of `ip` and `app`. */
export function checkGrants(c: Checker, defs: Definitions, member: Member | undefined): CheckedGrant[] {
  return entries(c, member, { section: 'grants', keys: ['src', 'dst', 'ip', 'app', 'via'] }).map(({ path, id, m }) => {
    const src = aliases(c, defs, m.get('src'), { path, key: 'src', role: 'src' });
    const dstMember = m.get('dst');
    if (!dstMember) c.report(path, 'missing "dst"', 'add "dst": ["tag:web"]');
    const dst = dstMember ? c.strings(dstMember.value, dstMember.path, '"dst"').flatMap((d) => grantDestination(c, defs, d) ?? []) : [];
    const ip = m.get('ip');
    const app = m.get('app');
    if (!ip && !app) c.report(path, 'grant has neither "ip" nor "app"', 'add "ip": ["tcp:443"] (network access) or "app": { … } (capabilities)');
    if (app) c.object(app.value, app.path, '"app"');
    const access = (ip ? c.strings(ip.value, ip.path, '"ip"') : []).flatMap((e) => {
      const parsed = parseGrantIp(e.text);
      if (parsed.ok) return [parsed.value];
      c.report(e.path, parsed.error.replace(/ — .*$/, ''), parsed.error.includes(' — ') ? parsed.error.replace(/^.* — /, '') : 'use "*", "443", "tcp:443", "udp:53" or "icmp:*"');
      return [];
    });
    const viaMember = m.get('via');
    const via: string[] = [];
    for (const v of viaMember ? c.strings(viaMember.value, viaMember.path, '"via"') : []) {
      if (!v.text.startsWith('tag:')) c.report(v.path, `via ${JSON.stringify(v.text)} must be a tag`, 'name the tagged subnet routers, e.g. "tag:router"');
      else if (checkAlias(c, defs, v, 'owner')) via.push(v.text);
    }
    return { id, src, dst, access, via };
  });
}

/** `tests`: `[{ src: "alias", proto?, accept?: ["alias:port"], deny?: [...] }]`. */
export function checkTests(c: Checker, defs: Definitions, member: Member | undefined): PolicyTestSpec[] {
  return entries(c, member, { section: 'tests', keys: ['src', 'proto', 'accept', 'deny'] }).flatMap(({ path, m }) => {
    const srcMember = m.get('src');
    const srcText = srcMember ? c.string(srcMember.value, srcMember.path, '"src"') : undefined;
    if (!srcMember) c.report(path, 'test has no "src"', 'add "src": "tag:ci" (a single alias)');
    const src = srcText === undefined ? undefined : checkAlias(c, defs, { text: srcText.trim(), path: srcMember?.path ?? path }, 'test-src');
    const protoMember = m.get('proto');
    const protos = protoMember ? proto(c, protoMember) : undefined;
    const lists = { accept: [] as PolicyTestTarget[], deny: [] as PolicyTestTarget[] };
    for (const key of ['accept', 'deny'] as const) {
      const member = m.get(key);
      for (const d of member ? c.strings(member.value, member.path, `"${key}"`) : []) {
        const target = aclDestination(c, defs, d, 'test-dst');
        if (target) lists[key].push(target);
      }
    }
    if (!src) return [];
    return [{ path, src, ...(protoMember && protos ? { protos } : {}), ...lists }];
  });
}
