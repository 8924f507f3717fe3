import { ArtifactConfigError } from './errors.js';
import { parseStoreSecret } from './config.js';
import { artifactKey, checkKey, runPrefix } from './store.js';

const meta = { namespace: 'team-a', name: 'artifacts' };
const full = { endpoint: 'http://127.0.0.1:7070/', bucket: 'b', accessKeyId: 'k', secretAccessKey: 's' };
const b64 = (o: Record<string, string>) => Object.fromEntries(Object.entries(o).map(([k, v]) => [k, Buffer.from(v).toString('base64')]));

describe('parseStoreSecret', () => {
  it('reads an s3 Secret from data (base64) or stringData, with defaults', () => {
    expect(parseStoreSecret({ metadata: meta, data: b64(full) })).toEqual({ type: 's3', endpoint: 'http://127.0.0.1:7070', bucket: 'b', region: 'us-east-1', accessKeyId: 'k', secretAccessKey: 's' });
    expect(parseStoreSecret({ stringData: { ...full, region: 'eu-west-1', prefix: 'weft' } })).toMatchObject({ region: 'eu-west-1', prefix: 'weft/' });
  });

  it.each(['endpoint', 'bucket', 'accessKeyId', 'secretAccessKey'])('names the Secret and the missing key %s', (key) => {
    const values: Record<string, string> = { ...full };
    delete values[key];
    const err = (() => {
      try {
        parseStoreSecret({ metadata: meta, data: b64(values) });
      } catch (e) {
        return e;
      }
    })() as ArtifactConfigError;
    expect(err).toBeInstanceOf(ArtifactConfigError);
    expect(err.key).toBe(key);
    expect(err.message).toContain(`artifact store Secret "team-a/artifacts": missing key "${key}"`);
  });

  it('checks the endpoint, the type and the filesystem path', () => {
    expect(() => parseStoreSecret({ stringData: { ...full, endpoint: 'ftp://x' } })).toThrow(/"endpoint" must be http/);
    expect(() => parseStoreSecret({ stringData: { ...full, endpoint: 'not a url' } })).toThrow(/"endpoint" is not a URL/);
    expect(() => parseStoreSecret({ stringData: { type: 'gcs' } })).toThrow(/unknown "type" "gcs" \(allowed: s3, filesystem\)/);
    expect(() => parseStoreSecret({ stringData: { type: 'filesystem' } })).toThrow(/missing key "path"/);
    expect(() => parseStoreSecret({ stringData: { type: 'filesystem', path: 'rel' } })).toThrow(/absolute/);
    expect(parseStoreSecret({ stringData: { type: 'filesystem', path: '/var/weft' } })).toEqual({ type: 'filesystem', path: '/var/weft' });
  });
});

describe('artifact layout', () => {
  it('is <namespace>/<kind>/<name>/<attempt>/<path>', () => {
    expect(artifactKey({ namespace: 'team-a', kind: 'job', name: 'build.1', attempt: 3 }, 'reports/junit.xml')).toBe('team-a/job/build.1/3/reports/junit.xml');
    expect(() => runPrefix({ namespace: 'Team', kind: 'job', name: 'x', attempt: 1 })).toThrow(/invalid namespace "Team"/);
    expect(() => runPrefix({ namespace: 'a', kind: 'job', name: 'x', attempt: -1 })).toThrow(/invalid attempt/);
  });

  it.each(['', '/a', 'a/../b', '..', 'a//b', 'a/', 'a\\b', 'a/./b', 'a\u0000b'])('refuses the key %j', (key) => {
    expect(() => checkKey(key)).toThrow(TypeError);
  });
});
