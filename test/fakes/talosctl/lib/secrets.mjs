// Secrets for generated Talos configs: real ECDSA keys and X.509 certificates (via the project's
// @peculiar/x509), tokens in Talos's formats. A fake cluster's OS CA carries its state directory as a
// SAN URI, so the fake finds the cluster a talosconfig belongs to without comments in the YAML.
import 'reflect-metadata';
import { X509Certificate as NodeX509, randomBytes, webcrypto } from 'node:crypto';
import * as x509 from '@peculiar/x509';

x509.cryptoProvider.set(webcrypto);

const ALG = { name: 'ECDSA', namedCurve: 'P-256', hash: 'SHA-256' };
const YEAR = 365 * 24 * 3600 * 1000;
const b64 = (s) => Buffer.from(s, 'utf8').toString('base64');
const serial = () => {
  const b = randomBytes(16);
  b[0] &= 0x7f;
  return b.toString('hex');
};
const keyPem = async (key) => x509.PemConverter.encode(await webcrypto.subtle.exportKey('pkcs8', key), 'PRIVATE KEY');

/** A self-signed CA; `uri` becomes a SAN (the fake's cluster marker). Returns base64 PEMs like Talos configs hold. */
export async function createCA(name, { years = 10, uri } = {}) {
  const keys = await webcrypto.subtle.generateKey(ALG, true, ['sign', 'verify']);
  const now = Date.now();
  const cert = await x509.X509CertificateGenerator.createSelfSigned({
    serialNumber: serial(),
    name: `O=${name}`,
    notBefore: new Date(now - 60_000),
    notAfter: new Date(now + years * YEAR),
    signingAlgorithm: ALG,
    keys,
    extensions: [
      new x509.BasicConstraintsExtension(true, undefined, true),
      new x509.KeyUsagesExtension(x509.KeyUsageFlags.keyCertSign | x509.KeyUsageFlags.digitalSignature, true),
      ...(uri ? [new x509.SubjectAlternativeNameExtension([{ type: 'url', value: uri }])] : []),
    ],
  });
  return { crt: b64(cert.toString('pem')), key: b64(await keyPem(keys.privateKey)), cert, keys };
}

/** A client certificate for talosconfig (`O=os:admin`, one year, as Talos issues it). */
export async function issueAdmin(ca) {
  const keys = await webcrypto.subtle.generateKey(ALG, true, ['sign', 'verify']);
  const now = Date.now();
  const cert = await x509.X509CertificateGenerator.create({
    serialNumber: serial(),
    subject: 'O=os:admin',
    issuer: ca.cert.subject,
    notBefore: new Date(now - 60_000),
    notAfter: new Date(now + YEAR),
    signingAlgorithm: ALG,
    publicKey: keys.publicKey,
    signingKey: ca.keys.privateKey,
    extensions: [new x509.ExtendedKeyUsageExtension([x509.ExtendedKeyUsage.clientAuth])],
  });
  return { crt: b64(cert.toString('pem')), key: b64(await keyPem(keys.privateKey)) };
}

/** `abcdef.0123456789abcdef`: the bootstrap token format of machine.token and cluster.token. */
export const token = () => `${randomBytes(3).toString('hex')}.${randomBytes(8).toString('hex')}`;
export const secret32 = () => randomBytes(32).toString('base64');

/** The state directory a fake cluster's OS CA points at, or undefined for any other CA. */
export function clusterHomeOfCA(caB64) {
  try {
    const san = new NodeX509(Buffer.from(caB64, 'base64')).subjectAltName ?? '';
    const m = /URI:fake-talosctl:\/\/cluster(\/[^,\s]+)/.exec(san);
    return m ? decodeURIComponent(m[1]) : undefined;
  } catch {
    return undefined;
  }
}

/** The SAN URI that marks a fake cluster's CA. */
export const clusterMarker = (stateDir) => `fake-talosctl://cluster${encodeURI(stateDir)}`;
