import { artifactPath, historyArtifacts, parseDest } from './manifest.js';

describe('artifact manifest helpers', () => {
  it('parses --dest, naming the wrong part', () => {
    expect(parseDest('team-a/job/build-1/2')).toEqual({ namespace: 'team-a', kind: 'job', name: 'build-1', attempt: 2 });
    expect(parseDest('team-a/agenttask/fix/1').kind).toBe('agenttask');
    expect(() => parseDest('team-a/job/build-1')).toThrow('expected namespace/kind/name/attempt');
    expect(() => parseDest('team-a/workload/w/1')).toThrow('kind "workload" is not one of job, agenttask');
    expect(() => parseDest('team-a/job/b/x')).toThrow('attempt "x" is not a non-negative integer');
  });
  it('escapes each path segment of the operator URL', () => {
    expect(artifactPath({ namespace: 'a', kind: 'job', name: 'b', attempt: 1 }, 'dir/a b#1.txt')).toBe('/api/v1/artifacts/a/job/b/1/dir/a%20b%231.txt');
  });
  it('turns a manifest into history entries with store keys and hex digests', () => {
    const dest = { namespace: 'a', kind: 'job', name: 'b', attempt: 3 };
    const artifacts = [{ name: 'r/x.xml', url: '/u', digest: `sha256:${'f'.repeat(64)}`, size: 5 }];
    expect(historyArtifacts({ dest, artifacts })).toEqual([{ path: 'r/x.xml', key: 'a/job/b/3/r/x.xml', size: 5, sha256: 'f'.repeat(64) }]);
  });
});
