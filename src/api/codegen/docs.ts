import { GROUP, VERSION, transformSchema, type CelRule, type ResolvedKind, type Schema } from './load.js';

const esc = (s: unknown) => String(s ?? '').replace(/\|/g, '\\|').replace(/\n/g, ' ');
const code = (v: unknown) => `\`${typeof v === 'string' ? v : JSON.stringify(v)}\``;

/** The hand-written introduction at the top of docs/api.md. */
const INTRO = `Weft extends Kubernetes with five kinds in the API group \`${GROUP}\`, version \`${VERSION}\`. This page is generated
from the schemas in \`src/api/<kind>/schema.yaml\` (shared pieces in \`src/api/common/defs.yaml\`), the same source as the
CRDs in \`crds/\`, the TypeScript types and the validators: edit a schema, run \`npm run generate\`, commit the result.

## Exploring the API with kubectl

Every kind is in the category \`weft\`, so one command lists every Weft object:

\`\`\`sh
kubectl get weft -A              # MeshNodes, OrgClusters, Workloads, AgentTasks and Jobs
kubectl get mn                   # short names: mn, oc, wl, at, wj
kubectl get wl -n acme -o wide   # -o wide adds the columns marked "wide" below
\`\`\`

\`kubectl explain\` prints the descriptions on this page, field by field, from the CRDs installed in the cluster:

\`\`\`sh
kubectl explain meshnode.spec
kubectl explain workload.spec.placement --recursive
\`\`\`

Weft's \`Job\` shares its name with \`batch/v1\` Job: \`kubectl get jobs\` lists batch Jobs, so use \`kubectl get wj\` or
\`kubectl get jobs.weft.dev\`. For the same reason kustomize cannot render it (it treats every kind named Job as a batch Job).

Samples of every kind (a minimal and a full one) are in \`config/samples/\`:

\`\`\`sh
kubectl create namespace acme
kubectl apply --server-side -n acme -k config/samples/                                  # all but the Jobs
kubectl apply --server-side -n acme -f config/samples/job-minimal.yaml -f config/samples/job-full.yaml
\`\`\`

## Conventions

- **Quantities** (\`quantity\` below) are Kubernetes quantity strings or integers: \`4\`, \`"500m"\`, \`"1.5"\`, \`"16Gi"\`, \`"1e3"\`.
  They are never negative.
- **Tags** (\`tag\`) are \`key\` or \`key:value\` with a lower-case key: \`ssd\`, \`gpu:a100\`, \`zone:eu-1\`. In placement rules a bare
  key or \`key:*\` matches any value of the key.
- **Conditions** (\`status.conditions\`) follow metav1.Condition, keyed by \`type\`; \`lastTransitionTime\` moves only when \`status\`
  changes. \`status.observedGeneration\` is the \`metadata.generation\` the operator last acted on.
- Defaults are applied by the apiserver; the same manifest applied twice (\`kubectl apply --server-side\`) changes nothing.
- Cross-field rules are CEL rules in the CRDs (\`x-kubernetes-validations\`); the operator's validators (\`src/api/validate.ts\`,
  used by the webhooks and the HTTP API) enforce the same rules, except those that compare an update with the old object.
`;

/** Names the shared pieces readers know (quantity, tag…) instead of repeating their patterns. */
function typeOf(s: Schema, named: Map<string, string>): string {
  if (s['x-kubernetes-int-or-string']) return 'quantity';
  if (typeof s.pattern === 'string' && named.has(s.pattern)) return named.get(s.pattern)!;
  if (s.type === 'array') return `${typeOf((s.items ?? {}) as Schema, named)}[]`;
  if (Array.isArray(s.enum)) return (s.enum as unknown[]).map(code).join(' \\| ');
  if (s.type === 'object' && !s.properties && s.additionalProperties) return `map[string]${typeOf(s.additionalProperties as Schema, named)}`;
  if (s['x-kubernetes-preserve-unknown-fields']) return 'object (free-form)';
  return String(s.type ?? 'any');
}

/** The default and the numeric range of a field. */
function valueConstraints(s: Schema): string[] {
  const c: string[] = [];
  if (s.default !== undefined) c.push(`default ${code(s.default)}`);
  if (s.minimum !== undefined && s.maximum !== undefined) c.push(`${String(s.minimum)}..${String(s.maximum)}`);
  else if (s.minimum !== undefined && !s['x-kubernetes-int-or-string']) c.push(`≥ ${String(s.minimum)}`);
  else if (s.maximum !== undefined) c.push(`≤ ${String(s.maximum)}`);
  return c;
}

/** The bounds on a field's size: items of a list, entries of a map, characters of a string (not for a named type). */
function sizeConstraints(s: Schema, named: Map<string, string>): string[] {
  const c: string[] = [];
  if (s.minItems !== undefined) c.push(`≥ ${String(s.minItems)} items`);
  if (s.maxItems !== undefined) c.push(`≤ ${String(s.maxItems)} items`);
  if (s.maxProperties !== undefined) c.push(`≤ ${String(s.maxProperties)} entries`);
  if (s.maxLength !== undefined && !(typeof s.pattern === 'string' && named.has(s.pattern))) c.push(`≤ ${String(s.maxLength)} chars`);
  return c;
}

/** The form of a field: its pattern (unless a named type says it), its format, whether its list is a set or a map. */
function formConstraints(s: Schema, named: Map<string, string>): string[] {
  const c: string[] = [];
  if (typeof s.pattern === 'string' && !named.has(s.pattern) && !s['x-kubernetes-int-or-string']) c.push(`pattern ${code(s.pattern)}`);
  if (s.format) c.push(String(s.format));
  if (s['x-kubernetes-list-type'] === 'set') c.push('unique');
  if (s['x-kubernetes-list-type'] === 'map') c.push(`unique by ${(s['x-kubernetes-list-map-keys'] as string[]).join(', ')}`);
  return c;
}

function constraints(s: Schema, named: Map<string, string>): string {
  return [...valueConstraints(s), ...sizeConstraints(s, named), ...formConstraints(s, named)].join(', ');
}

/** Rows `| field | type | required | description |` for every field below `prefix`. */
function rows(s: Schema, prefix: string, named: Map<string, string>, required: string[] = []): string[] {
  const out: string[] = [];
  for (const [name, p] of Object.entries((s.properties ?? {}) as Record<string, Schema>)) {
    const path = `${prefix}.${name}`;
    const extra = constraints(p, named);
    out.push(`| \`${path}\` | ${typeOf(p, named)} | ${required.includes(name) ? 'yes' : ''} | ${esc(p.description)}${extra ? ` (${esc(extra)})` : ''} |`);
    const child = p.type === 'array' ? ((p.items ?? {}) as Schema) : p;
    if (child.properties) out.push(...rows(child, p.type === 'array' ? `${path}[]` : path, named, (child.required as string[]) ?? []));
  }
  return out;
}

/** Every CEL rule below `root`, as `- \`path\`: message`. */
function ruleLines(root: Schema, prefix: string): string[] {
  const lines: string[] = [];
  transformSchema(root, (n, path) => {
    const at = [prefix, ...path.filter((p) => !p.startsWith('|'))].join('.').replace(/\.\[\]/g, '[]');
    for (const r of (n['x-kubernetes-validations'] as CelRule[] | undefined) ?? []) {
      lines.push(`- \`${at}${r.fieldPath ?? ''}\`: ${esc(r.message)}${r.rule.includes('oldSelf') ? ' (checked on update, by the apiserver only)' : ''}`);
    }
    return n;
  });
  return lines;
}

/** One kind's section: description, printer columns, cross-field rules and the field table. */
function kindSection({ k, spec, status }: ResolvedKind, named: Map<string, string>): string[] {
  const columns = k.printerColumns.map((c) => `| ${c.name.toUpperCase()} | \`${c.jsonPath}\` | ${c.priority ? 'wide' : ''} | ${esc(c.description ?? '')} |`);
  const rules = [...ruleLines(spec, 'spec'), ...ruleLines(status, 'status')];
  return [
    `## ${k.kind}`,
    '',
    esc(k.description),
    '',
    `${k.scope === 'Cluster' ? 'Cluster-scoped' : 'Namespaced'}; short name \`${k.shortNames.join('`, `')}\`; \`kubectl get ${k.plural}\` shows:`,
    '',
    '| column | from | shown | meaning |',
    '|---|---|---|---|',
    ...columns,
    '',
    ...(rules.length ? ['Cross-field rules (CEL in the CRD, mirrored by the validators):', '', ...rules, ''] : []),
    '| field | type | required | description |',
    '|---|---|---|---|',
    `| \`spec\` | object | yes | ${esc(spec.description)} |`,
    ...rows(spec, 'spec', named, (spec.required as string[]) ?? []),
    `| \`status\` | object | | ${esc(status.description)} |`,
    ...rows(status, 'status', named),
    '',
  ];
}

/**
 * docs/api.md: the introduction, then one section per kind with its printer columns, rules and a
 * field table. `named` maps the patterns of shared string types (tag, name…) to their names.
 */
export function generateDocs(kinds: ResolvedKind[], named: Map<string, string>): string {
  const parts = [
    '<!-- Code generated by `npm run generate` from src/api/*/schema.yaml — DO NOT EDIT. -->',
    `# Weft API reference (\`${GROUP}/${VERSION}\`)`,
    '',
    INTRO,
    '## Kinds',
    '',
    '| kind | short name | scope | description |',
    '|---|---|---|---|',
    ...kinds.map(({ k }) => `| [${k.kind}](#${k.kind.toLowerCase()}) | \`${k.shortNames.join('`, `')}\` | ${k.scope} | ${esc(k.description)} |`),
    '',
  ];
  for (const kind of kinds) parts.push(...kindSection(kind, named));
  return `${parts.join('\n')}`;
}
