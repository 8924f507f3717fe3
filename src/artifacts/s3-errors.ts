import { ArtifactStoreError, type ArtifactStoreErrorCode } from './errors.js';

/** What the error message of a failed S3 call names. */
export interface S3CallContext {
  /** The store's description, e.g. `s3 http://127.0.0.1:7070 bucket "artifacts"`. */
  store: string;
  endpoint: string;
  bucket: string;
  /** put, get, head, list, delete, presign. */
  op: string;
  key: string;
}

const AUTH = new Set(['InvalidAccessKeyId', 'XAdminUserNotFound', 'SignatureDoesNotMatch', 'AccessDenied', 'InvalidSecurity', 'RequestTimeTooSkewed', 'ExpiredToken']);
const CHECKSUM = new Set(['BadDigest', 'InvalidDigest', 'XAmzContentSHA256Mismatch', 'InvalidChecksum']);
const NOT_FOUND = new Set(['NoSuchKey', 'NotFound']);
const NETWORK = new Set(['ECONNREFUSED', 'ECONNRESET', 'ENOTFOUND', 'EAI_AGAIN', 'ETIMEDOUT', 'EHOSTUNREACH', 'ENETUNREACH', 'EPIPE', 'TimeoutError']);

interface SdkErrorShape {
  name?: string;
  code?: string;
  Code?: string;
  message?: string;
  errors?: unknown[];
  cause?: unknown;
  $metadata?: { httpStatusCode?: number };
}

const NETWORK_IN_MESSAGE = new RegExp(`\\b(${[...NETWORK].join('|')})\\b`);

/**
 * The S3 error code, or the network error code: also inside an AggregateError (happy eyeballs), a
 * cause, or only in the message (the SDK wraps errors from another realm as "AWS SDK error wrapper
 * for Error: connect ECONNREFUSED …").
 */
function codeOf(err: SdkErrorShape): string {
  if (err.errors && err.errors.length > 0) return codeOf(err.errors[0] as SdkErrorShape);
  const own = err.Code ?? err.code;
  if (own) return own;
  if (typeof err.cause === 'object' && err.cause !== null) {
    const inner = codeOf(err.cause as SdkErrorShape);
    if (NETWORK.has(inner)) return inner;
  }
  const inMessage = NETWORK_IN_MESSAGE.exec(err.message ?? '');
  return inMessage?.[1] ?? err.name ?? 'Error';
}

function classify(code: string, status: number | undefined): ArtifactStoreErrorCode {
  if (NETWORK.has(code)) return 'Unreachable';
  if (AUTH.has(code) || status === 401 || status === 403) return 'Unauthorized';
  if (code === 'NoSuchBucket') return 'NoSuchBucket';
  if (CHECKSUM.has(code)) return 'ChecksumMismatch';
  if (NOT_FOUND.has(code) || status === 404) return 'NotFound';
  return 'Failed';
}

function advice(code: ArtifactStoreErrorCode, ctx: S3CallContext): string {
  switch (code) {
    case 'Unreachable':
      return `cannot reach the artifact store at ${ctx.endpoint}: is the server running and is "endpoint" in the artifact store Secret right?`;
    case 'Unauthorized':
      return `the artifact store at ${ctx.endpoint} refused the credentials: check "accessKeyId" and "secretAccessKey" in the artifact store Secret (and the clock, for RequestTimeTooSkewed)`;
    case 'NoSuchBucket':
      return `bucket "${ctx.bucket}" does not exist at ${ctx.endpoint}: create it, or fix "bucket" in the artifact store Secret`;
    case 'ChecksumMismatch':
      return `the artifact store at ${ctx.endpoint} computed another checksum for "${ctx.key}" than the one sent: the content changed during the upload; retry`;
    case 'NotFound':
      return `no object "${ctx.key}" in bucket "${ctx.bucket}" at ${ctx.endpoint}`;
    default:
      return `the artifact store at ${ctx.endpoint} failed`;
  }
}

/**
 * Turns an AWS SDK (or socket) error into an {@link ArtifactStoreError} whose message names the
 * endpoint, the bucket or key and the fix, e.g. for wrong keys: `s3 put "a/b": the artifact store at
 * http://127.0.0.1:7070 refused the credentials: check "accessKeyId" and "secretAccessKey" … (SignatureDoesNotMatch)`.
 */
export function mapS3Error(err: unknown, ctx: S3CallContext): ArtifactStoreError {
  if (err instanceof ArtifactStoreError) return err;
  const e = (typeof err === 'object' && err !== null ? err : { message: String(err) }) as SdkErrorShape;
  const raw = codeOf(e);
  const code = classify(raw, e.$metadata?.httpStatusCode);
  const status = e.$metadata?.httpStatusCode ? ` HTTP ${e.$metadata.httpStatusCode}` : '';
  const message = `s3 ${ctx.op} "${ctx.key}": ${advice(code, ctx)} (${raw}${status}${e.message && e.message !== raw ? `: ${e.message}` : ''})`;
  return new ArtifactStoreError(code, ctx.store, message, { cause: err });
}
