import { isAbsolute } from 'node:path';
import { ArtifactConfigError } from './errors.js';
import { FilesystemArtifactStore } from './filesystem.js';
import { S3ArtifactStore, type S3StoreConfig, type S3StoreOptions } from './s3.js';
import type { ArtifactStore } from './store.js';

/** A parsed artifact store Secret. */
export type StoreConfig = ({ type: 's3' } & S3StoreConfig) | { type: 'filesystem'; path: string };

/** The part of a core/v1 Secret the parser reads (a `V1Secret` fits). */
export interface SecretLike {
  metadata?: { namespace?: string; name?: string };
  /** base64-encoded values, as the API server returns them. */
  data?: Record<string, string>;
  /** plain values, as a manifest may write them. */
  stringData?: Record<string, string>;
}

/** The keys an artifact store Secret may hold, for messages and docs. */
export const STORE_SECRET_KEYS = {
  s3: { required: ['endpoint', 'bucket', 'accessKeyId', 'secretAccessKey'], optional: ['type', 'region', 'prefix'] },
  filesystem: { required: ['type', 'path'], optional: [] },
} as const;

/**
 * Reads an artifact store Secret. `type` is `s3` (default) or `filesystem`. For s3: `endpoint`
 * (http or https URL), `bucket`, `accessKeyId`, `secretAccessKey`, optional `region` (default
 * `us-east-1`) and `prefix`; for filesystem: `path` (absolute). Throws {@link ArtifactConfigError}
 * naming the Secret and the missing or invalid key.
 *
 * @example
 * parseStoreSecret({ metadata: { namespace: 'team-a', name: 'artifacts' }, stringData: { endpoint: 'http://s3:7070', bucket: 'b', accessKeyId: 'k', secretAccessKey: 's' } })
 */
export function parseStoreSecret(secret: SecretLike): StoreConfig {
  const source = secret.metadata?.name ? `${secret.metadata.namespace ?? ''}/${secret.metadata.name}` : '(inline)';
  const values = secretValues(secret);
  const type = values.type?.trim() || 's3';
  const need = (key: string, kind: 's3' | 'filesystem'): string => {
    const v = values[key]?.trim();
    if (!v) {
      const keys = STORE_SECRET_KEYS[kind];
      throw new ArtifactConfigError(
        source,
        key,
        `artifact store Secret "${source}": missing key "${key}" (type ${kind} needs ${keys.required.join(', ')}${keys.optional.length ? `; optional: ${keys.optional.join(', ')}` : ''})`,
      );
    }
    return v;
  };
  if (type === 'filesystem') {
    const path = need('path', 'filesystem');
    if (!isAbsolute(path)) throw new ArtifactConfigError(source, 'path', `artifact store Secret "${source}": "path" must be an absolute directory, got "${path}"`);
    return { type, path };
  }
  if (type !== 's3') throw new ArtifactConfigError(source, 'type', `artifact store Secret "${source}": unknown "type" "${type}" (allowed: s3, filesystem)`);
  const endpoint = need('endpoint', 's3');
  checkEndpoint(source, endpoint);
  const prefix = values.prefix?.trim();
  return {
    type,
    endpoint: endpoint.replace(/\/+$/, ''),
    bucket: need('bucket', 's3'),
    region: values.region?.trim() || 'us-east-1',
    accessKeyId: need('accessKeyId', 's3'),
    secretAccessKey: need('secretAccessKey', 's3'),
    ...(prefix ? { prefix: prefix.endsWith('/') ? prefix : `${prefix}/` } : {}),
  };
}

/** Opens the store a configuration describes. */
export function openStore(config: StoreConfig, s3Options?: S3StoreOptions): ArtifactStore {
  if (config.type === 'filesystem') return new FilesystemArtifactStore(config.path);
  const { type: _type, ...s3 } = config;
  return new S3ArtifactStore(s3, s3Options);
}

function secretValues(secret: SecretLike): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(secret.data ?? {})) out[k] = Buffer.from(v, 'base64').toString('utf8');
  return { ...out, ...(secret.stringData ?? {}) };
}

function checkEndpoint(source: string, endpoint: string): void {
  let url: URL;
  try {
    url = new URL(endpoint);
  } catch {
    throw new ArtifactConfigError(source, 'endpoint', `artifact store Secret "${source}": "endpoint" is not a URL: "${endpoint}" (e.g. http://127.0.0.1:7070)`);
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    throw new ArtifactConfigError(source, 'endpoint', `artifact store Secret "${source}": "endpoint" must be http:// or https://, got "${endpoint}"`);
  }
}
