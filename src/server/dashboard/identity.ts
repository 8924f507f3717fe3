import { createHash } from 'node:crypto';
import type { TLSSocket } from 'node:tls';
import { HttpMethod } from '@kubernetes/client-node';
import type { FastifyRequest } from 'fastify';
import { clientIdentity } from '../../pki/mtls.js';
import { errorMessage, type RestClient } from '../../runtime/index.js';
import { TtlCache } from './ttl-cache.js';

/** Who is calling, as Kubernetes RBAC names subjects. */
export interface UserInfo {
  username: string;
  uid?: string;
  groups: string[];
  extra?: Record<string, string[]>;
}

/** How a caller was identified. */
export type AuthMethod = 'token' | 'certificate';

/** The outcome of authentication: a user, or why there is none (→ 401). */
export type Authentication = { user: UserInfo; via: AuthMethod } | { user?: undefined; why: string };

interface TokenReviewStatus {
  authenticated?: boolean;
  user?: { username?: string; uid?: string; groups?: string[]; extra?: Record<string, string[]> };
  error?: string;
}

/** Is this request on a TLS connection (the operator serving HTTPS)? */
export function isTls(req: FastifyRequest): boolean {
  return (req.raw.socket as Partial<TLSSocket>).encrypted === true;
}

/**
 * The identity of a verified client certificate from the operator CA: CN is the user, O the groups.
 * Groups starting with `system:` (system:masters, system:nodes, …) are dropped: the operator CA also
 * signs device and agent certificates, and must not be a way to claim the cluster's built-in groups.
 */
export function certificateUser(req: FastifyRequest): UserInfo | undefined {
  const socket = req.raw.socket as Partial<TLSSocket>;
  if (!socket.authorized) return undefined;
  const id = clientIdentity(socket.getPeerCertificate?.());
  return id ? { username: id.commonName, groups: [...id.organizations.filter((o) => !o.startsWith('system:')), 'system:authenticated'] } : undefined;
}

/** The bearer token of the Authorization header, if any. */
export function bearerToken(req: FastifyRequest): string | undefined {
  const h = req.headers.authorization;
  const m = typeof h === 'string' ? /^Bearer\s+(\S+)\s*$/i.exec(h) : null;
  return m?.[1];
}

/**
 * Authenticates callers of the dashboard and API as the apiserver would: a bearer token is checked
 * with a TokenReview (answers cached `ttlMs`, failures 2 s, keyed by the token's SHA-256), else a
 * client certificate verified against the operator CA names the user (CN) and groups (O).
 */
export class Authenticator {
  private readonly reviews: TtlCache<Authentication>;

  constructor(
    private readonly rest: RestClient,
    opts: { ttlMs?: number } = {},
  ) {
    this.reviews = new TtlCache(opts.ttlMs ?? 10_000);
  }

  async authenticate(req: FastifyRequest): Promise<Authentication> {
    const token = bearerToken(req);
    if (token) return this.reviewToken(token);
    if (req.headers.authorization) return { why: 'the Authorization header is not "Bearer <token>"' };
    const user = certificateUser(req);
    if (user) return { user, via: 'certificate' };
    return { why: isTls(req) ? 'no bearer token and no client certificate from the operator CA' : 'no bearer token: sign in with a Kubernetes token (Authorization: Bearer <token>)' };
  }

  private reviewToken(token: string): Promise<Authentication> {
    const key = createHash('sha256').update(token).digest('hex');
    return this.reviews.getOrLoad(key, async () => {
      try {
        const review = await this.rest.request<{ status?: TokenReviewStatus }>(HttpMethod.POST, '/apis/authentication.k8s.io/v1/tokenreviews', {
          body: { apiVersion: 'authentication.k8s.io/v1', kind: 'TokenReview', spec: { token } },
        });
        const s = review.status ?? {};
        if (!s.authenticated || !s.user?.username) return { value: { why: `the token was rejected by the apiserver${s.error ? `: ${s.error}` : ''}` }, ttlMs: 2000 };
        const user: UserInfo = { username: s.user.username, groups: s.user.groups ?? [], ...(s.user.uid ? { uid: s.user.uid } : {}), ...(s.user.extra ? { extra: s.user.extra } : {}) };
        return { value: { user, via: 'token' as const } };
      } catch (err) {
        // Not cached: the next request retries the review.
        throw new Error(`cannot review the token with the apiserver (TokenReview): ${errorMessage(err)}`);
      }
    });
  }
}
