import { createHash } from 'node:crypto';
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

interface Entry {
  identity: TokenIdentity;
  expires: number;
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
  private readonly cache = new Map<string, Entry>();
  private readonly inflight = new Map<string, Promise<TokenIdentity | undefined>>();
  private readonly ttlMs: number;
  private readonly maxEntries: number;
  private readonly now: () => number;

  constructor(private readonly opts: TokenVerifierOptions) {
    this.ttlMs = opts.ttlMs ?? 60_000;
    this.maxEntries = opts.maxEntries ?? 10_000;
    this.now = opts.now ?? Date.now;
  }

  /** The token's ServiceAccount identity, or undefined when the apiserver does not accept it. */
  async verify(token: string): Promise<TokenIdentity | undefined> {
    const key = createHash('sha256').update(token).digest('hex');
    const hit = this.cache.get(key);
    if (hit && hit.expires > this.now()) return hit.identity;
    if (hit) this.cache.delete(key);
    let p = this.inflight.get(key);
    if (!p) {
      p = this.review(token, key).finally(() => this.inflight.delete(key));
      this.inflight.set(key, p);
    }
    return p;
  }

  /** Cached identities (for tests and metrics). */
  get size(): number {
    return this.cache.size;
  }

  private async review(token: string, key: string): Promise<TokenIdentity | undefined> {
    const identity = identityOf(await this.opts.review(token));
    if (!identity) return undefined;
    const expires = Math.min(this.now() + this.ttlMs, jwtExpiryMs(token) ?? Number.POSITIVE_INFINITY);
    if (this.cache.size >= this.maxEntries) this.cache.delete(this.cache.keys().next().value!);
    this.cache.set(key, { identity, expires });
    return identity;
  }
}
