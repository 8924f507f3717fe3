import type { KubernetesObject } from '@kubernetes/client-node';
import { request as send } from 'undici';
import type { ResourceType } from '../api/common/resource.js';
import { requestCredentials } from './credentials.js';
import { apiErrorOf } from './errors.js';
import type { KubeAccess } from './kubeconfig.js';

/** An HTTP method; client-node's `HttpMethod` enum values are accepted too. */
export type HttpMethod = 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE' | 'HEAD' | 'OPTIONS';

export type { ResourceType };

/** The apiVersion string of a resource type, e.g. `weft.dev/v1alpha1` or `v1`. */
export const apiVersionOf = (t: ResourceType): string => (t.group ? `${t.group}/${t.version}` : t.version);

/** The REST path of a collection or object: `/apis/g/v/namespaces/ns/plural/name`. */
export function resourcePath(t: ResourceType, namespace?: string, name?: string, subresource?: string): string {
  let p = t.group ? `/apis/${t.group}/${t.version}` : `/api/${t.version}`;
  if (t.namespaced && namespace) p += `/namespaces/${encodeURIComponent(namespace)}`;
  p += `/${t.plural}`;
  if (name) p += `/${encodeURIComponent(name)}`;
  if (subresource) p += `/${subresource}`;
  return p;
}

/** How often a 429 with Retry-After is tried in all. */
const RETRIES_429 = 5;

/** Sends, and sends again after a 429 with Retry-After (at most RETRIES_429 tries, 2 s apart at most). */
async function sendRetrying429(go: () => ReturnType<typeof send>): ReturnType<typeof send> {
  for (let attempt = 1; ; attempt++) {
    const res = await go();
    const after = res.statusCode === 429 ? Number(res.headers['retry-after'] ?? NaN) : NaN;
    if (Number.isNaN(after) || attempt >= RETRIES_429) return res;
    await res.body.dump();
    await new Promise((r) => setTimeout(r, Math.min(2000, Math.max(100, after * 1000))));
  }
}

export type PatchType = 'merge' | 'json' | 'strategic' | 'apply';
const PATCH_CONTENT: Record<PatchType, string> = {
  merge: 'application/merge-patch+json',
  json: 'application/json-patch+json',
  strategic: 'application/strategic-merge-patch+json',
  apply: 'application/apply-patch+yaml',
};

export interface ListResult<T> {
  items: T[];
  resourceVersion: string;
}

export interface RequestOptions {
  query?: Record<string, string | number | boolean | undefined>;
  body?: unknown;
  contentType?: string;
  signal?: AbortSignal;
}

/**
 * A small dynamic Kubernetes client over client-node's authentication (one shared connection pool
 * per KubeConfig, see {@link requestCredentials}): any resource, typed by the caller.
 */
export class RestClient {
  constructor(readonly kc: KubeAccess) {}

  /** Sends one request and returns the parsed JSON body; non-2xx → ApiError. */
  async request<T>(method: HttpMethod, path: string, opts: RequestOptions = {}): Promise<T> {
    const { server, headers, dispatcher } = await requestCredentials(this.kc);
    const url = new URL(server + path);
    for (const [k, v] of Object.entries(opts.query ?? {})) if (v !== undefined && v !== '') url.searchParams.set(k, String(v));
    headers.accept = 'application/json';
    let body: string | undefined;
    if (opts.body !== undefined) {
      headers['content-type'] = opts.contentType ?? 'application/json';
      body = JSON.stringify(opts.body);
    }
    // undici's request(), not fetch(): no WHATWG streams or Response objects per call (a third of
    // the client's CPU in a burst of writes).
    // 429 with Retry-After ("storage is (re)initializing" right after a CRD changes, priority and
    // fairness): retried as client-go does, a few times, waiting at most 2 s each.
    const res = await sendRetrying429(() => send(url, { method, headers, body, dispatcher, signal: opts.signal ?? AbortSignal.timeout(30_000) }));
    const text = await res.body.text();
    let parsed: unknown;
    try {
      parsed = text ? JSON.parse(text) : undefined;
    } catch {
      parsed = text;
    }
    if (res.statusCode < 200 || res.statusCode >= 300) throw apiErrorOf(res.statusCode, parsed, `${method} ${path}: HTTP ${res.statusCode}`);
    return parsed as T;
  }

  get<T extends KubernetesObject>(t: ResourceType, name: string, namespace?: string): Promise<T> {
    return this.request<T>('GET', resourcePath(t, namespace, name));
  }

  /** Lists every object (following `continue` pages) with the collection's resourceVersion. */
  async list<T extends KubernetesObject>(
    t: ResourceType,
    opts: { namespace?: string; labelSelector?: string; fieldSelector?: string; limit?: number } = {},
  ): Promise<ListResult<T>> {
    const items: T[] = [];
    let cont: string | undefined;
    let resourceVersion = '';
    do {
      const page = await this.request<{ items?: T[]; metadata?: { continue?: string; resourceVersion?: string } }>(
        'GET',
        resourcePath(t, opts.namespace),
        { query: { labelSelector: opts.labelSelector, fieldSelector: opts.fieldSelector, limit: opts.limit ?? 500, continue: cont } },
      );
      for (const item of page.items ?? []) items.push({ apiVersion: apiVersionOf(t), kind: t.kind, ...item });
      cont = page.metadata?.continue || undefined;
      resourceVersion = page.metadata?.resourceVersion ?? resourceVersion;
    } while (cont);
    return { items, resourceVersion };
  }

  create<T extends KubernetesObject>(t: ResourceType, obj: T, opts: { fieldManager?: string } = {}): Promise<T> {
    return this.request<T>('POST', resourcePath(t, obj.metadata?.namespace), {
      body: { apiVersion: apiVersionOf(t), kind: t.kind, ...obj },
      query: { fieldManager: opts.fieldManager },
    });
  }

  /** PUT with the object's resourceVersion: 409 Conflict when someone wrote in between. */
  replace<T extends KubernetesObject>(t: ResourceType, obj: T, subresource?: string): Promise<T> {
    return this.request<T>('PUT', resourcePath(t, obj.metadata?.namespace, obj.metadata?.name, subresource), {
      body: { apiVersion: apiVersionOf(t), kind: t.kind, ...obj },
    });
  }

  patch<T extends KubernetesObject>(
    t: ResourceType,
    ref: { name: string; namespace?: string },
    patch: unknown,
    opts: { type?: PatchType; subresource?: string; fieldManager?: string; force?: boolean } = {},
  ): Promise<T> {
    const type = opts.type ?? 'merge';
    return this.request<T>('PATCH', resourcePath(t, ref.namespace, ref.name, opts.subresource), {
      body: patch,
      contentType: PATCH_CONTENT[type],
      query: { fieldManager: opts.fieldManager ?? (type === 'apply' ? 'weft' : undefined), force: opts.force },
    });
  }

  delete(t: ResourceType, name: string, namespace?: string, opts: { propagationPolicy?: 'Foreground' | 'Background' | 'Orphan' } = {}): Promise<unknown> {
    return this.request('DELETE', resourcePath(t, namespace, name), {
      body: opts.propagationPolicy ? { kind: 'DeleteOptions', apiVersion: 'v1', propagationPolicy: opts.propagationPolicy } : undefined,
    });
  }
}
