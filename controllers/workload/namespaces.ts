import { NAMESPACES } from '../../src/api/resources.js';
import type { ClusterConnection } from '../../src/cluster/connections.js';
import { isAlreadyExists, isConflict, statusCode } from '../../src/runtime/index.js';

/** Creates the namespace in the cluster once: concurrent callers share one request. */
export function ensureNamespace(conn: ClusterConnection, ns: string): Promise<void> {
  let made = conn.namespaces.get(ns);
  if (!made) {
    made = conn.rest.create(NAMESPACES, { metadata: { name: ns, labels: { 'app.kubernetes.io/managed-by': 'weft' } } }).then(
      () => undefined,
      async (err: unknown) => {
        if (isAlreadyExists(err) || isConflict(err)) return;
        // Credentials that may not create namespaces (a namespaced role): fine if it exists.
        if (statusCode(err) === 403 && (await conn.rest.get(NAMESPACES, ns).then(() => true, () => false))) return;
        conn.namespaces.delete(ns); // the next pass tries again
        throw err;
      },
    );
    conn.namespaces.set(ns, made);
  }
  return made;
}
