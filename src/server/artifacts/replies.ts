import type { FastifyReply } from 'fastify';
import { ArtifactConfigError, ArtifactStoreError } from '../../artifacts/errors.js';
import { errorMessage } from '../../runtime/index.js';

/** Replies with the API's error shape `{ error, statusCode, message }`. */
export function sendError(reply: FastifyReply, statusCode: number, error: string, message: string): FastifyReply {
  return reply.code(statusCode).send({ error, statusCode, message });
}

/**
 * A store failure as a reply: 404 for a missing object, 502 when the store refused or failed (the
 * message names the store and the cause: credentials, bucket, endpoint), 500 for a bad store Secret.
 */
export function storeFailure(reply: FastifyReply, err: unknown): FastifyReply {
  if (err instanceof ArtifactStoreError) {
    if (err.code === 'NotFound') return sendError(reply, 404, 'NotFound', err.message);
    return sendError(reply, 502, `Store${err.code}`, err.message);
  }
  if (err instanceof ArtifactConfigError) return sendError(reply, 500, 'StoreNotConfigured', err.message);
  return sendError(reply, 500, 'InternalError', errorMessage(err));
}
