/**
 * `npm run generate` step (issue 21): writes config/webhook/manifests.yaml from the webhook code,
 * then charts/weft from what `kubectl kustomize config/default` renders (src/operator/manifests.ts).
 * Needs kubectl from `npm run tools`.
 */
import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { execFileSync } from 'node:child_process';
import { parseAllDocuments } from 'yaml';
import { toolPath } from '../cluster/tools.js';
import { packageRoot } from '../version.js';
import { chartFiles, webhookManifestsYaml, type Manifest } from './manifests.js';

/** Renders a kustomization with the pinned kubectl; returns its objects. */
export function kustomize(dir: string): Manifest[] {
  const out = execFileSync(toolPath('kubectl'), ['kustomize', dir], { encoding: 'utf8', maxBuffer: 64 << 20 });
  return parseAllDocuments(out)
    .map((d) => d.toJS() as Manifest | null)
    .filter((o): o is Manifest => o !== null);
}

function main(): void {
  const root = packageRoot();
  const webhook = join(root, 'config', 'webhook', 'manifests.yaml');
  mkdirSync(dirname(webhook), { recursive: true });
  writeFileSync(webhook, webhookManifestsYaml());
  const { version } = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as { version: string };
  const chart = join(root, 'charts', 'weft');
  for (const sub of ['templates', 'crds']) rmSync(join(chart, sub), { recursive: true, force: true });
  for (const f of chartFiles(kustomize(join(root, 'config', 'default')), version)) {
    mkdirSync(dirname(join(chart, f.path)), { recursive: true });
    writeFileSync(join(chart, f.path), f.text);
  }
  console.log(`wrote ${webhook} and ${chart}`);
}

main();
