import type { KubernetesObject } from '@kubernetes/client-node';
import { Informer, keyOf, splitKey, trimForCache } from './informer.js';
import { LightKubeConfig } from './kubeconfig.js';

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

describe('Informer.observeWrite (read your own writes)', () => {
  type Obj = KubernetesObject & { data?: string };
  const obj = (rv: string, data: string): Obj => ({ metadata: { name: 'w', namespace: 'ns', resourceVersion: rv }, data });
  const informer = () => {
    const inf = new Informer<Obj>(new LightKubeConfig(), { group: '', version: 'v1', plural: 'configmaps', kind: 'ConfigMap', namespaced: true });
    const events: string[] = [];
    inf.on((event, o) => events.push(`${event}@${o.metadata?.resourceVersion}`));
    // The watch path, without a server: what a watch event does to the cache.
    const watch = (type: 'ADDED' | 'MODIFIED', o: Obj) => (inf as unknown as { onWatchEvent(ev: { type: string; object: Obj }, gone: () => void): void }).onWatchEvent({ type, object: o }, () => undefined);
    return { inf, events, watch };
  };

  it('shows the written object at once; older watch events do not take it back; the watch catching up emits nothing new', () => {
    const { inf, events, watch } = informer();
    watch('ADDED', obj('10', 'a'));
    inf.observeWrite(obj('12', 'mine'));
    expect(inf.get('ns/w')?.data).toBe('mine');
    watch('MODIFIED', obj('11', 'stale'));
    expect(inf.get('ns/w')?.data).toBe('mine');
    watch('MODIFIED', obj('12', 'mine'));
    watch('MODIFIED', obj('13', 'newer'));
    expect(inf.get('ns/w')?.data).toBe('newer');
    expect(events).toEqual(['add@10', 'update@12', 'update@13']);
  });

  it('ignores a write older than what the cache holds', () => {
    const { inf, watch } = informer();
    watch('ADDED', obj('20', 'cached'));
    inf.observeWrite(obj('19', 'late reply'));
    expect(inf.get('ns/w')?.data).toBe('cached');
  });
});
