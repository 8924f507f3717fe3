/**
 * The checks the per-kind webhooks compose: schema, tag ownership, the tailnet ACL's owners of an
 * org, quota; and the defaulters: schema defaults, the org label. Each returns a denial or nothing;
 * {@link firstDenial} runs them in order and stops at the first.
 */
import type { KubernetesObject } from '@kubernetes/client-node';
import { withDefaults } from '../src/api/defaults.js';
import { ORG_LABEL } from '../src/api/labels.js';
import { formatErrors, validate, type WeftKind } from '../src/api/validate.js';
import { canApplyTag } from '../src/policy/acl/owners.js';
import { chargeOf, quotaViolation, standingCharge, type ChargedKind } from '../src/policy/quota.js';
import { unownedTags } from '../src/policy/weft-policy.js';
import type { PatchOp, Review, Verdict } from './types.js';

/** The `spec` fields the shared checks read. */
export interface CommonSpec {
  org?: string;
  tags?: string[];
  placement?: { requiredTags?: string[]; preferredTags?: Array<{ tag: string }> };
}
/** The spec of an object, or `{}`. */
export const specOf = (o: KubernetesObject | undefined): CommonSpec => ((o as { spec?: CommonSpec } | undefined)?.spec ?? {}) as CommonSpec;

const ALLOWED: Verdict = { allowed: true };
export const denied = (code: number, reason: string, message: string): Verdict => ({ allowed: false, code, reason, message });
/** A lazily evaluated check: checks with side effects (quota) run only if all before them passed. */
export type Check = () => Verdict | undefined;

/** Runs checks in order; the first denial wins. */
export function firstDenial(...checks: Check[]): Verdict {
  for (const check of checks) {
    const v = check();
    if (v && !v.allowed) return v;
  }
  return ALLOWED;
}

/** The tailnet tag whose owners may create objects for `org`. */
export const orgTag = (org: string) => `tag:org-${org}`;

/** Tags an object carries itself (MeshNode, OrgCluster: `spec.tags`). */
export const ownTags = (obj: KubernetesObject | undefined): string[] => [...(specOf(obj).tags ?? [])];
/** Tags an object requires or prefers for its placement (Workload, Job, AgentTask). */
export const placementTags = (obj: KubernetesObject | undefined): string[] => {
  const p = specOf(obj).placement;
  return [...(p?.requiredTags ?? []), ...(p?.preferredTags ?? []).map((t) => t.tag)];
};

/** Schema validation: 422 naming every offending field. */
export function checkSchema(obj: KubernetesObject, _old: KubernetesObject | undefined, r: Review): Verdict | undefined {
  const errors = validate(r.kind, obj);
  return errors.length > 0 ? denied(422, 'Invalid', formatErrors(r.kind, r.name, errors)) : undefined;
}

/**
 * Tag ownership (weft-policy `tagOwners`): tags new to the object (or all of them, when its org
 * changed) must be owned by its org.
 */
export function checkTagOwners(tagsOf: (o: KubernetesObject | undefined) => string[], obj: KubernetesObject, old: KubernetesObject | undefined, r: Review): Verdict | undefined {
  const org = specOf(obj).org ?? '';
  const oldTags = new Set(tagsOf(old));
  const added = tagsOf(obj).filter((t) => !oldTags.has(t) || specOf(old).org !== org);
  const bad = unownedTags(r.ctx.policy(), org, added);
  if (bad.length === 0) return undefined;
  const what = bad.map((b) => `tag "${b.tag}" is owned by org ${b.owners.join(', ')}`).join('; ');
  return denied(403, 'Forbidden', `${r.kind} ${r.name}: ${what}; org ${org} may not use it: remove the tag, or have an admin add ${org} to tagOwners in the weft-policy ConfigMap`);
}

/**
 * The tailnet ACL (MeshACL gate): on creation or an org change, the requesting user must own the
 * org's tag (`tag:org-<org>`) in the ACL policy's tagOwners.
 */
export function checkOrgOwner(obj: KubernetesObject, old: KubernetesObject | undefined, r: Review): Verdict | undefined {
  const org = specOf(obj).org ?? '';
  if (old && specOf(old).org === org) return undefined;
  const acl = r.ctx.acl?.();
  const user = r.req.userInfo ?? {};
  if (!acl || r.ctx.aclExempt?.(user)) return undefined;
  const username = user.username ?? '';
  const tag = orgTag(org);
  if (canApplyTag(acl, { name: username, ips: [], user: username, tags: [] }, tag)) return undefined;
  const owners = acl.tagOwners.has(tag) ? `the owners of ${tag} in the ACL policy's tagOwners` : `nobody: ${tag} has no entry in the ACL policy's tagOwners`;
  return denied(403, 'Forbidden', `${r.kind} ${r.name}: user "${username}" may not create objects for org ${org}: the tailnet ACL policy lets ${owners} do so; add "${username}@" (or a group of theirs) to tagOwners["${tag}"]`);
}

/**
 * Quota (weft-policy `orgs.<org>.quota`): a creation, or an update that changes what the object
 * charges, must fit. An allowed charge is assumed in the ledger at once (unless dry run), so a burst
 * of creations cannot slip past the limit between two cache updates.
 */
export function checkQuota(kind: ChargedKind, obj: KubernetesObject, old: KubernetesObject | undefined, r: Review): Verdict | undefined {
  const key = `${kind}/${r.name}`;
  const charge = chargeOf(kind, withDefaults(kind, obj));
  if (old && JSON.stringify(chargeOf(kind, withDefaults(kind, old))) === JSON.stringify(charge)) return undefined;
  const violation = quotaViolation(r.ctx.policy(), charge, (cls) => r.ctx.ledger.usage(charge.org, cls, key));
  if (violation) return denied(403, 'Forbidden', `${kind} ${r.name} exceeds its quota: ${violation}; free some capacity or ask an admin to raise the quota in the weft-policy ConfigMap`);
  if (!r.req.dryRun) r.ctx.ledger.assume(key, standingCharge(charge));
  return undefined;
}

/** JSON Pointer escaping of one path segment. */
const ptr = (s: string) => s.replace(/~/g, '~0').replace(/\//g, '~1');

/** The schema defaults of `spec` and the org label (`weft.dev/org`), as JSON patch operations. */
export function defaultSpecAndOrg(kind: WeftKind, obj: KubernetesObject): PatchOp[] {
  const patch: PatchOp[] = [];
  const o = obj as KubernetesObject & { spec?: unknown };
  if (o.spec && typeof o.spec === 'object') {
    const defaulted = withDefaults(kind, o).spec;
    if (JSON.stringify(defaulted) !== JSON.stringify(o.spec)) patch.push({ op: 'replace', path: '/spec', value: defaulted });
  }
  const org = specOf(obj).org;
  if (typeof org === 'string' && org !== '' && obj.metadata?.labels?.[ORG_LABEL] !== org) {
    if (!obj.metadata?.labels) patch.push({ op: 'add', path: '/metadata/labels', value: { [ORG_LABEL]: org } });
    else patch.push({ op: 'add', path: `/metadata/labels/${ptr(ORG_LABEL)}`, value: org });
  }
  return patch;
}
