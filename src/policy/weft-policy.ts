/**
 * The `weft-policy` ConfigMap: per-organisation quotas and tag ownership.
 *
 * ```yaml
 * apiVersion: v1
 * kind: ConfigMap
 * metadata: { name: weft-policy, namespace: weft-system }
 * data:
 *   policy.yaml: |
 *     orgs:
 *       acme:
 *         quota: { cpu: "64", memory: 256Gi, gpu: 8, workloads: 100, jobs: 20 }
 *         classes:
 *           batch: { cpu: "16" }        # spec.quotaClass: batch
 *     tagOwners:
 *       gpu: [acme]                     # every gpu:* tag
 *       zone:eu-1: [acme, beta]
 * ```
 * Orgs without an entry have no quota; tags without an owner are free for every org.
 */
import { parse as parseYaml } from 'yaml';
import { quantityUnits } from '../api/common/quantity.js';
import { isValidTag, tagMatches } from '../api/common/tags.js';

export const WEFT_POLICY_CONFIGMAP = 'weft-policy';
export const WEFT_POLICY_KEY = 'policy.yaml';

/** Limits in integer units; an absent field is unlimited. */
export interface QuotaLimits {
  cpuMilli?: number;
  memoryBytes?: number;
  gpu?: number;
  workloads?: number;
  jobs?: number;
}

export interface OrgPolicy {
  quota: QuotaLimits;
  classes: Record<string, QuotaLimits>;
}

export interface WeftPolicy {
  orgs: Record<string, OrgPolicy>;
  /** Tag pattern (a bare key or key:* covers every value) → owning orgs. */
  tagOwners: Array<{ pattern: string; orgs: string[] }>;
}

export const EMPTY_POLICY: WeftPolicy = { orgs: {}, tagOwners: [] };

/** A problem in the policy, naming the field (`orgs.acme.quota.cpu`) and the fix. */
export class WeftPolicyError extends Error {
  constructor(
    readonly field: string,
    message: string,
  ) {
    super(`weft-policy ${WEFT_POLICY_KEY}: ${field}: ${message}`);
    this.name = 'WeftPolicyError';
  }
}

const DNS_LABEL = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;
const isRecord = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

/** Parses the ConfigMap's `policy.yaml` text. Throws WeftPolicyError naming the field. */
export function parseWeftPolicy(text: string | undefined): WeftPolicy {
  const doc = readDocument(text);
  if (doc === undefined) return EMPTY_POLICY;
  for (const key of Object.keys(doc)) {
    if (key !== 'orgs' && key !== 'tagOwners') throw new WeftPolicyError(key, 'unknown field: allowed are "orgs" and "tagOwners"');
  }
  return { orgs: parseOrgs(doc.orgs), tagOwners: parseTagOwners(doc.tagOwners) };
}

/** The YAML document as a mapping, or undefined when there is none (no text, blank text, `null`). */
function readDocument(text: string | undefined): Record<string, unknown> | undefined {
  if (text === undefined || text.trim() === '') return undefined;
  let doc: unknown;
  try {
    doc = parseYaml(text);
  } catch (err) {
    throw new WeftPolicyError('(document)', `not valid YAML: ${(err as Error).message}`);
  }
  if (doc === null || doc === undefined) return undefined;
  if (!isRecord(doc)) throw new WeftPolicyError('(document)', 'must be a mapping with "orgs" and "tagOwners"');
  return doc;
}

/** `orgs`: org name → { quota, classes }. */
function parseOrgs(v: unknown): Record<string, OrgPolicy> {
  const orgs: Record<string, OrgPolicy> = {};
  if (v === undefined) return orgs;
  if (!isRecord(v)) throw new WeftPolicyError('orgs', 'must be a mapping of org name to { quota, classes }');
  for (const [org, entry] of Object.entries(v)) orgs[org] = parseOrg(org, entry);
  return orgs;
}

/** One entry of `orgs` (null: no quota, no classes). */
function parseOrg(org: string, entry: unknown): OrgPolicy {
  const at = `orgs.${org}`;
  if (!DNS_LABEL.test(org)) throw new WeftPolicyError(at, 'an org name is a DNS label (lowercase letters, digits, "-")');
  if (entry === null) return { quota: {}, classes: {} };
  if (!isRecord(entry)) throw new WeftPolicyError(at, 'must be a mapping with "quota" and/or "classes"');
  for (const key of Object.keys(entry)) if (key !== 'quota' && key !== 'classes') throw new WeftPolicyError(`${at}.${key}`, 'unknown field: allowed are "quota" and "classes"');
  const classes = parseClasses(entry.classes, at);
  return { quota: parseLimits(entry.quota, `${at}.quota`), classes };
}

/** `orgs.<org>.classes`: quotaClass name → limits. */
function parseClasses(v: unknown, at: string): Record<string, QuotaLimits> {
  const classes: Record<string, QuotaLimits> = {};
  if (v === undefined) return classes;
  if (!isRecord(v)) throw new WeftPolicyError(`${at}.classes`, 'must be a mapping of quotaClass name to limits');
  for (const [cls, limits] of Object.entries(v)) {
    if (!DNS_LABEL.test(cls)) throw new WeftPolicyError(`${at}.classes.${cls}`, 'a quota class name is a DNS label');
    classes[cls] = parseLimits(limits, `${at}.classes.${cls}`);
  }
  return classes;
}

/** `tagOwners`: tag pattern → non-empty list of org names. */
function parseTagOwners(v: unknown): WeftPolicy['tagOwners'] {
  const tagOwners: WeftPolicy['tagOwners'] = [];
  if (v === undefined) return tagOwners;
  if (!isRecord(v)) throw new WeftPolicyError('tagOwners', 'must be a mapping of tag to a list of orgs, e.g. "gpu:a100: [acme]"');
  for (const [pattern, owners] of Object.entries(v)) {
    const at = `tagOwners["${pattern}"]`;
    if (!isValidTag(pattern)) throw new WeftPolicyError(at, 'not a tag: use key or key:value, e.g. gpu or gpu:a100');
    if (!Array.isArray(owners) || owners.length === 0 || !owners.every((o) => typeof o === 'string' && DNS_LABEL.test(o))) {
      throw new WeftPolicyError(at, 'must be a non-empty list of org names, e.g. [acme]');
    }
    tagOwners.push({ pattern, orgs: owners as string[] });
  }
  return tagOwners;
}

function parseLimits(v: unknown, at: string): QuotaLimits {
  if (v === undefined || v === null) return {};
  if (!isRecord(v)) throw new WeftPolicyError(at, 'must be a mapping with cpu, memory, gpu, workloads and/or jobs');
  const out: QuotaLimits = {};
  for (const [key, value] of Object.entries(v)) {
    const field = `${at}.${key}`;
    switch (key) {
      case 'cpu':
        out.cpuMilli = quantityInt(value, field, 1000);
        break;
      case 'memory':
        out.memoryBytes = quantityInt(value, field, 1);
        break;
      case 'gpu':
      case 'workloads':
      case 'jobs': {
        if (typeof value !== 'number' || !Number.isInteger(value) || value < 0) throw new WeftPolicyError(field, `must be a whole number ≥ 0, got ${JSON.stringify(value)}`);
        out[key] = value;
        break;
      }
      default:
        throw new WeftPolicyError(field, 'unknown limit: allowed are cpu, memory, gpu, workloads, jobs');
    }
  }
  return out;
}

function quantityInt(value: unknown, field: string, scale: 1 | 1000): number {
  if (typeof value !== 'string' && typeof value !== 'number') throw new WeftPolicyError(field, `must be a quantity such as "8" or "16Gi", got ${JSON.stringify(value)}`);
  try {
    return quantityUnits(value, scale, field);
  } catch (err) {
    throw new WeftPolicyError(field, (err as Error).message.replace(`${field}: `, ''));
  }
}

/** The orgs that own `tag` (every matching tagOwners entry), or undefined when nobody owns it. */
export function tagOwnersOf(policy: WeftPolicy, tag: string): string[] | undefined {
  let owners: Set<string> | undefined;
  for (const entry of policy.tagOwners) {
    // `gpu` (or `gpu:*`) covers gpu:a100 and gpu; `gpu:a100` covers only itself.
    if (tagMatches(tag, entry.pattern)) {
      owners ??= new Set();
      for (const o of entry.orgs) owners.add(o);
    }
  }
  return owners ? [...owners].sort() : undefined;
}

/** Tags among `tags` that `org` may not use, with the owners; empty when all are allowed. */
export function unownedTags(policy: WeftPolicy, org: string, tags: readonly string[]): Array<{ tag: string; owners: string[] }> {
  const out: Array<{ tag: string; owners: string[] }> = [];
  for (const tag of tags) {
    const owners = tagOwnersOf(policy, tag);
    if (owners && !owners.includes(org)) out.push({ tag, owners });
  }
  return out;
}
