/**
 * Where an attach goes: the AgentTask → its current Workload's pod (status.podRef, in the OrgCluster
 * it names, read through the shared ClusterConnections) → the pod IP and code-server's port, and a
 * code-server session (POST /login with the operator-derived password) cached per pod.
 */
import { request } from 'node:http';
import type { KubernetesObject, V1Pod } from '@kubernetes/client-node';
import { AGENTTASKS, ORGCLUSTERS, PODS, WORKLOADS } from '../../api/resources.js';
import type { AgentTask } from '../../api/agenttask/types.js';
import type { OrgCluster } from '../../api/orgcluster/types.js';
import type { Workload } from '../../api/workload/types.js';
import { podOf, type ClusterConnections } from '../../cluster/connections.js';
import { CODE_SERVER_PORT, type CodeServerCredentials } from '../../agents/codeserver/credentials.js';
import { errorMessage, isNotFound, type RestClient } from '../../runtime/index.js';

/** The sidecar's container name (controllers/agenttask/codeserver.ts). */
const SIDECAR = 'code-server';

/** Why an attach cannot go through, as an HTTP status and a message that says the fix. */
export class AttachError extends Error {
  constructor(
    readonly statusCode: number,
    message: string,
  ) {
    super(message);
    this.name = 'AttachError';
  }
}

/** A code-server that can be attached to. */
export interface AttachTarget {
  host: string;
  port: number;
  /** The pod's uid: sessions are cached per pod. */
  podUid: string;
  taskUid: string;
}

/** Reads the task, its Workload and pod; throws AttachError (404/409/503) when there is no running code-server. */
export async function resolveTarget(rest: RestClient, connections: ClusterConnections, namespace: string, name: string): Promise<AttachTarget> {
  const id = `AgentTask ${namespace}/${name}`;
  const task = await rest.get<AgentTask & KubernetesObject>(AGENTTASKS, name, namespace).catch((err: unknown) => {
    throw isNotFound(err) ? new AttachError(404, `${id} not found`) : new AttachError(503, `cannot read ${id}: ${errorMessage(err)}`);
  });
  const ref = await podRefOf(rest, id, task);
  const pod = await readPod(rest, connections, ref);
  return targetOf(id, pod, task.metadata!.uid!);
}

/** The pod of the task's current attempt (its Workload's status.podRef); 409 when there is none. */
async function podRefOf(rest: RestClient, id: string, task: AgentTask & KubernetesObject): Promise<{ cluster: string; namespace: string; name: string }> {
  const { namespace, name } = task.metadata as { namespace: string; name: string };
  if (!task.spec.agent?.codeServer) throw new AttachError(409, `${id} has spec.agent.codeServer=false: set it to true (kubectl patch agenttask ${name} -n ${namespace} --type=merge -p '{"spec":{"agent":{"codeServer":true}}}'); it applies to the next attempt`);
  const status = task.status ?? {};
  const wlName = status.workload;
  if (!wlName || !status.placement?.pod) throw new AttachError(409, `${id} has no running pod (phase ${status.phase ?? 'Pending'}${status.message ? `: ${status.message}` : ''})`);
  const wl = await rest.get<Workload & KubernetesObject>(WORKLOADS, wlName, namespace).catch((err: unknown) => {
    throw new AttachError(isNotFound(err) ? 409 : 503, `${id}: cannot read its Workload ${wlName}: ${errorMessage(err)}`);
  });
  const ref = podRefWithCluster(wl);
  if (!ref) throw new AttachError(409, `${id} has no running pod yet (Workload ${wlName} has no status.podRef)`);
  return ref;
}

/** The Workload's pod with its cluster (podRef.cluster, else the placement's: older Workload controllers did not write it). */
function podRefWithCluster(wl: Workload): { cluster: string; namespace: string; name: string } | undefined {
  const ref = wl.status?.podRef;
  const cluster = ref?.cluster ?? wl.status?.placement?.cluster;
  return cluster && ref?.namespace && ref.name ? { cluster, namespace: ref.namespace, name: ref.name } : undefined;
}

async function readPod(rest: RestClient, connections: ClusterConnections, ref: { cluster: string; namespace: string; name: string }): Promise<V1Pod> {
  const [ocNs, ocName] = ref.cluster.split('/');
  try {
    const oc = await rest.get<OrgCluster & KubernetesObject>(ORGCLUSTERS, ocName!, ocNs);
    const conn = await connections.get(oc);
    return podOf(conn, `${ref.namespace}/${ref.name}`) ?? (await conn.rest.get<V1Pod & KubernetesObject>(PODS, ref.name, ref.namespace));
  } catch (err) {
    throw new AttachError(isNotFound(err) ? 409 : 503, `cannot read pod ${ref.namespace}/${ref.name} in OrgCluster ${ref.cluster}: ${errorMessage(err)}`);
  }
}

function targetOf(id: string, pod: V1Pod, taskUid: string): AttachTarget {
  const name = `${pod.metadata?.namespace}/${pod.metadata?.name}`;
  const status = pod.status ?? {};
  if (status.phase !== 'Running' || !status.podIP) throw new AttachError(409, `${id}: its pod ${name} is ${status.phase ?? 'Unknown'}, not Running: code-server runs only while the agent does`);
  const sidecar = status.initContainerStatuses?.find((c) => c.name === SIDECAR);
  if (!sidecar) throw new AttachError(409, `${id}: its pod ${name} has no code-server container (it was made before spec.agent.codeServer was set, or the operator runs without the code-server key)`);
  if (!sidecar.ready) {
    const waiting = sidecar.state?.waiting;
    throw new AttachError(409, `${id}: code-server in pod ${name} is not ready yet${waiting ? ` (${waiting.reason}: ${waiting.message ?? ''})` : ''}; try again in a few seconds`);
  }
  return { host: status.podIP, port: CODE_SERVER_PORT, podUid: pod.metadata?.uid ?? name, taskUid };
}

/** The session cookie (`code-server-session=…`) of a pod's code-server, logging in on first use. */
export class CodeServerSessions {
  private readonly cookies = new Map<string, Promise<string>>();

  constructor(private readonly credentials: CodeServerCredentials) {}

  cookie(t: AttachTarget): Promise<string> {
    let c = this.cookies.get(t.podUid);
    if (!c) {
      if (this.cookies.size >= 1000) this.cookies.clear(); // pods come and go: a bound, not an LRU
      c = login(t, this.credentials.password(t.taskUid));
      this.cookies.set(t.podUid, c);
      c.catch(() => this.cookies.delete(t.podUid));
    }
    return c;
  }

  /** Forgets a pod's session (code-server sent us to its login page). */
  forget(podUid: string): void {
    this.cookies.delete(podUid);
  }
}

function login(t: AttachTarget, password: string): Promise<string> {
  const body = new URLSearchParams({ password }).toString();
  return new Promise((resolve, reject) => {
    const req = request({ host: t.host, port: t.port, method: 'POST', path: '/login', headers: { 'content-type': 'application/x-www-form-urlencoded', 'content-length': Buffer.byteLength(body) }, timeout: 10_000 }, (res) => {
      res.resume();
      const cookie = (res.headers['set-cookie'] ?? []).map((c) => c.split(';')[0]!).find((c) => c.startsWith('code-server-session='));
      if (cookie) return resolve(cookie);
      reject(new AttachError(502, `code-server at ${t.host}:${t.port} refused the operator's login (HTTP ${res.statusCode}): the pod's HASHED_PASSWORD does not match the operator key (Secret weft-code-server-key changed?); start a new attempt`));
    });
    req.on('timeout', () => req.destroy(new Error('timed out after 10 s')));
    req.on('error', (err) => reject(new AttachError(502, `cannot reach code-server at ${t.host}:${t.port}: ${err.message}`)));
    req.end(body);
  });
}
