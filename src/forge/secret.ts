import { ForgeAuthError } from './errors.js';

/** The fields of a Kubernetes Secret that a token is read from (V1Secret fits). */
export interface SecretLike {
  metadata?: { name?: string; namespace?: string };
  data?: Record<string, string>;
  stringData?: Record<string, string>;
}

/**
 * The forge token in a Secret's `key` (default `token`; `data` is base64, `stringData` plain). Forge
 * credentials come only from Secrets: the providers take the token as a value and never log it.
 * @example const forge = new GiteaForge({ url, token: tokenFromSecret(await core.readNamespacedSecret({ name, namespace })) });
 */
export function tokenFromSecret(secret: SecretLike, key = 'token'): string {
  const b64 = secret.data?.[key];
  const token = (b64 !== undefined ? Buffer.from(b64, 'base64').toString('utf8') : secret.stringData?.[key])?.trim();
  if (!token) {
    const name = `${secret.metadata?.namespace ?? 'default'}/${secret.metadata?.name ?? '(unnamed)'}`;
    const keys = Object.keys({ ...secret.data, ...secret.stringData });
    throw new ForgeAuthError(
      `Secret ${name} has no "${key}" key (keys: ${keys.join(', ') || 'none'}); create it with: kubectl create secret generic ${secret.metadata?.name ?? 'forge-token'} --from-literal=${key}=<token>`,
    );
  }
  return token;
}
