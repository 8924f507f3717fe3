import type { KubernetesObject } from '@kubernetes/client-node';
import { keyOf, splitKey, trimForCache } from './informer.js';

describe('trimForCache', () => {
  it('drops managedFields and the last-applied annotation, keeping everything else', () => {
    const obj: KubernetesObject = {
      metadata: {
        name: 'n1',
        resourceVersion: '7',
        managedFields: [{ manager: 'kubectl', operation: 'Apply', fieldsV1: {} }],
        annotations: { 'kubectl.kubernetes.io/last-applied-configuration': '{"big":"copy"}', 'weft.dev/note': 'kept' },
        labels: { a: 'b' },
      },
    };
    trimForCache(obj);
    expect(obj.metadata).toEqual({ name: 'n1', resourceVersion: '7', annotations: { 'weft.dev/note': 'kept' }, labels: { a: 'b' } });
  });

  it('leaves an object without metadata alone', () => {
    const obj = { kind: 'Thing' } as KubernetesObject;
    trimForCache(obj);
    expect(obj).toEqual({ kind: 'Thing' });
  });
});

describe('keyOf / splitKey', () => {
  it.each<[{ name: string; namespace?: string }, string]>([
    [{ name: 'a', namespace: 'ns' }, 'ns/a'],
    [{ name: 'a' }, 'a'],
  ])('%j ↔ %s', (metadata, key) => {
    expect(keyOf({ metadata })).toBe(key);
    expect(splitKey(key)).toEqual(metadata);
  });
});
