import type { AgentTask } from '../../../api/agenttask/index.js';
import { upstreamFromSecret } from './credentials.js';
import { upstreamEnv } from './mirror.js';

const task = (repo: AgentTask['spec']['repo']): AgentTask => ({ apiVersion: 'weft.dev/v1alpha1', kind: 'AgentTask', metadata: { name: 'fix', namespace: 'team' }, spec: { org: 'acme', repo, source: { inline: { title: 'x' } } } }) as AgentTask;
const secrets: Record<string, Record<string, string>> = { forge: { token: 'tok-123456' }, other: { pat: 'pat-654321' } };
const load = upstreamFromSecret(async (_ns, name) => secrets[name]);

describe('upstreamFromSecret', () => {
  it('reads the token under "token", or the key the ref names, and keeps the base branch', async () => {
    await expect(load(task({ url: 'https://forge.example/acme/app.git', credentialsSecretRef: { name: 'forge' }, baseBranch: 'dev' }))).resolves.toEqual({ url: 'https://forge.example/acme/app.git', token: 'tok-123456', baseBranch: 'dev' });
    await expect(load(task({ url: 'https://forge.example/a/b.git', credentialsSecretRef: { name: 'other', key: 'pat' } }))).resolves.toMatchObject({ token: 'pat-654321' });
    await expect(load(task({ url: 'file:///srv/repo.git' }))).resolves.toEqual({ url: 'file:///srv/repo.git' });
  });

  it.each([
    [{ url: 'https://forge.example/a.git', credentialsSecretRef: { name: 'missing' } }, 'Secret team/missing (spec.repo.credentialsSecretRef) does not exist; create it with: kubectl -n team create secret generic missing --from-literal=token=<forge token>'],
    [{ url: 'https://forge.example/a.git', credentialsSecretRef: { name: 'other' } }, 'has no key "token" (keys: pat)'],
    [{ url: 'https://bot:secret@forge.example/a.git' }, 'spec.repo.url carries credentials; use an http(s):// clone URL without credentials'],
    [{ url: 'ssh://git@forge.example/a.git' }, 'spec.repo.url scheme "ssh:" is not supported by the git gateway'],
    [{ url: 'git@forge.example:a.git' }, 'spec.repo.url "git@forge.example:a.git" is not a URL the git gateway can mirror'],
    [{ url: 'rad:z3gqcJUoA1n9HaHKufZs5FCSGazv5' }, 'is a Radicle repository but the operator has no Radicle identity; start it with --radicle-home'],
  ])('explains %j', async (repo, message) => {
    await expect(load(task(repo))).rejects.toThrow(message);
  });

  it('a Radicle repository id goes to the operator\'s Radicle identity, with no Secret; a malformed id is named', async () => {
    const radicle = { radHome: '/var/lib/weft/radicle', passphrase: 'pw' };
    const withRad = upstreamFromSecret(async () => undefined, radicle);
    await expect(withRad(task({ url: 'rad:z3gqcJUoA1n9HaHKufZs5FCSGazv5', baseBranch: 'main' }))).resolves.toEqual({ url: 'rad:z3gqcJUoA1n9HaHKufZs5FCSGazv5', baseBranch: 'main', radicle });
    await expect(withRad(task({ url: 'rad:not-an-id' }))).rejects.toThrow('spec.repo.url "rad:not-an-id" is not a Radicle repository id (rad:z…); list them with `rad ls`');
    expect(upstreamEnv({ url: 'rad:z3gqcJUoA1n9HaHKufZs5FCSGazv5', radicle })).toEqual({});
  });
});

describe('upstreamEnv', () => {
  it('puts the token in command-line config for the forge origin only, never in a URL', () => {
    const env = upstreamEnv({ url: 'https://forge.example/acme/app.git', token: 'tok-123456' });
    expect(env).toEqual({ GIT_CONFIG_COUNT: '1', GIT_CONFIG_KEY_0: 'http.https://forge.example/.extraHeader', GIT_CONFIG_VALUE_0: `Authorization: Basic ${Buffer.from('x-access-token:tok-123456').toString('base64')}` });
    expect(upstreamEnv({ url: 'file:///srv/r.git', token: 'tok-123456' })).toEqual({});
    expect(upstreamEnv({ url: 'https://forge.example/a.git' })).toEqual({});
  });
});
