import type { AgentTask } from '../../src/api/agenttask/types.js';
import { agentPodSpec, AGENT_CONTAINER, type AgentPodConfig } from './pod.js';
import { CODE_SERVER_CONTAINER } from './codeserver.js';

function task(codeServer?: boolean): AgentTask {
  return {
    apiVersion: 'weft.dev/v1alpha1',
    kind: 'AgentTask',
    metadata: { name: 'fix', namespace: 'acme', uid: 'u1' },
    spec: { org: 'acme', repo: { url: 'http://forge.invalid/acme/app.git' }, source: { inline: { title: 'Fix it' } }, agent: { driver: 'scripted', steps: [{ run: 'true' }], ...(codeServer !== undefined ? { codeServer } : {}) } },
  } as AgentTask;
}

const cfg: AgentPodConfig = { image: 'agent:1', gatewayUrl: 'http://op:8080', codeServer: { image: 'cs:1', hashedPassword: (t) => `$argon2id$hash-of-${t.metadata.uid}` } };

describe('the code-server sidecar (spec.agent.codeServer)', () => {
  it('is a native sidecar serving the workspace with a hash only, restricted like the agent; the agent stays the only container', () => {
    const spec = agentPodSpec(task(true), 1, cfg);
    expect(spec.containers.map((c) => c.name)).toEqual([AGENT_CONTAINER]);
    const [cs] = spec.initContainers!;
    expect(cs).toMatchObject({ name: CODE_SERVER_CONTAINER, image: 'cs:1', restartPolicy: 'Always', command: ['code-server'] });
    expect(cs!.securityContext).toEqual(spec.containers[0]!.securityContext);
    expect(cs!.securityContext).toMatchObject({ readOnlyRootFilesystem: true, allowPrivilegeEscalation: false, runAsNonRoot: true, capabilities: { drop: ['ALL'] } });
    expect(cs!.args).toEqual(expect.arrayContaining(['--auth=password', '--bind-addr=0.0.0.0:13337', '/workspace']));
    expect(cs!.args!.some((a) => a.startsWith('--user-data-dir=')) && cs!.args!.some((a) => a.startsWith('--extensions-dir='))).toBe(true);
    const env = Object.fromEntries(cs!.env!.map((e) => [e.name, e.value]));
    expect(env).toMatchObject({ HASHED_PASSWORD: '$argon2id$hash-of-u1', XDG_CONFIG_HOME: expect.any(String), XDG_DATA_HOME: expect.any(String) });
    expect(Object.keys(env)).not.toContain('PASSWORD');
    expect(cs!.volumeMounts).toContainEqual({ name: 'workspace', mountPath: '/workspace' });
    expect(spec.volumes!.map((v) => v.name)).toContain('code-server');
    // The agent container gets nothing of it.
    expect(JSON.stringify(spec.containers[0])).not.toContain('argon2');
  });

  it('is absent without spec.agent.codeServer, or when the operator has no code-server key', () => {
    expect(agentPodSpec(task(false), 1, cfg).initContainers).toBeUndefined();
    expect(agentPodSpec(task(), 1, cfg).initContainers).toBeUndefined();
    expect(agentPodSpec(task(true), 1, { ...cfg, codeServer: undefined }).initContainers).toBeUndefined();
  });
});
