import type { AgentTask } from '../../api/agenttask/index.js';
import { cachedSecretReader, cachedTaskLoader, type TaskCache } from './kube.js';

const task = (name: string) => ({ apiVersion: 'weft.dev/v1alpha1', kind: 'AgentTask', metadata: { namespace: 'acme', name } }) as AgentTask;

describe('cachedTaskLoader', () => {
  it('reads from the synced cache and asks the apiserver only for what it lacks or before the sync', async () => {
    let synced = false;
    const cache: TaskCache = { hasSynced: () => synced, get: (key) => (key === 'acme/cached' ? task('cached') : undefined) };
    const asked: string[] = [];
    const load = cachedTaskLoader(cache, async (t) => (asked.push(t.name), t.name === 'gone' ? undefined : task(t.name)));
    expect((await load({ namespace: 'acme', name: 'cached' }))?.metadata.name).toBe('cached');
    expect(asked).toEqual(['cached']); // not synced yet: GET
    synced = true;
    expect((await load({ namespace: 'acme', name: 'cached' }))?.metadata.name).toBe('cached');
    expect(await load({ namespace: 'acme', name: 'gone' })).toBeUndefined();
    expect((await load({ namespace: 'acme', name: 'new' }))?.metadata.name).toBe('new');
    expect(asked).toEqual(['cached', 'gone', 'new']);
  });
});

describe('cachedSecretReader', () => {
  it('reuses a Secret for the TTL, shares concurrent reads, and does not remember a missing Secret or a failure', async () => {
    let now = 0;
    let calls = 0;
    let exists = false;
    let fail = false;
    const read = cachedSecretReader(
      async (_ns, name) => {
        calls++;
        if (fail) throw new Error('apiserver down');
        return exists ? { url: 'http://x', apiKey: `${name}-${calls}` } : undefined;
      },
      { ttlMs: 1000, now: () => now },
    );
    expect(await read('acme', 'llm')).toBeUndefined();
    exists = true;
    const [a, b] = await Promise.all([read('acme', 'llm'), read('acme', 'llm')]);
    expect(a).toEqual({ url: 'http://x', apiKey: 'llm-2' }); // the missing Secret was not remembered
    expect(b).toBe(a);
    expect(calls).toBe(2);
    now = 999;
    expect((await read('acme', 'llm'))?.apiKey).toBe('llm-2');
    now = 1000;
    fail = true;
    await expect(read('acme', 'llm')).rejects.toThrow('apiserver down');
    fail = false;
    expect((await read('acme', 'llm'))?.apiKey).toBe('llm-4');
    expect(calls).toBe(4);
  });
});
