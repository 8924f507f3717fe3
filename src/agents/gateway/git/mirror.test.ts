import { mkdir, mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { MirrorStore } from './mirror.js';

describe('MirrorStore.removeTask', () => {
  let root: string;
  beforeEach(async () => {
    root = await mkdtemp(join(tmpdir(), 'weft-mirrors-'));
  });
  afterEach(() => rm(root, { recursive: true, force: true }));

  it('removes every mirror of the task name (any uid) and nothing of other tasks', async () => {
    const store = new MirrorStore({ root });
    for (const d of ['a.git', 'a-1234abcd.git', 'a-deadbeef.git', 'a-b-1234abcd.git', 'ab.git', 'a-notauid.git']) await mkdir(join(root, 'team', d, 'objects'), { recursive: true });
    await mkdir(join(root, 'other', 'a-1234abcd.git'), { recursive: true });
    await store.removeTask({ namespace: 'team', name: 'a' });
    expect((await readdir(join(root, 'team'))).sort()).toEqual(['a-b-1234abcd.git', 'a-notauid.git', 'ab.git']);
    expect(await readdir(join(root, 'other'))).toEqual(['a-1234abcd.git']);
    await expect(store.removeTask({ namespace: 'none', name: 'a' })).resolves.toBeUndefined();
  });
});
