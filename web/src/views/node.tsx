import type { NodeDetail } from '../../../src/server/dashboard/types.ts';
import { useData, useNow } from '../data.ts';
import { age, bytes, cores, since } from '../format.ts';
import { apiPathFor, href, hrefOf, type Route } from '../route.ts';
import { CordonButton } from '../ui/actions.tsx';
import { Bar, Facts, Link, Tags } from '../ui/bits.tsx';
import { Conditions, detailFallback, WorkloadList } from './common.tsx';
import { NodeStatus, Tailnet } from './nodes.tsx';

/** One MeshNode: status, capacity, tailnet, conditions and the workloads placed on it. */
export function Node(p: { route: Route }) {
  const name = p.route.name!;
  const d = useData<NodeDetail>(apiPathFor(p.route)!, ['nodes', 'workloads']);
  const now = useNow(2000);
  const back = <Link href={href('nodes')}>← All nodes</Link>;
  const fallback = detailFallback(d, { back, gone: `MeshNode “${name}”`, what: `node ${name}`, hint: d.data ? '' : 'Check the name in the address.' });
  if (fallback || !d.data) return fallback ?? null;
  const n = d.data.node;
  const hb = n.heartbeatAgeSeconds === null ? null : n.heartbeatAgeSeconds + Math.max(0, (now - d.at) / 1000);
  return (
    <section aria-labelledby="h-node" data-node={n.name} data-ready={n.ready}>
      {back}
      <header class="page-head">
        <h1 id="h-node">{n.name} <NodeStatus n={n} /></h1>
        <div class="actions"><CordonButton node={n.name} unschedulable={n.unschedulable} /></div>
      </header>
      {n.readyMessage && <p class="callout" data-testid="ready-message">{n.readyMessage}</p>}
      <Facts
        items={[
          ['Org', n.org],
          ['Hostname', n.hostname],
          ['Tags', <Tags tags={n.tags} />],
          ['Heartbeat', `${age(hb)}${hb === null ? '' : ' ago'}`],
          ['Tailnet', <span><Tailnet t={n.tailnet} /> {n.tailnet.ips.join(', ')}{n.tailnet.tags.length > 0 && <> · <Tags tags={n.tailnet.tags} /></>}</span>],
          ['Clusters', n.clusters.length ? n.clusters.map((c) => <Link key={c} href={hrefOf('cluster', c)}>{c} </Link>) : '—'],
          ['Labels', Object.keys(n.labels).length ? Object.entries(n.labels).map(([k, v]) => `${k}=${v}`).join(', ') : '—'],
          ['Created', since(n.createdAt)],
        ]}
      />
      <h2>Capacity <span class="muted small">allocated / allocatable (capacity {cores(n.capacity.cpu)} CPU, {bytes(n.capacity.memory)}, {n.capacity.gpus} GPU)</span></h2>
      <div class="bars">
        <Bar label="CPU" used={n.allocated.cpu} total={n.allocatable.cpu} format={(x) => `${cores(x)} cores`} />
        <Bar label="Memory" used={n.allocated.memory} total={n.allocatable.memory} format={bytes} />
        <Bar label="GPU" used={n.allocated.gpus} total={n.allocatable.gpus} format={String} />
      </div>
      <h2>Conditions</h2>
      <Conditions conditions={n.conditions} />
      <h2>Workloads on this node</h2>
      <WorkloadList items={d.data.workloads} empty="No workloads are placed on this node" />
    </section>
  );
}
