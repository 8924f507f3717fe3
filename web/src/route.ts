/**
 * The URL is the UI's state: view, object and filters (deep links, back/forward). Parsing never
 * throws: a malformed path or filter becomes a notice, not a broken page.
 */
export type View = 'overview' | 'nodes' | 'node' | 'clusters' | 'cluster' | 'workloads' | 'workload' | 'agenttasks' | 'agenttask' | 'feature' | 'jobs' | 'job' | 'history' | 'login' | 'notfound';

export interface Filters {
  org?: string;
  tag?: string;
  phase?: string;
  /** Free-text filter on names. */
  q?: string;
  /** Jobs: the template; history: the namespace. */
  template?: string;
  namespace?: string;
  /** Sort key, `-` first for descending, e.g. `-cpu`. */
  sort?: string;
}

export interface Route {
  view: View;
  name?: string;
  namespace?: string;
  filters: Filters;
  /** What was ignored in the URL, to tell the user. */
  notices: string[];
}

/** Sort keys each table offers (anything else in ?sort= is ignored with a notice). */
export const SORT_KEYS: Partial<Record<View, string[]>> = {
  nodes: ['name', 'status', 'org', 'cpu', 'memory', 'gpus', 'tailnet', 'heartbeat', 'workloads'],
  clusters: ['name', 'org', 'provider', 'version', 'nodes', 'reachable', 'cpu', 'memory', 'gpus'],
  workloads: ['name', 'namespace', 'org', 'phase', 'cluster', 'node', 'score', 'priority'],
  agenttasks: ['name', 'namespace', 'org', 'phase', 'outcome', 'attempt', 'feature', 'tokens'],
  jobs: ['name', 'namespace', 'org', 'template', 'phase', 'reason', 'attempts', 'artifacts', 'started'],
};
const FILTERS: Partial<Record<View, Array<keyof Filters>>> = {
  overview: ['org'],
  nodes: ['org', 'tag', 'q', 'sort'],
  clusters: ['org', 'q', 'sort'],
  workloads: ['org', 'phase', 'q', 'sort'],
  agenttasks: ['org', 'phase', 'q', 'sort'],
  jobs: ['org', 'phase', 'template', 'q', 'sort'],
  history: ['namespace', 'template'],
};
export const PHASES = ['Pending', 'Scheduled', 'Running', 'Succeeded', 'Failed'];
// Kubernetes names, org names and tags (e.g. gpu:a100, zone:eu-1) never need more than this.
const VALUE = /^[A-Za-z0-9][A-Za-z0-9._:/@*-]{0,252}$/;

function decode(s: string): string | undefined {
  try {
    return decodeURIComponent(s);
  } catch {
    return undefined;
  }
}

function parseFilters(view: View, search: string, notices: string[]): Filters {
  const f: Filters = {};
  let params: URLSearchParams;
  try {
    params = new URLSearchParams(search);
  } catch {
    notices.push('ignored a malformed query string');
    return f;
  }
  const allowed = FILTERS[view] ?? [];
  for (const [k, raw] of params) {
    const key = k as keyof Filters;
    const v = raw.trim();
    if (!allowed.includes(key) || v === '') continue;
    if (key === 'q') {
      f.q = v.slice(0, 100);
    } else if (key === 'sort') {
      const bare = v.replace(/^-/, '');
      if (SORT_KEYS[view]?.includes(bare)) f.sort = v;
      else notices.push(`ignored sort "${v.slice(0, 40)}": sort by one of ${SORT_KEYS[view]?.join(', ')}`);
    } else if (key === 'phase' && !PHASES.includes(v)) {
      notices.push(`ignored phase "${v.slice(0, 40)}": one of ${PHASES.join(', ')}`);
    } else if (!VALUE.test(v)) {
      notices.push(`ignored ${key} "${v.slice(0, 40)}": not a valid ${key}`);
    } else {
      f[key] = v;
    }
  }
  return f;
}

/** Parses a location (pathname + search) into a route. */
export function parseRoute(pathname: string, search: string): Route {
  const notices: string[] = [];
  const parts = pathname.split('/').filter(Boolean).map(decode);
  const route = (view: View, extra: Partial<Route> = {}): Route => ({ view, ...extra, filters: parseFilters(view, search, notices), notices });
  if (parts.some((p) => p === undefined || !VALUE.test(p))) return { view: 'notfound', filters: {}, notices: ['the address contains a malformed name'] };
  const [a, b, c] = parts as string[];
  if (!a) return route('overview');
  if (a === 'login' && !b) return route('login');
  if (a === 'nodes') return b && !c ? route('node', { name: b }) : !b ? route('nodes') : route('notfound');
  if (a === 'clusters') return b && c && parts.length === 3 ? route('cluster', { namespace: b, name: c }) : !b ? route('clusters') : route('notfound');
  if (a === 'agenttasks') return b && c && parts.length === 3 ? route('agenttask', { namespace: b, name: c }) : !b ? route('agenttasks') : route('notfound');
  if (a === 'jobs') return b && c && parts.length === 3 ? route('job', { namespace: b, name: c }) : !b ? route('jobs') : route('notfound');
  if (a === 'history' && !b) return route('history');
  if (a === 'features') return b && c && parts.length === 3 ? route('feature', { namespace: b, name: c }) : route('notfound');
  if (a === 'workloads') return b && c && parts.length === 3 ? route('workload', { namespace: b, name: c }) : !b ? route('workloads') : route('notfound');
  return route('notfound');
}

/** The URL of a route (filters left empty are left out). */
export function href(view: View, o: { name?: string; namespace?: string; filters?: Filters } = {}): string {
  const e = encodeURIComponent;
  const path = {
    overview: '/',
    login: '/login',
    notfound: '/',
    nodes: '/nodes',
    clusters: '/clusters',
    workloads: '/workloads',
    agenttasks: '/agenttasks',
    jobs: '/jobs',
    history: '/history',
    node: `/nodes/${e(o.name ?? '')}`,
    cluster: `/clusters/${e(o.namespace ?? '')}/${e(o.name ?? '')}`,
    workload: `/workloads/${e(o.namespace ?? '')}/${e(o.name ?? '')}`,
    agenttask: `/agenttasks/${e(o.namespace ?? '')}/${e(o.name ?? '')}`,
    feature: `/features/${e(o.namespace ?? '')}/${e(o.name ?? '')}`,
    job: `/jobs/${e(o.namespace ?? '')}/${e(o.name ?? '')}`,
  }[view];
  const params = new URLSearchParams();
  for (const [k, v] of Object.entries(o.filters ?? {})) if (v) params.set(k, v);
  const qs = params.toString();
  return qs ? `${path}?${qs}` : path;
}

/** The URL of a namespaced object's page from its `namespace/name` id. */
export function hrefOf(view: 'cluster' | 'workload' | 'agenttask' | 'job', id: string): string {
  const [namespace, name] = id.split('/');
  return href(view, { namespace, name });
}

type Listener = () => void;
const listeners = new Set<Listener>();

/** Goes to `url` without a reload (pushState) and tells the app. */
export function navigate(url: string, replace = false): void {
  if (url === location.pathname + location.search) return;
  if (replace) history.replaceState(null, '', url);
  else history.pushState(null, '', url);
  for (const l of listeners) l();
}

export function onNavigate(l: Listener): () => void {
  listeners.add(l);
  const pop = () => l();
  addEventListener('popstate', pop);
  return () => {
    listeners.delete(l);
    removeEventListener('popstate', pop);
  };
}

/** The API path a view shows (also fetched before sign-in checks finish, to save a round trip). */
export function apiPathFor(r: Route): string | undefined {
  const e = encodeURIComponent;
  switch (r.view) {
    case 'overview': return `/api/v1/dashboard/overview${r.filters.org ? `?org=${e(r.filters.org)}` : ''}`;
    case 'nodes': return '/api/v1/dashboard/nodes';
    case 'clusters': return '/api/v1/dashboard/clusters';
    case 'workloads': return '/api/v1/dashboard/workloads';
    case 'agenttasks': return '/api/v1/dashboard/agenttasks';
    case 'node': return `/api/v1/dashboard/nodes/${e(r.name!)}`;
    case 'cluster': return `/api/v1/dashboard/clusters/${e(r.namespace!)}/${e(r.name!)}`;
    case 'workload': return `/api/v1/dashboard/workloads/${e(r.namespace!)}/${e(r.name!)}`;
    case 'agenttask': return `/api/v1/dashboard/agenttasks/${e(r.namespace!)}/${e(r.name!)}`;
    case 'jobs': return '/api/v1/dashboard/jobs';
    case 'job': return `/api/v1/dashboard/jobs/${e(r.namespace!)}/${e(r.name!)}`;
    case 'history': return r.filters.namespace ? `/api/v1/history?namespace=${e(r.filters.namespace)}&kind=job${r.filters.template ? `&template=${e(r.filters.template)}` : ''}` : undefined;
    case 'feature': return `/api/v1/dashboard/agenttasks?namespace=${e(r.namespace!)}&feature=${e(r.name!)}`;
    default: return undefined;
  }
}
