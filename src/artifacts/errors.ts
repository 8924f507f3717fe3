/**
 * Typed errors of the artifact stores. Every message names the store (endpoint or directory), the
 * object and what to do, so that a Job's `ArtifactsFailed` condition can carry it as is.
 */

/** Why a store operation failed: what a caller branches on (retry, condition reason, HTTP status). */
export type ArtifactStoreErrorCode =
  /** The store refused the credentials (wrong access key or secret, clock skew). Not retryable. */
  | 'Unauthorized'
  /** The bucket does not exist. Not retryable until someone creates it. */
  | 'NoSuchBucket'
  /** The object does not exist. */
  | 'NotFound'
  /** The store could not be reached (connection refused, DNS, timeout). Retryable. */
  | 'Unreachable'
  /** The store computed another digest than the one sent. Retryable (the bytes changed on the way). */
  | 'ChecksumMismatch'
  /** The store does not offer this operation (a filesystem store has no presigned URLs). */
  | 'Unsupported'
  /** Anything else the store answered. */
  | 'Failed';

const RETRYABLE: ReadonlySet<ArtifactStoreErrorCode> = new Set(['Unreachable', 'ChecksumMismatch', 'Failed']);

/** Failure of an artifact store operation, with a code to branch on and the store it concerns. */
export class ArtifactStoreError extends Error {
  constructor(
    readonly code: ArtifactStoreErrorCode,
    /** The store, e.g. `s3 http://127.0.0.1:7070 bucket "artifacts"` or `filesystem /var/weft`. */
    readonly store: string,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
    this.name = 'ArtifactStoreError';
  }

  /** Whether the same call may succeed later without anyone changing the configuration. */
  get retryable(): boolean {
    return RETRYABLE.has(this.code);
  }
}

/** An artifact store Secret (or its parsed configuration) is incomplete or invalid. */
export class ArtifactConfigError extends Error {
  constructor(
    /** The Secret, `namespace/name`, or `(inline)`. */
    readonly source: string,
    /** The offending key, e.g. `bucket`. */
    readonly key: string,
    message: string,
  ) {
    super(message);
    this.name = 'ArtifactConfigError';
  }
}

/** Why a declared artifact was not collected. */
export type RefusalReason = 'PathTraversal' | 'SymlinkOutOfWorkspace' | 'TooLarge' | 'TotalTooLarge';

/** One artifact path refused by the uploader, with a message that names it and the rule. */
export interface ArtifactRefusal {
  reason: RefusalReason;
  /** The pattern or the workspace-relative path that was refused. */
  path: string;
  message: string;
}

/** Thrown when refusals are not acceptable to the caller (see `assertNoRefusals`). */
export class ArtifactRefusedError extends Error {
  constructor(readonly refusals: readonly ArtifactRefusal[]) {
    super(refusals.map((r) => r.message).join('; '));
    this.name = 'ArtifactRefusedError';
  }
}
