import { X509Certificate } from 'node:crypto';
import type { CertificateAuthority, IssueOptions, KeyPairPem } from '../cluster/pki.js';
import { issueCertificate } from '../cluster/pki.js';

/** When to renew: once this fraction of the lifetime has passed (as cert-manager's default 2/3). */
export const RENEW_AT_FRACTION = 2 / 3;

/** The moment a certificate should be renewed (pure, for tests). */
export function renewalTime(certPem: string, fraction = RENEW_AT_FRACTION): number {
  const c = new X509Certificate(certPem);
  const from = Date.parse(c.validFrom);
  const to = Date.parse(c.validTo);
  return from + (to - from) * fraction;
}

/**
 * A certificate that renews itself before expiry and tells its users (servers call
 * `server.setSecureContext`), so rotation needs no restart.
 */
export class RotatingCertificate {
  private pair: KeyPairPem | undefined;
  private timer: NodeJS.Timeout | undefined;
  private readonly listeners: Array<(pair: KeyPairPem) => void> = [];

  constructor(
    private ca: CertificateAuthority,
    private readonly spec: IssueOptions,
  ) {}

  /** Switches to another CA (the operator CA's rotation) and issues a certificate from it now. */
  setAuthority(ca: CertificateAuthority): Promise<KeyPairPem> {
    this.ca = ca;
    return this.rotate();
  }

  /** The CA certificates issue from (PEM). */
  authorityPem(): string {
    return this.ca.certPem;
  }

  /** Issues the first certificate and schedules renewals. */
  async start(): Promise<KeyPairPem> {
    await this.rotate();
    return this.pair!;
  }

  current(): KeyPairPem {
    if (!this.pair) throw new Error('RotatingCertificate not started');
    return this.pair;
  }

  /** Called with the new pair after each rotation. */
  onRotate(fn: (pair: KeyPairPem) => void): void {
    this.listeners.push(fn);
  }

  /** Issues a new certificate now (also used by tests to force a rotation). */
  async rotate(): Promise<KeyPairPem> {
    this.pair = await issueCertificate(this.ca, this.spec);
    for (const l of this.listeners) l(this.pair);
    this.schedule();
    return this.pair;
  }

  stop(): void {
    if (this.timer) clearTimeout(this.timer);
  }

  private schedule(): void {
    if (this.timer) clearTimeout(this.timer);
    // setTimeout caps at ~24.8 days; re-check at least that often.
    const delay = Math.min(Math.max(1000, renewalTime(this.pair!.certPem) - Date.now()), 2 ** 31 - 1);
    this.timer = setTimeout(() => void this.rotate(), delay);
    this.timer.unref();
  }
}
