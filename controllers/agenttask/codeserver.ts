/**
 * The code-server sidecar of an agent pod (spec.agent.codeServer: true): code-server from its own
 * image (`localhost/weft-code-server:dev`, hack/images/build.sh code-server) serving the agent's
 * /workspace volume on CODE_SERVER_PORT, for a human who attaches through the operator's RBAC-checked
 * route (src/server/attach/, `weft agent attach`). It is a native sidecar (an init container with
 * `restartPolicy: Always`): it starts before the agent and is stopped when the agent container ends,
 * so the pod (and the attempt) still ends with the agent. Same restricted securityContext as the
 * agent, read-only root filesystem; its config, data and /tmp are an emptyDir of its own.
 *
 * Credentials: `--auth password` with `HASHED_PASSWORD`, an argon2id hash of a password only the
 * operator derives (src/agents/codeserver/credentials.ts). The agent container cannot read the
 * sidecar's environment or mounts. Caveat (docs/agenttask.md): code-server 4.x uses that hash as its
 * session cookie value, so whoever can read the pod spec in the OrgCluster (`get pods`) could log
 * in directly if they can also reach the pod IP.
 */
import type { V1Container, V1Volume } from '@kubernetes/client-node';
import type { AgentTask } from '../../src/api/agenttask/types.js';
import { CODE_SERVER_PORT } from '../../src/agents/codeserver/credentials.js';

/** The sidecar's container name (an init container with restartPolicy Always). */
export const CODE_SERVER_CONTAINER = 'code-server';
/** Where code-server keeps its settings, extensions and sockets (one emptyDir, subPaths). */
export const CODE_SERVER_PATHS = { home: '/home/coder', config: '/home/coder/.config', data: '/home/coder/.local/share', tmp: '/tmp', workspace: '/workspace' } as const;

/** What the operator gives the sidecar. */
export interface CodeServerPodConfig {
  /** The code-server image, e.g. localhost/weft-code-server:dev. */
  image: string;
  /** The argon2id hash of the task's code-server password (the pod never gets the password). */
  hashedPassword(task: AgentTask): string;
}

/** The sidecar container; `securityContext` is the agent container's (restricted). */
export function codeServerSidecar(task: AgentTask, cfg: CodeServerPodConfig, o: { securityContext: NonNullable<V1Container['securityContext']>; imagePullPolicy?: V1Container['imagePullPolicy'] }): V1Container {
  const p = CODE_SERVER_PATHS;
  return {
    name: CODE_SERVER_CONTAINER,
    image: cfg.image,
    ...(o.imagePullPolicy ? { imagePullPolicy: o.imagePullPolicy } : {}),
    restartPolicy: 'Always',
    command: ['code-server'],
    args: [
      `--bind-addr=0.0.0.0:${CODE_SERVER_PORT}`,
      '--auth=password',
      '--disable-telemetry',
      '--disable-update-check',
      '--disable-workspace-trust',
      `--config=${p.config}/code-server/config.yaml`,
      `--user-data-dir=${p.data}/code-server`,
      `--extensions-dir=${p.data}/code-server/extensions`,
      p.workspace,
    ],
    workingDir: p.workspace,
    env: [
      { name: 'HASHED_PASSWORD', value: cfg.hashedPassword(task) },
      { name: 'HOME', value: p.home },
      { name: 'XDG_CONFIG_HOME', value: p.config },
      { name: 'XDG_DATA_HOME', value: p.data },
      { name: 'TMPDIR', value: p.tmp },
    ],
    ports: [{ name: 'code-server', containerPort: CODE_SERVER_PORT, protocol: 'TCP' }],
    readinessProbe: { httpGet: { path: '/healthz', port: CODE_SERVER_PORT }, periodSeconds: 2, failureThreshold: 3 },
    securityContext: o.securityContext,
    volumeMounts: [
      { name: 'workspace', mountPath: p.workspace },
      { name: 'code-server', mountPath: p.home, subPath: 'home' },
      { name: 'code-server', mountPath: p.tmp, subPath: 'tmp' },
    ],
  };
}

/** The sidecar's own emptyDir (the workspace volume is the agent's). */
export function codeServerVolumes(): V1Volume[] {
  return [{ name: 'code-server', emptyDir: {} }];
}
