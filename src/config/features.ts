import { FlagError } from './errors.js';

/** Maturity of a feature gate, as in Kubernetes. */
export type FeatureStage = 'alpha' | 'beta' | 'GA';

export interface FeatureSpec {
  default: boolean;
  stage: FeatureStage;
  description: string;
}

/**
 * Every feature gate Weft knows, with its default. Capabilities beyond the Phase 1 MVP are guarded
 * here and listed in docs/feature-gates.md (a unit test keeps the two in sync).
 */
export const FEATURE_GATES = {
  AgentTasks: { default: true, stage: 'beta', description: 'Reconcile AgentTask resources (coding agents in pods) and serve the agent gateway (/llm, /git).' },
  Jobs: { default: false, stage: 'alpha', description: 'Reconcile Job resources (CI, ML, DocOps, security-scan templates).' },
  MeshACL: {
    default: true,
    stage: 'beta',
    description: 'Authorize control-plane writes with the Headscale ACL policy of the caller\'s tailnet identity.',
  },
} as const satisfies Record<string, FeatureSpec>;

export type FeatureName = keyof typeof FEATURE_GATES;
export type FeatureGates = Record<FeatureName, boolean>;

/** The defaults of every gate. */
export function defaultFeatureGates(): FeatureGates {
  const out = {} as FeatureGates;
  for (const [name, spec] of Object.entries(FEATURE_GATES)) out[name as FeatureName] = spec.default;
  return out;
}

/**
 * Parses `--feature-gates` in Kubernetes syntax: `A=true,B=false`. Unknown gates and values other
 * than true/false are errors that list what is allowed.
 * @example parseFeatureGates('AgentTasks=true') // { AgentTasks: true, Jobs: false, MeshACL: true }
 */
export function parseFeatureGates(value: string, flag = '--feature-gates'): FeatureGates {
  const gates = defaultFeatureGates();
  const known = Object.keys(FEATURE_GATES).sort();
  for (const raw of value.split(',')) {
    const item = raw.trim();
    if (item === '') continue;
    const eq = item.indexOf('=');
    if (eq < 0) throw new FlagError(flag, `"${item}" is missing "=true" or "=false" (syntax: Name=true,Other=false)`);
    const name = item.slice(0, eq).trim();
    const val = item.slice(eq + 1).trim().toLowerCase();
    if (!(name in FEATURE_GATES)) {
      throw new FlagError(flag, `unrecognized feature gate "${name}"; known gates: ${known.join(', ')}`);
    }
    if (val !== 'true' && val !== 'false') {
      throw new FlagError(flag, `gate ${name} has value "${item.slice(eq + 1)}"; use true or false`);
    }
    gates[name as FeatureName] = val === 'true';
  }
  return gates;
}

/** Formats gates back into flag syntax (sorted), e.g. for logs. */
export function formatFeatureGates(gates: FeatureGates): string {
  return Object.entries(gates)
    .sort(([a], [b]) => a.localeCompare(b))
    .map(([k, v]) => `${k}=${v}`)
    .join(',');
}
