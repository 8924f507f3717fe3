import { ForgeAuthError } from './errors.js';
import { tokenFromSecret } from './secret.js';
import { gitAuthEnv, basicAuth, redactUrls } from './git.js';
import { createLogger } from '../log.js';
import { Writable } from 'node:stream';

describe('tokenFromSecret', () => {
  it('reads data (base64) and stringData', () => {
    expect(tokenFromSecret({ data: { token: Buffer.from('abc\n').toString('base64') } })).toBe('abc');
    expect(tokenFromSecret({ stringData: { pat: 'xyz' } }, 'pat')).toBe('xyz');
  });
  it('names the Secret, its keys and the fix when the key is missing', () => {
    expect(() => tokenFromSecret({ metadata: { name: 'gitea', namespace: 'agents' }, data: { password: 'eA==' } })).toThrow(ForgeAuthError);
    expect(() => tokenFromSecret({ metadata: { name: 'gitea', namespace: 'agents' }, data: { password: 'eA==' } })).toThrow(
      /Secret agents\/gitea has no "token" key \(keys: password\).*kubectl create secret generic gitea --from-literal=token=/,
    );
  });
});

describe('git credentials', () => {
  it('go through GIT_CONFIG_* as an extra header, never into the URL', () => {
    const env = gitAuthEnv('http://127.0.0.1:3000/', basicAuth('x-access-token', 's3cret'));
    expect(env).toEqual({ GIT_CONFIG_COUNT: '1', GIT_CONFIG_KEY_0: 'http.http://127.0.0.1:3000/.extraHeader', GIT_CONFIG_VALUE_0: expect.stringMatching(/^Authorization: Basic /) });
  });
  it('userinfo in a message is redacted', () => {
    expect(redactUrls('fatal: unable to access http://weft:tok@127.0.0.1:3000/a.git')).toBe('fatal: unable to access http://[redacted]@127.0.0.1:3000/a.git');
  });
  it('the logger redacts tokens wherever they sit', () => {
    let out = '';
    const log = createLogger({ destination: new Writable({ write: (c: Buffer, _e, cb) => ((out += c.toString()), cb()) }) });
    log.info({ forge: { url: 'http://127.0.0.1:3000', token: 'tok-123' }, token: 'tok-456' }, 'forge');
    expect(out).not.toMatch(/tok-123|tok-456/);
  });
});
