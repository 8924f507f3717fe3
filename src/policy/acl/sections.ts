// Validation of the definition sections (groups, hosts, tagOwners) and of the sections Weft
// does not evaluate but Headscale would reject if wrong (autoApprovers, nodeAttrs, ssh,
// sshTests, randomizeClientPort).

import { parseIpPrefix, type IpPrefix } from './ip.js';
import type { Checker, Member } from './check.js';
import { joinPath, type JsonValue } from './hujson.js';
import { checkAlias, type Definitions } from './refs.js';

/** `groups`: `group:` names → user members (`alice@`); nested groups are not allowed. */
export function checkGroups(c: Checker, value: JsonValue | undefined, base = 'groups'): Map<string, string[]> {
  const out = new Map<string, string[]>();
  const obj = value === undefined ? undefined : c.object(value, base, '"groups"');
  for (const [name, members] of Object.entries(obj ?? {})) {
    const path = joinPath(base, name);
    if (!name.startsWith('group:')) c.report(path, `group name ${JSON.stringify(name)} must start with "group:"`, `rename it to "group:${name}"`);
    const logins: string[] = [];
    for (const m of c.strings(members, path, `group ${JSON.stringify(name)}`)) {
      if (m.text.includes('@')) logins.push(m.text.endsWith('@') ? m.text.slice(0, -1) : m.text);
      else if (m.text.startsWith('group:')) c.report(m.path, `nested group ${JSON.stringify(m.text)} inside ${JSON.stringify(name)} is not allowed`, 'list its users here instead');
      else c.report(m.path, `group member ${JSON.stringify(m.text)} is not a user`, `write users with a trailing @, e.g. "${m.text}@"; tags and hosts cannot be group members`);
    }
    out.set(name, logins);
  }
  return out;
}

/** `hosts`: names (no `@` or `:`) → an IP or CIDR. */
export function checkHosts(c: Checker, value: JsonValue | undefined, base = 'hosts'): Map<string, IpPrefix> {
  const out = new Map<string, IpPrefix>();
  const obj = value === undefined ? undefined : c.object(value, base, '"hosts"');
  for (const [name, v] of Object.entries(obj ?? {})) {
    const path = joinPath(base, name);
    if (name === '' || name.includes('@') || name.includes(':')) {
      c.report(path, `host name ${JSON.stringify(name)} is invalid`, 'use a plain name without "@" or ":" such as "db-primary"');
      continue;
    }
    const text = c.string(v, path, `host ${JSON.stringify(name)}`);
    const prefix = text === undefined ? undefined : parseIpPrefix(text);
    if (text !== undefined && !prefix) c.report(path, `host ${JSON.stringify(name)} has invalid IP/CIDR ${JSON.stringify(text)}`, 'use an address like "100.64.0.10" or a CIDR like "10.0.0.0/24"');
    if (prefix) out.set(name, prefix);
  }
  return out;
}

/** `tagOwners` keys and raw owner lists; references are checked once every definition is known. */
export function readTagOwners(c: Checker, value: JsonValue | undefined, base = 'tagOwners'): Map<string, { text: string; path: string }[]> {
  const out = new Map<string, { text: string; path: string }[]>();
  const obj = value === undefined ? undefined : c.object(value, base, '"tagOwners"');
  for (const [tag, owners] of Object.entries(obj ?? {})) {
    const path = joinPath(base, tag);
    if (!tag.startsWith('tag:')) c.report(path, `tag ${JSON.stringify(tag)} must start with "tag:"`, `rename it to "tag:${tag}"`);
    out.set(tag, c.strings(owners, path, `owners of ${JSON.stringify(tag)}`));
  }
  return out;
}

/** Owners must be users, defined groups or defined tags, and tag ownership must not loop. */
export function checkTagOwners(c: Checker, defs: Definitions, raw: Map<string, { text: string; path: string }[]>, base = 'tagOwners'): Map<string, string[]> {
  const out = new Map<string, string[]>();
  for (const [tag, owners] of raw) {
    out.set(tag, owners.filter((o) => checkAlias(c, defs, o, 'owner')).map((o) => o.text));
  }
  const state = new Map<string, 'visiting' | 'done'>();
  const visit = (tag: string, chain: string[]): void => {
    if (state.get(tag) === 'done') return;
    if (state.get(tag) === 'visiting') {
      const cycle = [...chain.slice(chain.indexOf(tag)), tag].join(' → ');
      c.report(joinPath(base, tag), `circular tag ownership: ${cycle}`, 'make one of these tags owned by a user or group instead');
      return;
    }
    state.set(tag, 'visiting');
    for (const o of out.get(tag) ?? []) if (o.startsWith('tag:') && out.has(o)) visit(o, [...chain, tag]);
    state.set(tag, 'done');
  };
  for (const tag of out.keys()) visit(tag, []);
  return out;
}

/** `autoApprovers`: `{ routes: { cidr: [owners] }, exitNode: [owners] }`. */
export function checkAutoApprovers(c: Checker, defs: Definitions, value: JsonValue | undefined, base = 'autoApprovers'): void {
  const obj = value === undefined ? undefined : c.object(value, base, '"autoApprovers"');
  if (!obj) return;
  const m = c.members(obj, base, { keys: ['routes', 'exitNode'], what: '"autoApprovers"' });
  const routes = m.get('routes');
  const routeObj = routes ? c.object(routes.value, routes.path, '"routes"') : undefined;
  for (const [cidr, approvers] of Object.entries(routeObj ?? {})) {
    const path = joinPath(routes?.path ?? '', cidr);
    if (!parseIpPrefix(cidr)) c.report(path, `route ${JSON.stringify(cidr)} is not a valid CIDR`, 'use a prefix such as "10.0.0.0/24"');
    for (const a of c.strings(approvers, path, 'approvers')) checkAlias(c, defs, a, 'owner');
  }
  const exit = m.get('exitNode');
  for (const a of exit ? c.strings(exit.value, exit.path, '"exitNode"') : []) checkAlias(c, defs, a, 'owner');
}

/** `nodeAttrs`: `[{ target: [aliases], attr: [strings], app?: {…} }]`. */
export function checkNodeAttrs(c: Checker, defs: Definitions, value: JsonValue | undefined, base = 'nodeAttrs'): void {
  const items = value === undefined ? [] : (c.array(value, base, '"nodeAttrs"') ?? []);
  items.forEach((item, i) => {
    const path = joinPath(base, i);
    const obj = c.object(item, path, 'a nodeAttrs entry');
    if (!obj) return;
    const m = c.members(obj, path, { keys: ['target', 'attr', 'app'], what: 'a nodeAttrs entry' });
    const target = m.get('target');
    if (!target) c.report(path, 'nodeAttrs entry has no "target"', 'add "target": ["*"] or the devices it applies to');
    for (const t of target ? c.strings(target.value, target.path, '"target"') : []) {
      if (t.text !== '*') checkAlias(c, defs, t, 'target');
    }
    const attr = m.get('attr');
    if (attr) c.strings(attr.value, attr.path, '"attr"');
  });
}

const SSH_KEYS = ['action', 'src', 'dst', 'users', 'checkPeriod', 'acceptEnv'];

/** `ssh`: `[{ action: accept|check, src, dst, users, checkPeriod? }]`. */
export function checkSsh(c: Checker, defs: Definitions, value: JsonValue | undefined, base = 'ssh'): void {
  const items = value === undefined ? [] : (c.array(value, base, '"ssh"') ?? []);
  items.forEach((item, i) => {
    const path = joinPath(base, i);
    const obj = c.object(item, path, 'an ssh rule');
    if (!obj) return;
    const m = c.members(obj, path, { keys: SSH_KEYS, what: 'an ssh rule' });
    checkSshAction(c, m.get('action'), path);
    for (const [key, role] of [['src', 'ssh-src'], ['dst', 'ssh-dst']] as const) {
      const member = m.get(key);
      for (const a of member ? c.strings(member.value, member.path, `"${key}"`) : []) {
        if (!(key === 'dst' && a.text === '*')) checkAlias(c, defs, a, role);
      }
    }
    checkSshUsers(c, m.get('users'));
  });
}

/** An ssh rule's `action`: accept or check. */
function checkSshAction(c: Checker, action: Member | undefined, path: string): void {
  const actionText = action ? c.string(action.value, action.path, '"action"') : undefined;
  if (actionText !== 'accept' && actionText !== 'check') c.report(action?.path ?? path, `ssh action ${JSON.stringify(actionText ?? '')} is invalid`, 'use "accept" or "check"');
}

/** An ssh rule's `users`: login names, "root" or autogroup:nonroot (no other autogroup). */
function checkSshUsers(c: Checker, users: Member | undefined): void {
  for (const u of users ? c.strings(users.value, users.path, '"users"') : []) {
    if (u.text.startsWith('autogroup:') && u.text !== 'autogroup:nonroot') c.report(u.path, `${u.text} is not valid in ssh users`, 'use a login name, "root" or "autogroup:nonroot"');
  }
}

/** `sshTests`: `[{ src, dst: [..], accept?, deny?, check? }]` — shape and references only. */
export function checkSshTests(c: Checker, defs: Definitions, value: JsonValue | undefined, base = 'sshTests'): void {
  const items = value === undefined ? [] : (c.array(value, base, '"sshTests"') ?? []);
  items.forEach((item, i) => {
    const path = joinPath(base, i);
    const obj = c.object(item, path, 'an sshTests entry');
    if (!obj) return;
    const m = c.members(obj, path, { keys: ['src', 'dst', 'accept', 'deny', 'check'], what: 'an sshTests entry' });
    const src = m.get('src');
    const srcText = src ? c.string(src.value, src.path, '"src"') : undefined;
    if (srcText === undefined) c.report(path, 'sshTests entry has no "src"', 'add "src": "alice@"');
    else checkAlias(c, defs, { text: srcText, path: src?.path ?? path }, 'ssh-src');
    const dst = m.get('dst');
    for (const d of dst ? c.strings(dst.value, dst.path, '"dst"') : []) checkAlias(c, defs, d, 'ssh-dst');
    for (const key of ['accept', 'deny', 'check']) {
      const list = m.get(key);
      if (list) c.strings(list.value, list.path, `"${key}"`);
    }
  });
}
