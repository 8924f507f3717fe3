import { GROUP, VERSION, stripKeys, type KindSource, type Schema } from './load.js';

/** The CRD's object schema: structural, with CEL rules but without the ajv-only equivalents. */
export function crdObjectSchema(k: KindSource, spec: Schema, status: Schema): Schema {
  const clean = (s: Schema) =>
    stripKeys(s, (key, parent) => key === 'ajv' && Array.isArray(parent) === false && 'rule' in parent) as Schema;
  return {
    description: k.description,
    type: 'object',
    required: ['spec'],
    properties: {
      apiVersion: { description: 'APIVersion defines the versioned schema of this representation of an object.', type: 'string' },
      kind: { description: 'Kind is a string value representing the REST resource this object represents.', type: 'string' },
      metadata: { type: 'object' },
      spec: clean(spec),
      status: clean(status),
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
