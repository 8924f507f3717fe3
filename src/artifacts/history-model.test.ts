import { createHash } from 'node:crypto';
import { specDigest } from './history-model.js';

describe('specDigest', () => {
  it('is the sha256 of the spec as JSON, the same for equal specs and different for others', () => {
    const spec = { template: 'ci', params: { ref: 'main' } };
    expect(specDigest(spec)).toBe(`sha256:${createHash('sha256').update('{"template":"ci","params":{"ref":"main"}}').digest('hex')}`);
    expect(specDigest({ ...spec })).toBe(specDigest(spec));
    expect(specDigest({ ...spec, params: { ref: 'dev' } })).not.toBe(specDigest(spec));
  });
});
