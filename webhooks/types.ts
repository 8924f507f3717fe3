/**
 * The types every per-kind webhook shares: the parts of an `admission.k8s.io/v1` AdmissionRequest
 * Weft reads, the response, the policy inputs, and the shape of a kind's webhook module
 * (`default`, `validateCreate`, `validateUpdate`).
 */
import type { KubernetesObject } from '@kubernetes/client-node';
import type { WeftKind } from '../src/api/validate.js';
import type { Policy } from '../src/policy/acl/types.js';
import type { UsageLedger } from '../src/policy/quota.js';
import type { WeftPolicy } from '../src/policy/weft-policy.js';

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

/** The policy inputs of admission decisions. */
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

/** A validator's answer: allowed (with warnings), or denied with an HTTP-style code and a message naming the field and the fix. */
export type Verdict = { allowed: true; warnings?: string[] } | { allowed: false; code: number; reason: string; message: string };

/** One JSON Patch operation of a defaulter. */
export interface PatchOp {
  op: 'add' | 'replace';
  path: string;
  value: unknown;
}

/** What a validator sees: the object's display name, the request and the policy inputs. */
export interface Review {
  kind: WeftKind;
  /** `namespace/name`, or the name of a cluster-scoped object. */
  name: string;
  req: AdmissionRequest;
  ctx: AdmissionContext;
}

/**
 * A kind's webhook module (`webhooks/<kind>.ts`): its `default` export is the defaulter; adding a kind
 * means adding such a file and listing it in `webhooks/index.ts`.
 */
export interface KindWebhook {
  kind: WeftKind;
  /** Lower-case plural of the resource, as the webhook configuration's rules name it. */
  plural: string;
  /** Cluster-scoped kinds ignore the namespaceSelector of a registration. */
  namespaced: boolean;
  default: (obj: KubernetesObject, req: AdmissionRequest) => PatchOp[];
  validateCreate: (obj: KubernetesObject, r: Review) => Verdict;
  validateUpdate: (obj: KubernetesObject, old: KubernetesObject, r: Review) => Verdict;
}
