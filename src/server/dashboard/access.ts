import { HttpMethod } from '@kubernetes/client-node';
import { WEFT_GROUP } from '../../api/resources.js';
import { errorMessage, type RestClient } from '../../runtime/index.js';
import type { UserInfo } from './identity.js';
import { TtlCache } from './ttl-cache.js';

/** A permission as RBAC grants it: a verb on a resource, optionally in a namespace or on one object. */
export interface Permission {
  verb: string;
  resource: string;
  /** e.g. `pods` in `orgclusters/pods` (RBAC rules name it `<resource>/<subresource>`). */
  subresource?: string;
  /** API group ('' for core); default weft.dev. */
  group?: string;
  namespace?: string;
  name?: string;
}

const NAMESPACED = new Set(['orgclusters', 'workloads', 'agenttasks', 'jobs']);

/** `patch meshnodes.weft.dev "node-1"`, `list workloads.weft.dev in namespace "a"`: for denials and logs. */
export function describePermission(p: Permission): string {
  const group = p.group ?? WEFT_GROUP;
  const what = `${p.verb} ${p.resource}${p.subresource ? `/${p.subresource}` : ''}${group ? `.${group}` : ''}${p.name ? ` "${p.name}"` : ''}`;
  if (p.namespace) return `${what} in namespace "${p.namespace}"`;
  return NAMESPACED.has(p.resource) ? `${what} in all namespaces` : what;
}

/** The permissions the dashboard's pages need: viewers get/list the Weft resources. */
export const VIEW = {
  nodes: [{ verb: 'list', resource: 'meshnodes' }, { verb: 'get', resource: 'meshnodes' }],
  clusters: [{ verb: 'list', resource: 'orgclusters' }, { verb: 'get', resource: 'orgclusters' }],
  workloads: [{ verb: 'list', resource: 'workloads' }, { verb: 'get', resource: 'workloads' }],
  agenttasks: [{ verb: 'list', resource: 'agenttasks' }, { verb: 'get', resource: 'agenttasks' }],
  jobs: [{ verb: 'list', resource: 'jobs' }, { verb: 'get', resource: 'jobs' }],
} satisfies Record<string, Permission[]>;

/**
 * The permissions of the read API (`/api/v1/nodes`, `/clusters`, `/capacity`, `/pods`). Pods live in
 * the OrgClusters, not in this cluster, so they are read through the virtual subresource
 * `orgclusters/pods` (as `nodes/proxy` is for kubelets): granting it never grants this cluster's pods.
 */
export const READ_API = {
  nodes: [{ verb: 'list', resource: 'meshnodes' }],
  clusters: [{ verb: 'list', resource: 'orgclusters' }],
  capacity: [{ verb: 'list', resource: 'meshnodes' }, { verb: 'list', resource: 'orgclusters' }],
  /** `namespace`: only the OrgClusters of that namespace are asked for (the `cluster` filter). */
  pods: (namespace?: string): Permission[] => {
    const ns = namespace ? { namespace } : {};
    return [{ verb: 'list', resource: 'orgclusters', ...ns }, { verb: 'list', resource: 'orgclusters', subresource: 'pods', ...ns }];
  },
} satisfies Record<string, Permission[] | ((ns?: string) => Permission[])>;

/** Every read permission a viewer needs (the overview and the live stream show all three kinds). */
export const VIEW_ALL: Permission[] = [...VIEW.nodes, ...VIEW.clusters, ...VIEW.workloads];

/** The writes the dashboard offers, with the permission each needs. */
export const WRITES = {
  cordon: (name?: string): Permission => ({ verb: 'patch', resource: 'meshnodes', ...(name ? { name } : {}) }),
  uncordon: (name?: string): Permission => ({ verb: 'patch', resource: 'meshnodes', ...(name ? { name } : {}) }),
  deleteWorkload: (namespace?: string, name?: string): Permission => ({ verb: 'delete', resource: 'workloads', ...(namespace ? { namespace } : {}), ...(name ? { name } : {}) }),
};

/**
 * Asks the apiserver whether a user may do something (SubjectAccessReview against real RBAC). Answers
 * are cached `ttlMs` (default 5 s), so a page view costs a handful of reviews at most.
 */
export class Authorizer {
  private readonly answers: TtlCache<boolean>;

  constructor(
    private readonly rest: RestClient,
    opts: { ttlMs?: number } = {},
  ) {
    this.answers = new TtlCache(opts.ttlMs ?? 5000);
  }

  /** Whether `user` holds `p`. Throws (→ 503) only when the apiserver cannot be asked. */
  allowed(user: UserInfo, p: Permission): Promise<boolean> {
    const key = JSON.stringify([user.username, user.uid ?? '', [...user.groups].sort(), p.verb, p.group ?? WEFT_GROUP, p.resource, p.subresource ?? '', p.namespace ?? '', p.name ?? '']);
    return this.answers.getOrLoad(key, async () => {
      try {
        const review = await this.rest.request<{ status?: { allowed?: boolean } }>(HttpMethod.POST, '/apis/authorization.k8s.io/v1/subjectaccessreviews', {
          body: {
            apiVersion: 'authorization.k8s.io/v1',
            kind: 'SubjectAccessReview',
            spec: {
              user: user.username,
              groups: user.groups,
              ...(user.uid ? { uid: user.uid } : {}),
              ...(user.extra ? { extra: user.extra } : {}),
              resourceAttributes: { verb: p.verb, group: p.group ?? WEFT_GROUP, resource: p.resource, subresource: p.subresource ?? '', namespace: p.namespace ?? '', name: p.name ?? '' },
            },
          },
        });
        return { value: review.status?.allowed === true };
      } catch (err) {
        throw new Error(`cannot check RBAC with the apiserver (SubjectAccessReview): ${errorMessage(err)}`);
      }
    });
  }

  /** The first permission of `ps` the user lacks, or undefined when all are held. */
  async firstMissing(user: UserInfo, ps: readonly Permission[]): Promise<Permission | undefined> {
    const answers = await Promise.all(ps.map((p) => this.allowed(user, p)));
    const i = answers.indexOf(false);
    return i < 0 ? undefined : ps[i];
  }
}
