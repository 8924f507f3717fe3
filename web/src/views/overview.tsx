import type { Overview as OverviewData } from '../../../src/server/dashboard/types.ts';
import { useData } from '../data.ts';
import { bytes, cores, since } from '../format.ts';
import { apiPathFor, href, PHASES, type Route } from '../route.ts';
import { Badge, Bar, Empty, Link, Loading, Problem } from '../ui/bits.tsx';
import { FilterBar } from '../ui/filters.tsx';
import { Head } from './common.tsx';

function Stat(p: { label: string; value: string; sub?: string; tone: 'ok' | 'warn' | 'bad' | 'muted'; href: string; testid: string }) {
  return (
    <Link href={p.href} class={`stat ${p.tone}`}>
      <span class="stat-label">{p.label}</span>
      <span class="stat-value" data-testid={p.testid}>{p.value}</span>
      {p.sub && <span class="stat-sub">{p.sub}</span>}
    </Link>
  );
}

const tone = (ok: number, total: number) => (total === 0 ? 'muted' : ok === total ? 'ok' : ok === 0 ? 'bad' : 'warn');

function Phases(p: { byPhase: Record<string, number>; order: string[]; testid: string; link?: (phase: string) => string }) {
  const keys = [...p.order.filter((k) => p.byPhase[k]), ...Object.keys(p.byPhase).filter((k) => !p.order.includes(k)).sort()];
  if (keys.length === 0) return <span class="muted">none</span>;
  return (
    <ul class="phases" data-testid={p.testid}>
      {keys.map((k) => (
        <li key={k} data-phase={k}>
          {p.link ? <Link href={p.link(k)}><Badge>{k}</Badge></Link> : <Badge>{k}</Badge>} <span class="num" data-count={k}>{p.byPhase[k]}</span>
        </li>
      ))}
    </ul>
  );
}

/** Mesh health at a glance: counts, capacity, pods and workloads by phase, recent events. */
export function Overview(p: { route: Route }) {
  const org = p.route.filters.org;
  const d = useData<OverviewData>(apiPathFor(p.route)!, ['nodes', 'clusters', 'workloads', 'pods', 'events']);
  const filt = org ? { org } : {};
  if (d.error && !d.data) return <Problem error={d.error} what="the overview" onRetry={d.reload} />;
  if (!d.data) return <Loading what="the overview" />;
  const o = d.data;
  return (
    <section aria-labelledby="h-overview">
      <header class="page-head">
        <h1 id="h-overview">Overview</h1>
        <FilterBar route={p.route} orgs={o.facets.orgs} />
      </header>
      <div class="stats">
        <Stat label="Nodes Ready" value={`${o.nodes.ready}/${o.nodes.total}`} sub={o.nodes.cordoned ? `${o.nodes.cordoned} cordoned` : undefined} tone={tone(o.nodes.ready, o.nodes.total)} href={href('nodes', { filters: { ...filt, sort: 'status' } })} testid="stat-nodes" />
        <Stat label="Clusters Reachable" value={`${o.clusters.reachable}/${o.clusters.total}`} tone={tone(o.clusters.reachable, o.clusters.total)} href={href('clusters', { filters: filt })} testid="stat-clusters" />
        <div class="stat muted">
          <span class="stat-label">Pods by phase</span>
          <Phases byPhase={o.pods.byPhase} order={['Running', 'Pending', 'Succeeded', 'Failed', 'Unknown']} testid="pods-by-phase" />
          <span class="stat-sub" data-testid="pods-listed">
            {o.pods.total === 0 ? 'no clusters' : o.pods.listed === o.pods.total ? `from ${o.pods.total} cluster${o.pods.total === 1 ? '' : 's'}` : `from ${o.pods.listed} of ${o.pods.total} clusters`}
          </span>
        </div>
        <div class="stat muted">
          <span class="stat-label">Workloads ({o.workloads.total})</span>
          <Phases byPhase={o.workloads.byPhase} order={PHASES} testid="workloads-by-phase" link={(ph) => href('workloads', { filters: { ...filt, phase: ph } })} />
        </div>
      </div>
      {o.pods.unavailable.length > 0 && o.pods.listed < o.pods.total && (
        <p class="muted small" data-testid="pods-unavailable">
          Pods not counted: {o.pods.unavailable.map((u) => `${u.cluster} (${u.message})`).join('; ')}
        </p>
      )}
      <h2>Capacity <span class="muted small">allocated / allocatable on Ready nodes</span></h2>
      <div class="bars">
        <Bar label="CPU" used={o.capacity.used.cpu} total={o.capacity.allocatable.cpu} format={(n) => `${cores(n)} cores`} testid="cap-cpu" />
        <Bar label="Memory" used={o.capacity.used.memory} total={o.capacity.allocatable.memory} format={bytes} testid="cap-memory" />
        <Bar label="GPU" used={o.capacity.used.gpus} total={o.capacity.allocatable.gpus} format={(n) => String(n)} testid="cap-gpu" />
      </div>
      <h2>Recent events</h2>
      {o.events.length === 0 ? (
        <Empty title="No recent events">Events about MeshNodes, OrgClusters and Workloads appear here (Kubernetes keeps them for an hour).</Empty>
      ) : (
        <div class="table-wrap">
          <table aria-label="Recent events" data-testid="events">
            <Head cols={['When', 'Type', 'Object', 'Reason', 'Message']} />
            <tbody>
              {o.events.map((e, i) => (
                <tr key={`${e.time}-${i}`}>
                  <td class="nowrap">{since(e.time)}{e.count > 1 && <span class="muted"> ×{e.count}</span>}</td>
                  <td><Badge>{e.type}</Badge></td>
                  <td class="nowrap">{objectLink(e.object)}</td>
                  <td>{e.reason}</td>
                  <td class="wrap">{e.note}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
    </section>
  );
}

function objectLink(o: { kind: string; namespace?: string; name: string }) {
  if (o.kind === 'MeshNode') return <Link href={href('node', { name: o.name })}>{o.kind}/{o.name}</Link>;
  if (o.kind === 'OrgCluster' && o.namespace) return <Link href={href('cluster', { namespace: o.namespace, name: o.name })}>{o.kind}/{o.namespace}/{o.name}</Link>;
  if (o.kind === 'Workload' && o.namespace) return <Link href={href('workload', { namespace: o.namespace, name: o.name })}>{o.kind}/{o.namespace}/{o.name}</Link>;
  return `${o.kind}/${o.namespace ? `${o.namespace}/` : ''}${o.name}`;
}
