import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { VaultIndex } from './vault-index.js';

let root: string;
beforeEach(async () => {
  root = await mkdtemp(join(tmpdir(), 'weft-vault-index-'));
  await writeFile(join(root, 'Note.md'), '---\nstatus: draft\n---\n# Note\n');
});
afterEach(async () => rm(root, { recursive: true, force: true }));

describe('VaultIndex.refresh', () => {
  it('applies the refresh started last when an earlier one finishes after it (no stale note)', async () => {
    const index = await VaultIndex.open(root);
    const real = (index as unknown as { read: (p: string) => Promise<unknown> }).read.bind(index);
    // The first refresh (say, the watcher's, for the previous write) reads the old text and is slow.
    const stale = await real('Note.md');
    let finishFirst!: () => void;
    const reads = [new Promise((resolve) => (finishFirst = () => resolve(stale))), undefined];
    (index as unknown as { read: (p: string) => Promise<unknown> }).read = (p) => reads.shift() ?? real(p);
    const first = index.refresh('Note.md');
    // Meanwhile the note is written again and refreshed by the writer.
    await writeFile(join(root, 'Note.md'), '---\nstatus: done\n---\n# Note\n');
    await index.refresh('Note.md');
    expect(index.get('Note.md')?.frontmatter).toEqual({ status: 'done' });
    // A third refresh starts and ends before the first: a refresh applied forgets its path's entry, and
    // the first's number must not match the next one's.
    await writeFile(join(root, 'Note.md'), '---\nstatus: final\n---\n# Note\n');
    await index.refresh('Note.md');
    finishFirst();
    await first;
    expect(index.get('Note.md')?.frontmatter).toEqual({ status: 'final' });
    expect((index as unknown as { generations: Map<string, number> }).generations.size).toBe(0);
    index.close();
  });
});
