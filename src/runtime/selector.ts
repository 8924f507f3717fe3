import { createHash } from 'node:crypto';

/** One requirement of a label selector, in the apiserver's `matchExpressions` terms. */
export interface LabelRequirement {
  key: string;
  operator: 'In' | 'NotIn' | 'Exists' | 'DoesNotExist';
  values: string[];
}

/** A `metav1.LabelSelector` (webhook `objectSelector`, PodDisruptionBudget `selector`, …). */
export interface K8sLabelSelector {
  matchExpressions?: Array<{ key: string; operator: string; values?: string[] }>;
}

/** A parsed label selector, as `kubectl -l` takes it: `a=b`, `a==b`, `a!=b`, `a`, `!a`, `a in (x,y)`, `a notin (x)`. */
export interface LabelSelector {
  readonly text: string;
  readonly requirements: readonly LabelRequirement[];
  /** Do these labels satisfy every requirement (the apiserver's semantics: `a!=b` matches objects without `a`)? */
  matches(labels: Record<string, string> | undefined): boolean;
  /** The same selector as a `metav1.LabelSelector`. */
  toK8s(): K8sLabelSelector;
  /** A short stable id (8 hex) of the selector, for names derived from it (Lease, webhook configurations). */
  id(): string;
}

const KEY = /^([a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*\/)?[A-Za-z0-9]([-A-Za-z0-9_.]{0,61}[A-Za-z0-9])?$/;
const VALUE = /^([A-Za-z0-9]([-A-Za-z0-9_.]{0,61}[A-Za-z0-9])?)?$/;

/** Splits on commas outside parentheses. */
function splitTerms(text: string): string[] {
  const terms: string[] = [];
  let depth = 0;
  let cur = '';
  for (const ch of text) {
    if (ch === '(') depth++;
    if (ch === ')') depth--;
    if (ch === ',' && depth === 0) {
      terms.push(cur.trim());
      cur = '';
    } else cur += ch;
  }
  terms.push(cur.trim());
  return terms;
}

function parseTerm(term: string, whole: string): LabelRequirement {
  const bad = (why: string) => new Error(`label selector "${whole}": ${why} (syntax: key=value, key!=value, key, !key, key in (a,b), key notin (a,b))`);
  let m = /^(\S+)\s+(in|notin)\s*\(([^)]*)\)$/.exec(term);
  let req: LabelRequirement;
  if (m) {
    const values = m[3]!.split(',').map((v) => v.trim()).filter(Boolean);
    if (values.length === 0) throw bad(`"${term}" lists no values`);
    req = { key: m[1]!, operator: m[2] === 'in' ? 'In' : 'NotIn', values };
  } else if ((m = /^([^=!\s]+)\s*(==|=|!=)\s*(\S*)$/.exec(term))) {
    req = { key: m[1]!, operator: m[2] === '!=' ? 'NotIn' : 'In', values: [m[3]!] };
  } else if ((m = /^!\s*(\S+)$/.exec(term))) {
    req = { key: m[1]!, operator: 'DoesNotExist', values: [] };
  } else if (/^\S+$/.test(term)) {
    req = { key: term, operator: 'Exists', values: [] };
  } else {
    throw bad(`cannot parse "${term}"`);
  }
  if (!KEY.test(req.key)) throw bad(`"${req.key}" is not a valid label key`);
  for (const v of req.values) if (!VALUE.test(v) || v.length > 63) throw bad(`"${v}" is not a valid label value`);
  return req;
}

function satisfies(r: LabelRequirement, labels: Record<string, string>): boolean {
  const has = Object.hasOwn(labels, r.key);
  switch (r.operator) {
    case 'In':
      return has && r.values.includes(labels[r.key]!);
    case 'NotIn':
      return !has || !r.values.includes(labels[r.key]!);
    case 'Exists':
      return has;
    case 'DoesNotExist':
      return !has;
  }
}

/**
 * Parses a label selector (`--shard`, docs/deploy.md "Canary"). Throws an Error naming the term and
 * the syntax when it cannot.
 * @example parseLabelSelector('weft.dev/canary!=true').matches({}) // true
 */
export function parseLabelSelector(text: string): LabelSelector {
  const trimmed = text.trim();
  if (trimmed === '') throw new Error('label selector is empty (syntax: key=value, key!=value, key, !key, key in (a,b), key notin (a,b))');
  const requirements = splitTerms(trimmed).map((t) => parseTerm(t, trimmed));
  return {
    text: trimmed,
    requirements,
    matches: (labels) => requirements.every((r) => satisfies(r, labels ?? {})),
    toK8s: () => ({
      matchExpressions: requirements.map((r) => ({ key: r.key, operator: r.operator, ...(r.values.length ? { values: [...r.values] } : {}) })),
    }),
    id: () => createHash('sha256').update(JSON.stringify(requirements)).digest('hex').slice(0, 8),
  };
}
