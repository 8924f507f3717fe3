import { CoreV1Api, type KubeConfig, type V1Secret } from '@kubernetes/client-node';
import { createCA, loadCA, type CertificateAuthority } from '../cluster/pki.js';

/** Name of the Secret holding the operator's internal CA. */
export const CA_SECRET = 'weft-ca';

const b64 = (s: string) => Buffer.from(s, 'utf8').toString('base64');
const unb64 = (s: string | undefined) => Buffer.from(s ?? '', 'base64').toString('utf8');

/**
 * Loads the operator's internal CA from the Secret `weft-ca` in its namespace, creating it on first
 * start. Two replicas starting together cannot end up with different CAs: creation is a plain
 * create, and the loser of the race (409) reads the winner's.
 */
export async function ensureOperatorCA(kc: KubeConfig, namespace: string): Promise<CertificateAuthority> {
  const core = kc.makeApiClient(CoreV1Api);
  const read = async (): Promise<CertificateAuthority | undefined> => {
    try {
      const s = await core.readNamespacedSecret({ name: CA_SECRET, namespace });
      return await loadCA({ certPem: unb64(s.data?.['tls.crt']), keyPem: unb64(s.data?.['tls.key']) });
    } catch (err) {
      if ((err as { code?: number }).code === 404) return undefined;
      throw err;
    }
  };
  const existing = await read();
  if (existing) return existing;
  const ca = await createCA('weft-operator-ca');
  const secret: V1Secret = {
    metadata: { name: CA_SECRET, namespace, labels: { 'app.kubernetes.io/part-of': 'weft', 'app.kubernetes.io/component': 'pki' } },
    type: 'kubernetes.io/tls',
    data: { 'tls.crt': b64(ca.certPem), 'tls.key': b64(ca.keyPem), 'ca.crt': b64(ca.certPem) },
  };
  try {
    await core.createNamespacedSecret({ namespace, body: secret });
    return ca;
  } catch (err) {
    if ((err as { code?: number }).code !== 409) throw err;
    const winner = await read();
    if (!winner) throw new Error(`Secret ${namespace}/${CA_SECRET} exists but could not be read`);
    return winner;
  }
}
