import { useCallback, useEffect, useState } from 'preact/hooks';
import type { Me } from '../../src/server/dashboard/types.ts';
import { api, ApiError, onUnauthenticated, token } from './api.ts';
import { changed } from './data.ts';
import { followChanges, type LiveState } from './live.ts';
import { href, navigate, onNavigate, parseRoute, type Route, type View } from './route.ts';
import { MeContext, NotifyContext } from './session.ts';
import { Empty, Link, Problem } from './ui/bits.tsx';
import { Cluster } from './views/cluster.tsx';
import { Clusters } from './views/clusters.tsx';
import { Login } from './views/login.tsx';
import { Node } from './views/node.tsx';
import { Nodes } from './views/nodes.tsx';
import { Overview } from './views/overview.tsx';
import { Workload } from './views/workload.tsx';
import { Workloads } from './views/workloads.tsx';
import { AgentTasks } from './views/agenttasks.tsx';
import { AgentTask } from './views/agenttask.tsx';
import { Feature } from './views/feature.tsx';
import { Jobs } from './views/jobs.tsx';
import { Job } from './views/job.tsx';
import { History } from './views/history.tsx';

/** The navigation; jobs (a later issue) add their entry here. */
const NAV: Array<{ label: string; view: View; active: View[] }> = [
  { label: 'Overview', view: 'overview', active: ['overview'] },
  { label: 'Nodes', view: 'nodes', active: ['nodes', 'node'] },
  { label: 'Clusters', view: 'clusters', active: ['clusters', 'cluster'] },
  { label: 'Workloads', view: 'workloads', active: ['workloads', 'workload'] },
  { label: 'Agent tasks', view: 'agenttasks', active: ['agenttasks', 'agenttask', 'feature'] },
  { label: 'Jobs', view: 'jobs', active: ['jobs', 'job', 'history'] },
];

const TITLES: Record<View, (r: Route) => string> = {
  overview: () => 'Overview', nodes: () => 'Nodes', clusters: () => 'Clusters', workloads: () => 'Workloads', agenttasks: () => 'Agent tasks', login: () => 'Sign in', notfound: () => 'Not found',
  node: (r) => `Node ${r.name}`, cluster: (r) => `Cluster ${r.namespace}/${r.name}`, workload: (r) => `Workload ${r.namespace}/${r.name}`, agenttask: (r) => `Agent task ${r.namespace}/${r.name}`, feature: (r) => `Feature ${r.name}`, jobs: () => 'Jobs', job: (r) => `Job ${r.namespace}/${r.name}`, history: () => 'Run history',
};

function Page(p: { route: Route }) {
  switch (p.route.view) {
    case 'overview': return <Overview route={p.route} />;
    case 'nodes': return <Nodes route={p.route} />;
    case 'node': return <Node route={p.route} />;
    case 'clusters': return <Clusters route={p.route} />;
    case 'cluster': return <Cluster route={p.route} />;
    case 'workloads': return <Workloads route={p.route} />;
    case 'workload': return <Workload route={p.route} />;
    case 'agenttasks': return <AgentTasks route={p.route} />;
    case 'agenttask': return <AgentTask route={p.route} />;
    case 'feature': return <Feature route={p.route} />;
    case 'jobs': return <Jobs route={p.route} />;
    case 'job': return <Job route={p.route} />;
    case 'history': return <History route={p.route} />;
    default:
      return (
        <Empty title="There is no such page">
          {p.route.notices.join('; ')} <Link href="/">Go to the overview</Link>
        </Empty>
      );
  }
}

/** `system:serviceaccount:ns:name` → `name (ns)`: the part people recognise first. */
function displayName(user: string): string {
  const sa = /^system:serviceaccount:([^:]+):(.+)$/.exec(user);
  return sa ? `${sa[2]} (${sa[1]})` : user;
}

type Session = { state: 'checking' } | { state: 'signed-out'; message?: string } | { state: 'failed'; error: ApiError } | { state: 'in'; me: Me };

/** Fetches who the user is; a 401 means "sign in". */
async function whoAmI(): Promise<Exclude<Session, { state: 'checking' }>> {
  const had = token.get(); // read first: a 401 clears it
  try {
    return { state: 'in', me: await api<Me>('/api/v1/dashboard/me') };
  } catch (err) {
    const e = err instanceof ApiError ? err : new ApiError(0, String(err));
    if (e.status !== 401) return { state: 'failed', error: e };
    token.clear();
    // Over HTTPS without a client certificate the server says so before any token is tried.
    const message = had ? `Your token was not accepted: ${e.message}` : location.protocol === 'https:' ? e.message : undefined;
    return { state: 'signed-out', ...(message ? { message } : {}) };
  }
}

export function App() {
  const [route, setRoute] = useState(() => parseRoute(location.pathname, location.search));
  const [session, setSession] = useState<Session>({ state: 'checking' });
  const [live, setLive] = useState<LiveState>('connecting');
  const [tokenWanted, setTokenWanted] = useState(false);
  const [toast, setToast] = useState<{ text: string; tone: 'ok' | 'bad'; at: number } | undefined>();

  useEffect(() => onNavigate(() => setRoute(parseRoute(location.pathname, location.search))), []);
  useEffect(() => void whoAmI().then(setSession), []);
  useEffect(() => onUnauthenticated((why) => {
    token.clear();
    setSession({ state: 'signed-out', message: `Signed out: ${why}` });
  }), []);
  const signedIn = session.state === 'in';
  useEffect(() => (signedIn ? followChanges((m) => changed(m.kinds), setLive) : undefined), [signedIn]);
  useEffect(() => {
    document.title = `${TITLES[route.view](route)} · Weft`;
    if (signedIn && route.view === 'login') navigate('/', true);
  }, [route, signedIn]);
  useEffect(() => {
    if (!toast) return;
    const t = setTimeout(() => setToast(undefined), toast.tone === 'ok' ? 4000 : 10000);
    return () => clearTimeout(t);
  }, [toast]);
  const notify = useCallback((m: { text: string; tone: 'ok' | 'bad' }) => setToast({ ...m, at: Date.now() }), []);

  if (session.state === 'checking') return <div class="loading boot" aria-busy="true">Connecting to the operator…</div>;
  if (session.state === 'failed') {
    return <main class="login"><Problem error={session.error} what="your session" onRetry={() => void whoAmI().then(setSession)} /></main>;
  }
  // A client certificate signs in by itself; when its user may not view the mesh, offer the token sign-in.
  const certOnly = session.state === 'in' && session.me.via === 'certificate' && !session.me.can.view;
  if (session.state === 'signed-out' || certOnly || tokenWanted) {
    const message = certOnly
      ? `Your client certificate identifies you as ${session.me.user.username}, who may not view the mesh (missing RBAC permission: ${session.me.missing}). Sign in with a token instead.`
      : session.state === 'signed-out' ? session.message : undefined;
    return (
      <Login
        message={message}
        tls={location.protocol === 'https:'}
        onToken={async (t) => {
          token.set(t);
          const s = await whoAmI();
          if (s.state === 'in') {
            setSession(s);
            setTokenWanted(false);
            if (route.view === 'login') navigate('/', true);
            return undefined;
          }
          return s.state === 'signed-out' ? (s.message ?? 'Not accepted') : s.error.message;
        }}
      />
    );
  }
  const me = session.me;
  return (
    <MeContext.Provider value={me}>
      <NotifyContext.Provider value={notify}>
        <div class="shell">
          <header class="top">
            <Link href="/" class="brand"><span class="logo" aria-hidden="true" />Weft</Link>
            <nav aria-label="Main">
              {NAV.map((n) => (
                <Link key={n.view} href={href(n.view)} class={n.active.includes(route.view) ? 'active' : ''}>{n.label}</Link>
              ))}
            </nav>
            <div class="who">
              <span class={`live ${live}`} data-testid="live" title={live === 'live' ? 'Updates arrive as they happen' : live === 'connecting' ? 'Connecting to the live stream…' : 'Live updates interrupted: retrying'}>
                {live === 'live' ? 'Live' : live === 'connecting' ? 'Connecting' : 'Offline'}
              </span>
              <span class="user" data-testid="user" title={`${me.user.username} (groups: ${me.user.groups.join(', ')})`}>{displayName(me.user.username)}</span>
              {me.via === 'token' ? (
                <button type="button" class="link" onClick={() => { token.clear(); setSession({ state: 'signed-out' }); }}>Sign out</button>
              ) : (
                <button type="button" class="link" title="Signed in by your client certificate" onClick={() => setTokenWanted(true)}>Use a token</button>
              )}
            </div>
          </header>
          <main class="content" id="main">
            {me.can.view ? (
              <Page route={route} />
            ) : (
              <div class="problem" role="alert" data-testid="no-view">
                <strong>You are signed in as {me.user.username}, but may not view the mesh</strong>
                <p>Missing RBAC permission: {me.missing}. Ask a cluster admin to bind the weft-viewer ClusterRole to you.</p>
              </div>
            )}
          </main>
          {toast && <div key={toast.at} class={`toast ${toast.tone}`} role="status" data-testid="toast">{toast.text}</div>}
        </div>
      </NotifyContext.Provider>
    </MeContext.Provider>
  );
}
