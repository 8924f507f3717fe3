import { GROUP, SOURCE_ONLY_KEYS, VERSION, omitKeys, transformSchema, type CelRule, type KindSource, type Schema } from './load.js';

/**
 * A schema node as the CRD carries it: CEL rules without their ajv twins, no generator-only keys,
 * and properties sorted by name (the apiserver ignores their order; sorting keeps diffs stable).
 */
function crdNode(n: Schema): Schema {
  const out = omitKeys(n, (k) => SOURCE_ONLY_KEYS.has(k));
  const rules = out['x-kubernetes-validations'] as CelRule[] | undefined;
  if (rules) out['x-kubernetes-validations'] = rules.map(({ ajv: _ajv, ...rule }) => rule);
  if (out.properties) {
    const props = out.properties as Record<string, Schema>;
    out.properties = Object.fromEntries(Object.keys(props).sort().map((k) => [k, props[k]]));
  }
  return out;
}

/** The CRD's object schema: structural, with descriptions for `kubectl explain` and CEL rules. */
export function crdObjectSchema(k: KindSource, spec: Schema, status: Schema): Schema {
  return {
    description: k.description,
    type: 'object',
    required: ['spec'],
    properties: {
      apiVersion: {
        description: 'APIVersion defines the versioned schema of this representation of an object: weft.dev/v1alpha1.',
        type: 'string',
      },
      kind: { description: `Kind is a string value representing the REST resource this object represents: ${k.kind}.`, type: 'string' },
      metadata: { type: 'object' },
      spec: transformSchema(spec, crdNode),
      status: transformSchema(status, crdNode),
    },
  };
}

/** A complete apiextensions.k8s.io/v1 CustomResourceDefinition. */
export function buildCrd(k: KindSource, spec: Schema, status: Schema): Schema {
  return {
    apiVersion: 'apiextensions.k8s.io/v1',
    kind: 'CustomResourceDefinition',
    metadata: {
      name: `${k.plural}.${GROUP}`,
      labels: { 'app.kubernetes.io/part-of': 'weft' },
    },
    spec: {
      group: GROUP,
      names: { kind: k.kind, listKind: `${k.kind}List`, plural: k.plural, singular: k.singular, shortNames: k.shortNames, categories: ['weft'] },
      scope: k.scope,
      versions: [
        {
          name: VERSION,
          served: true,
          storage: true,
          subresources: { status: {} },
          additionalPrinterColumns: k.printerColumns,
          schema: { openAPIV3Schema: crdObjectSchema(k, spec, status) },
        },
      ],
    },
  };
}
