import 'reflect-metadata';
import { webcrypto, randomBytes } from 'node:crypto';
import * as x509 from '@peculiar/x509';

type CryptoKey = webcrypto.CryptoKey;
type CryptoKeyPair = webcrypto.CryptoKeyPair;

x509.cryptoProvider.set(webcrypto as unknown as Parameters<typeof x509.cryptoProvider.set>[0]);

const ALG = { name: 'ECDSA', namedCurve: 'P-256', hash: 'SHA-256' } as const;
const DAY = 24 * 3600 * 1000;

/** A certificate and its private key, both PEM. */
export interface KeyPairPem {
  certPem: string;
  keyPem: string;
}

/** A loaded certificate authority that can issue certificates. */
export interface CertificateAuthority extends KeyPairPem {
  cert: x509.X509Certificate;
  key: CryptoKey;
}

export interface IssueOptions {
  /** Subject common name: the Kubernetes user name for client certificates. */
  commonName: string;
  /** Subject organisations: Kubernetes groups for client certificates. */
  organizations?: string[];
  dnsNames?: string[];
  ipAddresses?: string[];
  usage: 'server' | 'client' | 'both';
  /** Validity in days (default 365). Negative values produce an already-expired certificate (tests). */
  validDays?: number;
  notBefore?: Date;
}

function serial(): string {
  const b = randomBytes(16);
  b[0] = b[0]! & 0x7f; // positive
  return b.toString('hex');
}

function escapeRdn(v: string): string {
  return v.replace(/([,+"\\<>;=])/g, '\\$1');
}

async function keyToPem(key: CryptoKey): Promise<string> {
  return x509.PemConverter.encode(await webcrypto.subtle.exportKey('pkcs8', key as webcrypto.CryptoKey), 'PRIVATE KEY');
}

/** Creates a new self-signed ECDSA P-256 CA (10 years). */
export async function createCA(commonName: string): Promise<CertificateAuthority> {
  const keys = (await webcrypto.subtle.generateKey(ALG, true, ['sign', 'verify'])) as CryptoKeyPair;
  const now = Date.now();
  const cert = await x509.X509CertificateGenerator.createSelfSigned({
    serialNumber: serial(),
    name: `CN=${escapeRdn(commonName)}`,
    notBefore: new Date(now - 3600 * 1000),
    notAfter: new Date(now + 3650 * DAY),
    signingAlgorithm: ALG,
    keys,
    extensions: [
      new x509.BasicConstraintsExtension(true, undefined, true),
      new x509.KeyUsagesExtension(
        x509.KeyUsageFlags.keyCertSign | x509.KeyUsageFlags.cRLSign | x509.KeyUsageFlags.digitalSignature,
        true,
      ),
      await x509.SubjectKeyIdentifierExtension.create(keys.publicKey),
    ],
  });
  return { cert, key: keys.privateKey, certPem: cert.toString('pem'), keyPem: await keyToPem(keys.privateKey) };
}

/** Loads a CA saved as PEM (e.g. from the control plane's state dir or a Secret). */
export async function loadCA(pair: KeyPairPem): Promise<CertificateAuthority> {
  const cert = new x509.X509Certificate(pair.certPem);
  const der = x509.PemConverter.decodeFirst(pair.keyPem);
  const key = (await webcrypto.subtle.importKey('pkcs8', der, ALG, true, ['sign'])) as CryptoKey;
  return { ...pair, cert, key };
}

/**
 * Issues a leaf certificate signed by `ca`.
 * @example await issueCertificate(ca, { commonName: 'admin', organizations: ['system:masters'], usage: 'client' })
 */
export async function issueCertificate(ca: CertificateAuthority, opts: IssueOptions): Promise<KeyPairPem> {
  const keys = (await webcrypto.subtle.generateKey(ALG, true, ['sign', 'verify'])) as CryptoKeyPair;
  const notBefore = opts.notBefore ?? new Date(Date.now() - 3600 * 1000);
  const days = opts.validDays ?? 365;
  const notAfter = new Date(days < 0 ? Date.now() + days * DAY : notBefore.getTime() + 3600 * 1000 + days * DAY);
  const name = [`CN=${escapeRdn(opts.commonName)}`, ...(opts.organizations ?? []).map((o) => `O=${escapeRdn(o)}`)].join(', ');
  const eku: string[] = [];
  if (opts.usage !== 'client') eku.push(x509.ExtendedKeyUsage.serverAuth);
  if (opts.usage !== 'server') eku.push(x509.ExtendedKeyUsage.clientAuth);
  const sans = [
    ...(opts.dnsNames ?? []).map((value) => ({ type: 'dns' as const, value })),
    ...(opts.ipAddresses ?? []).map((value) => ({ type: 'ip' as const, value })),
  ];
  const extensions: x509.Extension[] = [
    new x509.BasicConstraintsExtension(false, undefined, true),
    new x509.KeyUsagesExtension(x509.KeyUsageFlags.digitalSignature | x509.KeyUsageFlags.keyEncipherment, true),
    new x509.ExtendedKeyUsageExtension(eku, false),
    await x509.AuthorityKeyIdentifierExtension.create(ca.cert, false),
  ];
  if (sans.length > 0) extensions.push(new x509.SubjectAlternativeNameExtension(sans, false));
  const cert = await x509.X509CertificateGenerator.create({
    serialNumber: serial(),
    subject: name,
    // The CA's subject as encoded in its certificate: Go matches issuer and subject byte for byte (a CA made by openssl, e.g. docs/rollback/rotate-operator-ca.sh, encodes UTF8String).
    issuer: ca.cert.subjectName,
    notBefore,
    notAfter,
    signingAlgorithm: ALG,
    publicKey: keys.publicKey,
    signingKey: ca.key,
    extensions,
  });
  return { certPem: cert.toString('pem'), keyPem: await keyToPem(keys.privateKey) };
}

/** A key pair for signing service-account tokens: private key (PKCS#8) and public key (SPKI) PEM. */
export async function createSigningKeyPair(): Promise<{ privateKeyPem: string; publicKeyPem: string }> {
  const keys = (await webcrypto.subtle.generateKey(ALG, true, ['sign', 'verify'])) as CryptoKeyPair;
  const spki = await webcrypto.subtle.exportKey('spki', keys.publicKey as webcrypto.CryptoKey);
  return { privateKeyPem: await keyToPem(keys.privateKey), publicKeyPem: x509.PemConverter.encode(spki, 'PUBLIC KEY') };
}
