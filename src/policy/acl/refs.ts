// Alias references: every group, tag and host a rule names must be defined, and each autogroup
// is only valid in some positions (Headscale's validateAutogroupForSrc/Dst/SSH*).

import { AUTOGROUPS, parseAlias, type Alias } from './alias.js';
import { suggest, type Checker, type Located } from './check.js';

/** What the policy defines, for reference checks. */
export interface Definitions {
  readonly groups: ReadonlySet<string>;
  readonly tags: ReadonlySet<string>;
  readonly hosts: ReadonlySet<string>;
}

/** Where an alias appears; decides which alias kinds and autogroups are allowed. */
export type AliasRole = 'src' | 'dst' | 'test-src' | 'test-dst' | 'ssh-src' | 'ssh-dst' | 'target' | 'owner';

const AUTOGROUPS_FOR: Record<AliasRole, readonly string[]> = {
  src: ['autogroup:member', 'autogroup:tagged', 'autogroup:danger-all'],
  'test-src': ['autogroup:member', 'autogroup:tagged', 'autogroup:danger-all'],
  dst: ['autogroup:internet', 'autogroup:member', 'autogroup:tagged', 'autogroup:self'],
  'test-dst': ['autogroup:internet', 'autogroup:member', 'autogroup:tagged'],
  'ssh-src': ['autogroup:member', 'autogroup:tagged'],
  'ssh-dst': ['autogroup:member', 'autogroup:tagged', 'autogroup:self'],
  target: ['autogroup:member', 'autogroup:tagged'],
  owner: [],
};

const WHERE_ONLY: Record<string, string> = {
  'autogroup:self': 'autogroup:self can only be used in destinations',
  'autogroup:internet': 'autogroup:internet can only be used in destinations (exit-node traffic)',
  'autogroup:danger-all': 'autogroup:danger-all can only be used as a source',
  'autogroup:nonroot': 'autogroup:nonroot can only be used in the "users" of ssh rules',
};

function checkAutogroup(c: Checker, alias: Alias, path: string, role: AliasRole): boolean {
  if (!(AUTOGROUPS as readonly string[]).includes(alias.text)) {
    const near = suggest(alias.text, AUTOGROUPS);
    c.report(path, `unknown autogroup ${JSON.stringify(alias.text)}`, `${near ? `did you mean ${JSON.stringify(near)}? ` : ''}Headscale knows ${AUTOGROUPS.join(', ')}`);
    return false;
  }
  const allowed = AUTOGROUPS_FOR[role];
  if (allowed.includes(alias.text)) return true;
  if (role === 'test-dst' && alias.text === 'autogroup:self') {
    c.report(path, 'autogroup:self cannot be resolved in tests', 'test a concrete destination instead, e.g. "alice@:22"');
    return false;
  }
  const why = WHERE_ONLY[alias.text] ?? `${alias.text} is not supported here`;
  c.report(path, why, allowed.length ? `here use one of ${allowed.join(', ')}` : 'use a user, group or tag');
  return false;
}

function checkDefined(c: Checker, defs: Definitions, alias: Alias, path: string): boolean {
  const [set, section, example] =
    alias.kind === 'group' ? [defs.groups, 'groups', `"${alias.text}": ["alice@"]`]
    : alias.kind === 'tag' ? [defs.tags, 'tagOwners', `"${alias.text}": ["group:ops"]`]
    : alias.kind === 'host' ? [defs.hosts, 'hosts', `"${alias.text}": "100.64.0.10"`]
    : [undefined, '', ''];
  if (!set || set.has(alias.text)) return true;
  const near = suggest(alias.text, set);
  const what = alias.kind === 'host' ? 'host' : alias.kind;
  c.report(
    path,
    `${what} ${JSON.stringify(alias.text)} is not defined in "${section}"`,
    `${near ? `did you mean ${JSON.stringify(near)}? Otherwise ` : ''}add ${example} to "${section}" or remove the reference`,
  );
  return false;
}

/**
 * Parses an alias (`at.text`, found at `at.path`) and checks it is valid in `role` and that what
 * it names is defined. Returns the alias when it is usable, otherwise undefined (after reporting why).
 */
export function checkAlias(c: Checker, defs: Definitions, at: Located, role: AliasRole): Alias | undefined {
  const { text, path } = at;
  const parsed = parseAlias(text);
  if (!parsed.ok) {
    c.report(path, parsed.error.replace(/ — .*$/, ''), parsed.error.replace(/^.* — /, ''));
    return undefined;
  }
  const alias = parsed.value;
  if (role === 'owner' && !['user', 'group', 'tag'].includes(alias.kind)) {
    c.report(path, `${JSON.stringify(text)} cannot own or approve anything`, 'use a user ("alice@"), a "group:…" or a "tag:…"');
    return undefined;
  }
  if ((role === 'ssh-src' || role === 'target') && alias.kind === 'host') {
    c.report(path, `host ${JSON.stringify(text)} is not allowed here`, 'use a user, group, tag or autogroup');
    return undefined;
  }
  if (alias.kind === 'autogroup' && !checkAutogroup(c, alias, path, role)) return undefined;
  return checkDefined(c, defs, alias, path) ? alias : undefined;
}
