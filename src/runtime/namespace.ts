import { errorMessage, isAlreadyExists, isNotFound, statusCode } from './errors.js';
import type { RestClient, ResourceType } from './rest.js';

const NAMESPACES: ResourceType = { group: '', version: 'v1', plural: 'namespaces', kind: 'Namespace', namespaced: false };

/** The operator's namespace is missing and it may not create it: says both fixes. */
export class NamespaceMissingError extends Error {
  override name = 'NamespaceMissingError';
  constructor(
    readonly namespace: string,
    options?: { cause?: unknown },
  ) {
    super(
      `namespace "${namespace}" does not exist and this operator may not create it${options?.cause ? ` (${errorMessage(options.cause)})` : ''}: ` +
        `run \`kubectl create namespace ${namespace}\`, or grant the operator create on namespaces, or pass --namespace with an existing one`,
      options,
    );
  }
}

/** What ensureNamespace found: it was there, it was created, or it could not be told (no get nor create rights). */
export type NamespaceOutcome = 'exists' | 'created' | 'unknown';

/**
 * Makes sure `name` exists: creates it (labelled part-of weft) when it is missing and the operator
 * may. Missing and not allowed → NamespaceMissingError (with the fix); other errors are thrown as is.
 */
export async function ensureNamespace(rest: Pick<RestClient, 'get' | 'create'>, name: string): Promise<NamespaceOutcome> {
  let readable = true;
  try {
    await rest.get(NAMESPACES, name);
    return 'exists';
  } catch (err) {
    if (statusCode(err) === 403) readable = false;
    else if (!isNotFound(err)) throw err;
  }
  try {
    await rest.create(NAMESPACES, { metadata: { name, labels: { 'app.kubernetes.io/part-of': 'weft' } } });
    return 'created';
  } catch (err) {
    if (isAlreadyExists(err)) return 'exists';
    if (statusCode(err) !== 403) throw err;
    if (!readable) return 'unknown';
    throw new NamespaceMissingError(name, { cause: err });
  }
}
