import { CoreV1Api, type KubeConfig, type V1Secret } from '@kubernetes/client-node';
import { createCA, loadCA, type CertificateAuthority } from '../cluster/pki.js';

/** How often the operator reads its CA Secret to follow a rotation (docs/rollback/rotate-operator-ca.sh). */
export const CA_POLL_MS = 5000;

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
  return (await ensureOperatorCAState(kc, namespace)).ca;
}

/** {@link ensureOperatorCA} with the trust bundle and version its servers start from (one read). */
export async function ensureOperatorCAState(kc: KubeConfig, namespace: string): Promise<OperatorCAState> {
  const existing = await readOperatorCA(kc, namespace);
  if (existing) return existing;
  const ca = await createCA('weft-operator-ca');
  const secret: V1Secret = {
    metadata: { name: CA_SECRET, namespace, labels: { 'app.kubernetes.io/part-of': 'weft', 'app.kubernetes.io/component': 'pki' } },
    type: 'kubernetes.io/tls',
    data: { 'tls.crt': b64(ca.certPem), 'tls.key': b64(ca.keyPem), 'ca.crt': b64(ca.certPem) },
  };
  try {
    const created = await kc.makeApiClient(CoreV1Api).createNamespacedSecret({ namespace, body: secret });
    return { ca, trustPem: ca.certPem, resourceVersion: created.metadata?.resourceVersion ?? '' };
  } catch (err) {
    if ((err as { code?: number }).code !== 409) throw err;
    const winner = await readOperatorCA(kc, namespace);
    if (!winner) throw new Error(`Secret ${namespace}/${CA_SECRET} exists but could not be read`);
    return winner;
  }
}

/** The operator CA as its Secret says now: the CA that issues, and the CA bundle to trust (`ca.crt`: the CA, plus the previous one during a rotation). */
export interface OperatorCAState {
  ca: CertificateAuthority;
  trustPem: string;
  resourceVersion: string;
}

/** Reads the CA Secret (undefined when it is gone). */
export async function readOperatorCA(kc: KubeConfig, namespace: string): Promise<OperatorCAState | undefined> {
  try {
    const s = await kc.makeApiClient(CoreV1Api).readNamespacedSecret({ name: CA_SECRET, namespace });
    const certPem = unb64(s.data?.['tls.crt']);
    const ca = await loadCA({ certPem, keyPem: unb64(s.data?.['tls.key']) });
    return { ca, trustPem: unb64(s.data?.['ca.crt']) || certPem, resourceVersion: s.metadata?.resourceVersion ?? '' };
  } catch (err) {
    if ((err as { code?: number }).code === 404) return undefined;
    throw err;
  }
}

/**
 * Polls the CA Secret and calls `onChange` when it changes (the rotation script's two steps: a new
 * CA with the old one still trusted, then the old one dropped). Errors are passed to `onError` and
 * the poll goes on. Returns what stops it.
 */
export function watchOperatorCA(kc: KubeConfig, namespace: string, o: { intervalMs: number; since: string; onChange: (s: OperatorCAState) => Promise<void>; onError: (err: unknown) => void }): () => void {
  let seen = o.since;
  let stopped = false;
  let timer: NodeJS.Timeout | undefined;
  const tick = async () => {
    try {
      const s = await readOperatorCA(kc, namespace);
      if (s && s.resourceVersion !== seen) {
        await o.onChange(s);
        seen = s.resourceVersion;
      }
    } catch (err) {
      o.onError(err);
    }
    if (!stopped) timer = setTimeout(() => void tick(), o.intervalMs).unref();
  };
  timer = setTimeout(() => void tick(), o.intervalMs).unref();
  return () => {
    stopped = true;
    if (timer) clearTimeout(timer);
  };
}
