/**
 * The sync settings of a ConfigMap annotated `weft.dev/speckit-sync: <repo URL>#specs/NNN-name`
 * (pure). Its data holds the rest: org (required), baseBranch, credentialsSecret, maxParallel,
 * intervalSeconds and template (YAML of AgentTask spec fields every task gets). docs/speckit.md.
 * A ConfigMap rather than a new kind: it needs no CRD and no new RBAC for the users who write it,
 * GitOps tools carry it as they are, and its status fits in two annotations and Events.
 */
import { parse } from 'yaml';
import type { AgentTaskSpec } from '../../src/api/agenttask/types.js';
import { featureName, type SyncOptions } from '../../src/speckit/sync.js';

/** The annotation that turns a ConfigMap into a sync: `<repo URL>#specs/NNN-name`. */
export const SYNC_ANNOTATION = 'weft.dev/speckit-sync';
/** The annotation the poller writes back: the last sync's result in one line. */
export const SYNC_STATUS_ANNOTATION = 'weft.dev/speckit-sync-status';
/** Poll interval when `intervalSeconds` is not set. */
export const DEFAULT_INTERVAL_SECONDS = 60;

/** A ConfigMap as the poller reads it. */
export interface SyncConfigMap {
  metadata?: { name?: string; namespace?: string; annotations?: Record<string, string> };
  data?: Record<string, string>;
}

/** What the ConfigMap asks for, or the problem (naming the key and what is allowed). */
export type SyncConfig = { options: SyncOptions; intervalMs: number } | { problem: string };

const TEMPLATE_KEYS = new Set(['agent', 'toolchain', 'retryPolicy', 'review', 'budget', 'placement', 'resources', 'timeoutSeconds', 'mcp', 'artifacts']);

function intervalOf(v: string | undefined): number | string {
  if (v === undefined) return DEFAULT_INTERVAL_SECONDS * 1000;
  if (!/^\d+$/.test(v) || Number(v) < 10) return `data.intervalSeconds "${v}" is not a whole number of seconds ≥ 10`;
  return Number(v) * 1000;
}

function templateOf(v: string | undefined): Partial<AgentTaskSpec> | string {
  if (v === undefined) return { agent: { driver: 'weft-agent', endpointSecretRef: { name: 'llm' } } } as Partial<AgentTaskSpec>;
  let t: unknown;
  try {
    t = parse(v);
  } catch (err) {
    return `data.template is not YAML: ${(err as Error).message.split('\n')[0]}`;
  }
  if (t === null || typeof t !== 'object' || Array.isArray(t)) return 'data.template must be a YAML mapping of AgentTask spec fields';
  const bad = Object.keys(t).filter((k) => !TEMPLATE_KEYS.has(k));
  return bad.length ? `data.template sets ${bad.join(', ')}; allowed: ${[...TEMPLATE_KEYS].join(', ')}` : (t as Partial<AgentTaskSpec>);
}

function maxParallelOf(v: string | undefined): number | undefined | string {
  if (v === undefined) return undefined;
  const n = Number(v);
  return Number.isInteger(n) && n >= 1 ? n : `data.maxParallel "${v}" is not a positive integer`;
}

/**
 * Reads a sync ConfigMap; undefined when it has no `weft.dev/speckit-sync` annotation.
 * @example syncConfigOf({ metadata: { namespace: 'dev', annotations: { 'weft.dev/speckit-sync': 'http://h/acme/app.git#specs/004-x' } }, data: { org: 'acme' } })
 */
export function syncConfigOf(cm: SyncConfigMap): SyncConfig | undefined {
  const value = cm.metadata?.annotations?.[SYNC_ANNOTATION];
  if (value === undefined) return undefined;
  const hash = value.lastIndexOf('#');
  if (hash < 1) return { problem: `annotation ${SYNC_ANNOTATION} "${value}" must be "<repo URL>#specs/NNN-name"` };
  let feature: string;
  try {
    feature = featureName(value.slice(hash + 1).trim());
  } catch (err) {
    return { problem: `annotation ${SYNC_ANNOTATION}: ${(err as Error).message.replace('--feature', 'the feature')}` };
  }
  const d = cm.data ?? {};
  if (!d.org) return { problem: 'data.org is required: the organisation that owns the AgentTasks' };
  const [maxParallel, intervalMs, template] = [maxParallelOf(d.maxParallel), intervalOf(d.intervalSeconds), templateOf(d.template)];
  const problem = [maxParallel, intervalMs, template].find((x): x is string => typeof x === 'string');
  if (problem) return { problem };
  const options: SyncOptions = {
    repoUrl: value.slice(0, hash).trim(),
    feature,
    namespace: cm.metadata?.namespace ?? 'default',
    org: d.org,
    baseBranch: d.baseBranch ?? 'main',
    ...(d.credentialsSecret ? { credentialsSecret: d.credentialsSecret } : {}),
    ...(maxParallel ? { maxParallel: maxParallel as number } : {}),
    template: template as Partial<AgentTaskSpec>,
  };
  return { options, intervalMs: intervalMs as number };
}
