import { createHash } from 'node:crypto';
import { AsyncTtlCache } from '../../runtime/ttl-cache.js';
import { identityOf, type TokenIdentity, type TokenReviewStatus } from './identity.js';

export interface TokenVerifierOptions {
  /** Sends one TokenReview (audience `weft`) to the apiserver and returns its status. */
  review: (token: string) => Promise<TokenReviewStatus>;
  /** How long a successful review is reused (default 60 s; never past the token's own `exp`). */
  ttlMs?: number;
  /** Most cached identities (default 10,000; the oldest go first). */
  maxEntries?: number;
  now?: () => number;
}

/** The `exp` claim of a JWT in milliseconds, when it has one (not verified: only caps the cache). */
export function jwtExpiryMs(token: string): number | undefined {
  const payload = token.split('.')[1];
  if (!payload) return undefined;
  try {
    const exp = (JSON.parse(Buffer.from(payload, 'base64url').toString('utf8')) as { exp?: unknown }).exp;
    return typeof exp === 'number' ? exp * 1000 : undefined;
  } catch {
    return undefined;
  }
}

/**
 * Verifies bearer tokens with TokenReview and remembers successful answers briefly, keyed by the
 * token's SHA-256 (the token itself is never stored). Failed reviews are not cached; concurrent
 * verifications of one token share one review.
 */
export class TokenVerifier {
  private readonly cache: AsyncTtlCache<TokenIdentity>;

  constructor(private readonly opts: TokenVerifierOptions) {
    this.cache = new AsyncTtlCache({ ttlMs: opts.ttlMs ?? 60_000, maxEntries: opts.maxEntries ?? 10_000, ...(opts.now ? { now: opts.now } : {}) });
  }

  /** The token's ServiceAccount identity, or undefined when the apiserver does not accept it. */
  verify(token: string): Promise<TokenIdentity | undefined> {
    const key = createHash('sha256').update(token).digest('hex');
    return this.cache.get(key, async () => identityOf(await this.opts.review(token)), () => jwtExpiryMs(token));
  }

  /** Cached identities (for tests and metrics). */
  get size(): number {
    return this.cache.size;
  }
}
