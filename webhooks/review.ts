/**
 * Admission decisions for Weft's kinds, as plain functions of the AdmissionRequest and the current
 * policy, usage and ACL: validation (schema, tag ownership, quota, tailnet ACL) and mutation
 * (schema defaults, the org label). The HTTPS server in `server.ts` only transports them.
 */
import type { KubernetesObject } from '@kubernetes/client-node';
import { withDefaults } from '../src/api/defaults.js';
import { ORG_LABEL, WORKLOAD_FINALIZER } from '../src/api/labels.js';
import { formatErrors, validate, type WeftKind } from '../src/api/validate.js';
import { canApplyTag } from '../src/policy/acl/owners.js';
import type { Policy } from '../src/policy/acl/types.js';
import { unownedTags, type WeftPolicy } from '../src/policy/weft-policy.js';
import { chargeOf, quotaViolation, type ChargedKind, type UsageLedger } from './quota.js';

/** The parts of an `admission.k8s.io/v1` AdmissionRequest that Weft reads. */
export interface AdmissionRequest {
  uid: string;
  kind: { group: string; version: string; kind: string };
  operation: 'CREATE' | 'UPDATE' | 'DELETE' | 'CONNECT';
  name?: string;
  namespace?: string;
  userInfo?: { username?: string; groups?: string[] };
  object?: KubernetesObject;
  oldObject?: KubernetesObject;
  dryRun?: boolean;
}

export interface AdmissionResponse {
  uid: string;
  allowed: boolean;
  status?: { code: number; reason: string; message: string };
  patchType?: 'JSONPatch';
  /** base64 of the JSON patch. */
  patch?: string;
  warnings?: string[];
}

export interface AdmissionContext {
  policy: () => WeftPolicy;
  ledger: UsageLedger;
  /** The Headscale ACL policy in force, when the MeshACL gate is on. */
  acl?: () => Policy | undefined;
  /** False until the caches behind policy and usage are filled: until then everything is refused (retryable). */
  ready?: () => boolean;
  /** Users whose requests skip the ACL check (the operator itself, cluster admins). */
  aclExempt?: (user: { username?: string; groups?: string[] }) => boolean;
}

export { ORG_LABEL };
const ADMITTED_KINDS = new Set<string>(['Workload', 'Job', 'AgentTask', 'OrgCluster', 'MeshNode']);
const ACL_KINDS = new Set<string>(['Workload', 'Job', 'AgentTask', 'OrgCluster']);

type Spec = {
  org?: string;
  tags?: string[];
  resources?: unknown;
  quotaClass?: string;
  placement?: { requiredTags?: string[]; preferredTags?: Array<{ tag: string }> };
};
const specOf = (o: KubernetesObject | undefined): Spec => ((o as { spec?: Spec } | undefined)?.spec ?? {}) as Spec;

/** The tags an object uses: MeshNode/OrgCluster carry `spec.tags`; the others require or prefer them. */
export function tagsUsed(kind: string, obj: KubernetesObject | undefined): string[] {
  const s = specOf(obj);
  if (kind === 'MeshNode' || kind === 'OrgCluster') return [...(s.tags ?? [])];
  return [...(s.placement?.requiredTags ?? []), ...(s.placement?.preferredTags ?? []).map((p) => p.tag)];
}

const deny = (uid: string, code: number, reason: string, message: string): AdmissionResponse => ({ uid, allowed: false, status: { code, reason, message } });

/** The tailnet tag whose owners may create objects for `org`. */
export const orgTag = (org: string) => `tag:org-${org}`;

/**
 * Validates a CREATE or UPDATE of a Weft object. Denials name the field or the limit and say what
 * to do. An allowed creation of a Workload or Job is counted in `ctx.ledger` at once (unless dry run).
 */
export function validateAdmission(req: AdmissionRequest, ctx: AdmissionContext): AdmissionResponse {
  const { uid } = req;
  const kind = req.kind.kind;
  if (!ADMITTED_KINDS.has(kind) || (req.operation !== 'CREATE' && req.operation !== 'UPDATE') || !req.object) return { uid, allowed: true };
  const obj = req.object;
  if (ctx.ready && !ctx.ready()) return deny(uid, 503, 'ServiceUnavailable', 'weft admission is starting (policy and usage caches not synced yet): retry in a few seconds');
  const name = req.namespace ? `${req.namespace}/${req.name ?? obj.metadata?.name ?? ''}` : (req.name ?? obj.metadata?.name ?? '');

  const errors = validate(kind as WeftKind, obj);
  if (errors.length > 0) return deny(uid, 422, 'Invalid', formatErrors(kind, name, errors));

  const spec = specOf(obj);
  const org = spec.org ?? '';
  const old = req.operation === 'UPDATE' ? req.oldObject : undefined;
  const policy = ctx.policy();

  const tags = tagsUsed(kind, obj);
  const oldTags = new Set(tagsUsed(kind, old));
  const newTags = tags.filter((t) => !oldTags.has(t) || specOf(old).org !== org);
  const bad = unownedTags(policy, org, newTags);
  if (bad.length > 0) {
    const what = bad.map((b) => `tag "${b.tag}" is owned by org ${b.owners.join(', ')}`).join('; ');
    return deny(uid, 403, 'Forbidden', `${kind} ${name}: ${what}; org ${org} may not use it: remove the tag, or have an admin add ${org} to tagOwners in the weft-policy ConfigMap`);
  }

  if (ACL_KINDS.has(kind) && (req.operation === 'CREATE' || specOf(old).org !== org)) {
    const acl = ctx.acl?.();
    const user = req.userInfo ?? {};
    if (acl && !ctx.aclExempt?.(user)) {
      const username = user.username ?? '';
      const tag = orgTag(org);
      if (!canApplyTag(acl, { name: username, ips: [], user: username, tags: [] }, tag)) {
        const owners = acl.tagOwners.has(tag) ? `the owners of ${tag} in the ACL policy's tagOwners` : `nobody: ${tag} has no entry in the ACL policy's tagOwners`;
        return deny(uid, 403, 'Forbidden', `${kind} ${name}: user "${username}" may not create objects for org ${org}: the tailnet ACL policy lets ${owners} do so; add "${username}@" (or a group of theirs) to tagOwners["${tag}"]`);
      }
    }
  }

  if (kind === 'Workload' || kind === 'Job') {
    const key = `${kind}/${name}`;
    const charge = chargeOf(kind as ChargedKind, withDefaults(kind as WeftKind, obj));
    const changed = !old || JSON.stringify(chargeOf(kind as ChargedKind, withDefaults(kind as WeftKind, old))) !== JSON.stringify(charge);
    if (changed) {
      const violation = quotaViolation(policy, charge, (cls) => ctx.ledger.usage(org, cls, key));
      if (violation) return deny(uid, 403, 'Forbidden', `${kind} ${name} exceeds its quota: ${violation}; free some capacity or ask an admin to raise the quota in the weft-policy ConfigMap`);
      if (!req.dryRun) ctx.ledger.assume(key, charge);
    }
  }
  return { uid, allowed: true };
}

/** JSON Pointer escaping of one path segment. */
const ptr = (s: string) => s.replace(/~/g, '~0').replace(/\//g, '~1');

/**
 * Applies the schema defaults to `spec`, labels the object with its org (`weft.dev/org`) and gives a
 * new Workload its cleanup finalizer, as a JSON patch. Never denies, except for objects it cannot read.
 */
export function mutateAdmission(req: AdmissionRequest): AdmissionResponse {
  const { uid } = req;
  const kind = req.kind.kind;
  if (!ADMITTED_KINDS.has(kind) || !req.object || (req.operation !== 'CREATE' && req.operation !== 'UPDATE')) return { uid, allowed: true };
  const obj = req.object as KubernetesObject & { spec?: Record<string, unknown> };
  const patch: Array<{ op: 'add' | 'replace'; path: string; value: unknown }> = [];
  if (obj.spec && typeof obj.spec === 'object') {
    const defaulted = withDefaults(kind as WeftKind, obj).spec;
    if (JSON.stringify(defaulted) !== JSON.stringify(obj.spec)) patch.push({ op: 'replace', path: '/spec', value: defaulted });
  }
  const org = specOf(obj).org;
  if (typeof org === 'string' && org !== '' && obj.metadata?.labels?.[ORG_LABEL] !== org) {
    if (!obj.metadata?.labels) patch.push({ op: 'add', path: '/metadata/labels', value: { [ORG_LABEL]: org } });
    else patch.push({ op: 'add', path: `/metadata/labels/${ptr(ORG_LABEL)}`, value: org });
  }
  // Workloads get their cleanup finalizer at birth: the controller then saves a write per Workload.
  if (kind === 'Workload' && req.operation === 'CREATE' && !obj.metadata?.deletionTimestamp && !(obj.metadata?.finalizers ?? []).includes(WORKLOAD_FINALIZER)) {
    if (!obj.metadata?.finalizers) patch.push({ op: 'add', path: '/metadata/finalizers', value: [WORKLOAD_FINALIZER] });
    else patch.push({ op: 'add', path: '/metadata/finalizers/-', value: WORKLOAD_FINALIZER });
  }
  if (patch.length === 0) return { uid, allowed: true };
  return { uid, allowed: true, patchType: 'JSONPatch', patch: Buffer.from(JSON.stringify(patch)).toString('base64') };
}
