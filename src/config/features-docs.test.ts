import { readFileSync } from 'node:fs';
import { FEATURE_GATES } from './features.js';

describe('docs/feature-gates.md', () => {
  const doc = readFileSync(new URL('../../docs/feature-gates.md', import.meta.url), 'utf8');

  it.each(Object.entries(FEATURE_GATES))('lists %s with its default and stage', (name, spec) => {
    expect(doc).toContain(`| \`${name}\` | \`${spec.default}\` | ${spec.stage} |`);
  });

  it('lists no gate that the code does not know', () => {
    const documented = [...doc.matchAll(/^\| `(\w+)` \|/gm)].map((m) => m[1]);
    expect(documented.sort()).toEqual(Object.keys(FEATURE_GATES).sort());
  });
});
