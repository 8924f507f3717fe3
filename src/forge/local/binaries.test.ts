import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ForgeToolNotFoundError, forgeToolDir, forgeToolPath } from './binaries.js';

describe('forge tool paths', () => {
  it('live in the cache by product and pinned version', () => {
    expect(forgeToolDir('gitea', { WEFT_CACHE: '/c' })).toMatch(/^\/c\/bin\/gitea-v\d+\.\d+\.\d+$/);
    expect(forgeToolDir('git-remote-rad', { WEFT_CACHE: '/c' })).toMatch(/^\/c\/bin\/radicle-\d+\.\d+\.\d+$/);
  });
  it('a missing binary fails with the command that builds it', () => {
    const empty = mkdtempSync(join(tmpdir(), 'weft-bin-'));
    try {
      expect(() => forgeToolPath('gitea', { WEFT_BIN_DIR: empty })).toThrow(ForgeToolNotFoundError);
      expect(() => forgeToolPath('gitea', { WEFT_BIN_DIR: empty })).toThrow(/hack\/build-tools\.sh gitea/);
      expect(() => forgeToolPath('rad', { WEFT_BIN_DIR: empty })).toThrow(/hack\/build-tools\.sh rad/);
    } finally {
      rmSync(empty, { recursive: true });
    }
  });
});
