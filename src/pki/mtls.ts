import { createSecureContext, type SecureContextOptions } from 'node:tls';
import type { KeyPairPem } from '../cluster/pki.js';

/**
 * TLS options for a server that requires client certificates from `caPem` (mTLS): connections with
 * no certificate, or one from another CA, or an expired one, fail the handshake.
 */
export function mtlsServerOptions(serving: KeyPairPem, caPem: string): SecureContextOptions & { requestCert: true; rejectUnauthorized: true } {
  return { cert: serving.certPem, key: serving.keyPem, ca: caPem, requestCert: true, rejectUnauthorized: true, minVersion: 'TLSv1.2' };
}

/** Options for `server.setSecureContext()` after a rotation (it takes options, not a context). */
export function secureContextFor(serving: KeyPairPem, caPem: string): SecureContextOptions {
  const opts: SecureContextOptions = { cert: serving.certPem, key: serving.keyPem, ca: caPem, minVersion: 'TLSv1.2' };
  createSecureContext(opts); // fail here, not in the server, if the pair is unusable
  return opts;
}

/** The verified client identity of an mTLS request: certificate CN and organisations. */
export interface ClientIdentity {
  commonName: string;
  organizations: string[];
}

/** Extracts the peer identity from a TLS socket's `getPeerCertificate()` result. */
export function clientIdentity(peer: { subject?: Record<string, string | string[] | undefined> } | undefined): ClientIdentity | undefined {
  const s = peer?.subject;
  if (!s?.CN) return undefined;
  const o = s.O;
  return { commonName: Array.isArray(s.CN) ? s.CN[0]! : s.CN, organizations: o === undefined ? [] : Array.isArray(o) ? o : [o] };
}
