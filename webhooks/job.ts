/**
 * Job admission: schema, the template's params (each error naming `spec.params.<name>`), tag
 * ownership of its placement tags, the tailnet ACL's owners of its org, and its quota charge (its
 * count; the resources are charged on the Workload it owns); defaults (the schema's and the
 * template's params) and the org label.
 */
import type { KubernetesObject } from '@kubernetes/client-node';
import type { Job } from '../src/api/job/types.js';
import { checkParams, paramDefaults, templateFor, templateNames } from '../src/jobs/index.js';
import { SAFE_GLOB } from '../src/jobs/artifacts.js';
import { checkOrgOwner, checkQuota, checkSchema, checkTagOwners, placementTags } from './checks.js';
import { defineWebhook } from './define.js';
import type { PatchOp, Review, Verdict } from './types.js';

const specOfJob = (obj: KubernetesObject) => (obj as Partial<Job>).spec;

/** The template exists in code and its params fit its schema (422 naming every offending field). */
export function checkTemplateParams(obj: KubernetesObject, old: KubernetesObject | undefined, r: Review): Verdict | undefined {
  const spec = specOfJob(obj);
  if (!spec) return undefined;
  // A finished or running Job keeps the params it was admitted with; re-checking old params on a status-free update would block deletion cleanup.
  if (old && JSON.stringify(specOfJob(old)?.params) === JSON.stringify(spec.params) && specOfJob(old)?.template === spec.template) return undefined;
  const t = templateFor(spec.template);
  if (!t) return { allowed: false, code: 422, reason: 'Invalid', message: `Job ${r.name}: spec.template: template "${spec.template}" is not available yet; available: ${templateNames().join(', ')}` };
  const checked = checkParams(t, spec.params);
  if (checked.ok) return undefined;
  return { allowed: false, code: 422, reason: 'Invalid', message: `Job ${r.name} is invalid: ${checked.errors.map((e) => `${e.field}: ${e.message}`).join('; ')}` };
}

/** spec.artifacts.paths: relative globs of safe characters (the pod's upload step runs them unquoted). */
export function checkArtifactPaths(obj: KubernetesObject, _old: KubernetesObject | undefined, r: Review): Verdict | undefined {
  const bad = (specOfJob(obj)?.artifacts?.paths ?? []).map((p, i) => ({ p, i })).filter(({ p }) => !SAFE_GLOB.test(p) || p.startsWith('/') || p.split('/').includes('..'));
  if (bad.length === 0) return undefined;
  const why = bad.map(({ p, i }) => `spec.artifacts.paths[${i}]: "${p}" ${p.startsWith('/') || p.split('/').includes('..') ? 'must stay in the workspace (relative, no "..")' : 'may only have letters, digits and . _ + @ = , * ? / -'}`);
  return { allowed: false, code: 422, reason: 'Invalid', message: `Job ${r.name} is invalid: ${why.join('; ')}` };
}

/** The template's param defaults, added to spec.params. */
function defaultParams(obj: KubernetesObject): PatchOp[] {
  const spec = specOfJob(obj);
  const t = spec && templateFor(spec.template);
  if (!t) return [];
  const missing = paramDefaults(t, spec.params);
  if (Object.keys(missing).length === 0) return [];
  return [{ op: spec.params ? 'replace' : 'add', path: '/spec/params', value: { ...(spec.params ?? {}), ...missing } }];
}

const job = defineWebhook({
  kind: 'Job',
  plural: 'jobs',
  namespaced: true,
  checks: [checkSchema, checkTemplateParams, checkArtifactPaths, (obj, old, r) => checkTagOwners(placementTags, obj, old, r), checkOrgOwner, (obj, old, r) => checkQuota('Job', obj, old, r)],
  defaults: (obj) => defaultParams(obj),
});
export const { kind, plural, namespaced, validateCreate, validateUpdate } = job;
export default job.default;
