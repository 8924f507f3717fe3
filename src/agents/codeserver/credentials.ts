/**
 * code-server's password for an AgentTask pod, kept by the operator only. The plain password is
 * derived, never stored: HMAC-SHA256(operator key, task uid), where the operator key lives in the
 * Secret `weft-code-server-key` of the operator's namespace (made on first start, read by nobody
 * else). The pod gets only an argon2id hash of it (`HASHED_PASSWORD`, which code-server accepts),
 * so neither the agent nor anyone who reads the pod spec can log in; the operator logs in on an
 * authorized user's behalf (src/server/attach/). The hash's salt is derived the same way, so the
 * pod spec of an attempt is stable across reconciles and operator restarts.
 */
import { argon2Sync, createHmac, randomBytes } from 'node:crypto';
import type { KubernetesObject, V1Secret } from '@kubernetes/client-node';
import { SECRETS } from '../../api/resources.js';
import { isConflict, isNotFound } from '../../runtime/errors.js';
import type { RestClient } from '../../runtime/rest.js';

/** The Secret (operator namespace) that holds the key every code-server password derives from. */
export const CODE_SERVER_KEY_SECRET = 'weft-code-server-key';
/** The port code-server listens on in the pod (not 8080: the agent shares the pod's network). */
export const CODE_SERVER_PORT = 13337;
/** The default code-server sidecar image (hack/images/build.sh code-server). */
export const DEFAULT_CODE_SERVER_IMAGE = 'localhost/weft-code-server:dev';

// OWASP's argon2id minimum (19 MiB, 2 passes): ~30 ms per task attempt, computed once per uid.
const ARGON2 = { memory: 19_456, passes: 2, parallelism: 1, tagLength: 32 } as const;

const b64 = (b: Buffer) => b.toString('base64').replace(/=+$/, '');

/** Derives a task's code-server password and its hash from the operator key. */
export class CodeServerCredentials {
  private readonly hashes = new Map<string, string>();

  constructor(private readonly key: Buffer) {
    if (key.length < 32) throw new Error(`the code-server key must be at least 32 bytes (got ${key.length}): delete Secret ${CODE_SERVER_KEY_SECRET} and restart the operator to make a new one`);
  }

  /** The plain password of the task with this uid (only the operator ever holds it). */
  password(taskUid: string): string {
    return createHmac('sha256', this.key).update(`code-server-password:${taskUid}`).digest('base64url');
  }

  /** The argon2id hash (PHC string) code-server checks the password against: what the pod gets. */
  hashedPassword(taskUid: string): string {
    let h = this.hashes.get(taskUid);
    if (!h) {
      const nonce = createHmac('sha256', this.key).update(`code-server-salt:${taskUid}`).digest().subarray(0, 16);
      const tag = argon2Sync('argon2id', { message: this.password(taskUid), nonce, ...ARGON2 });
      h = `$argon2id$v=19$m=${ARGON2.memory},t=${ARGON2.passes},p=${ARGON2.parallelism}$${b64(nonce)}$${b64(tag)}`;
      this.hashes.set(taskUid, h);
    }
    return h;
  }
}

/**
 * The operator's code-server key: read from Secret `weft-code-server-key` in `namespace`, made
 * (32 random bytes) when it is not there. Two operators starting at once agree (409 → read again).
 */
export async function loadCodeServerCredentials(rest: RestClient, namespace: string): Promise<CodeServerCredentials> {
  const read = async () => {
    const s = await rest.get<V1Secret & KubernetesObject>(SECRETS, CODE_SERVER_KEY_SECRET, namespace);
    const key = s.data?.key;
    if (!key) throw new Error(`Secret ${namespace}/${CODE_SERVER_KEY_SECRET} has no data.key: delete it and restart the operator to make a new one`);
    return new CodeServerCredentials(Buffer.from(key, 'base64'));
  };
  try {
    return await read();
  } catch (err) {
    if (!isNotFound(err)) throw err;
  }
  const secret = {
    apiVersion: 'v1',
    kind: 'Secret',
    metadata: { name: CODE_SERVER_KEY_SECRET, namespace, labels: { 'app.kubernetes.io/managed-by': 'weft' } },
    type: 'Opaque',
    data: { key: randomBytes(32).toString('base64') },
  };
  try {
    await rest.create(SECRETS, secret as KubernetesObject);
  } catch (err) {
    if (!isConflict(err)) throw err;
  }
  return read();
}
