import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import {
  ApiextensionsV1Api,
  CoreV1Api,
  type KubeConfig,
  type V1CustomResourceDefinition,
} from '@kubernetes/client-node';
import { RestClient, type ResourceType } from '../runtime/rest.js';

const CRD_TYPE: ResourceType = { group: 'apiextensions.k8s.io', version: 'v1', plural: 'customresourcedefinitions', kind: 'CustomResourceDefinition', namespaced: false };
import { parseAllDocuments } from 'yaml';

/** Reads every CRD manifest (`*.yaml`) in `dir`, sorted by file name. */
export async function readCrds(dir: string): Promise<V1CustomResourceDefinition[]> {
  let files: string[];
  try {
    files = (await readdir(dir)).filter((f) => f.endsWith('.yaml') && f !== 'kustomization.yaml').sort();
  } catch {
    return [];
  }
  const crds: V1CustomResourceDefinition[] = [];
  for (const f of files) {
    for (const doc of parseAllDocuments(await readFile(join(dir, f), 'utf8'))) {
      if (doc.errors.length > 0) throw new Error(`${join(dir, f)}: ${doc.errors[0]!.message}`);
      const obj = doc.toJS() as V1CustomResourceDefinition | null;
      if (obj?.kind === 'CustomResourceDefinition') crds.push(obj);
    }
  }
  return crds;
}

/**
 * Server-side applies the CRDs (field manager `weft`) and waits until each is Established, so
 * that objects of those kinds can be created right after. Re-applying is a no-op.
 */
export async function applyCrds(kc: KubeConfig, crds: V1CustomResourceDefinition[], timeoutMs = 30_000): Promise<string[]> {
  // Raw JSON through our REST client: client-node's typed serializer would drop the schema's
  // `x-kubernetes-*` keys (it expects its camelCase model names).
  const rest = new RestClient(kc);
  for (const crd of crds) {
    await rest.patch(CRD_TYPE, { name: crd.metadata!.name! }, crd, { type: 'apply', fieldManager: 'weft', force: true });
  }
  const ext = kc.makeApiClient(ApiextensionsV1Api);
  const names = crds.map((c) => c.metadata!.name!);
  const deadline = Date.now() + timeoutMs;
  for (const name of names) {
    for (;;) {
      const crd = await ext.readCustomResourceDefinition({ name });
      if (crd.status?.conditions?.some((c) => c.type === 'Established' && c.status === 'True')) break;
      if (Date.now() > deadline) {
        const why = crd.status?.conditions?.map((c) => `${c.type}=${c.status} ${c.message ?? ''}`).join('; ');
        throw new Error(`CRD ${name} not Established after ${timeoutMs} ms (${why || 'no conditions'})`);
      }
      await new Promise((r) => setTimeout(r, 100));
    }
  }
  return names;
}

/** Creates a namespace if it does not exist (the operator's own, for `weft up`). */
export async function ensureNamespace(kc: KubeConfig, name: string): Promise<void> {
  try {
    await kc.makeApiClient(CoreV1Api).createNamespace({ body: { metadata: { name, labels: { 'app.kubernetes.io/part-of': 'weft' } } } });
  } catch (err) {
    if ((err as { code?: number }).code !== 409) throw err;
  }
}
