import type { ObservedMeshNode } from '../api/meshnode/index.js';
import type { MeshNodeStatus, MeshNodeTailnet } from '../api/meshnode/types.js';
import { setCondition, type ConditionInput } from '../runtime/conditions.js';
import type { MeshDevice } from './provider.js';
import { metaTime } from '../api/common/conditions.js';

/** What the discovery loop last learned from the mesh provider. */
export interface MeshSnapshot {
  devices: MeshDevice[];
  /** Set when the last poll failed; devices then hold the last known list. */
  error?: string;
  /** When the provider last answered. */
  lastSuccess?: Date;
}


/** The device that belongs to a MeshNode: same name, or the node's hostname (first label). */
export function deviceFor(node: ObservedMeshNode, devices: MeshDevice[]): MeshDevice | undefined {
  const names = [node.metadata?.name, node.spec?.hostname, node.spec?.hostname?.split('.')[0]].filter(Boolean);
  return devices.find((d) => names.includes(d.name));
}

/**
 * MeshNode status from the tailnet (pure): `status.tailnet` from the matching device and the
 * `MeshConnected` condition. When the provider is unreachable the last known tailnet block is kept
 * and the condition says why.
 */
export function planMeshStatus(node: ObservedMeshNode, snap: MeshSnapshot, now: Date): MeshNodeStatus {
  const prev = node.status ?? {};
  const name = node.metadata?.name ?? '';
  if (snap.error) {
    const since = snap.lastSuccess ? ` (last answer ${metaTime(snap.lastSuccess)})` : '';
    return withCondition(prev, { type: 'MeshConnected', status: 'Unknown', reason: 'MeshUnreachable', message: `${snap.error}${since}; showing the last known tailnet state` }, now, node);
  }
  const d = deviceFor(node, snap.devices);
  if (!d) {
    const { tailnet: _gone, ...rest } = prev;
    return withCondition(rest, { type: 'MeshConnected', status: 'False', reason: 'DeviceNotFound', message: `no tailnet device named ${name}: join the host with \`tailscale up --hostname=${name}\` (or weft agent --mesh=headscale)` }, now, node);
  }
  const tailnet: MeshNodeTailnet = { nodeId: d.id, name: d.name, ips: d.ips, user: d.user, tags: d.tags, online: d.online, ...(d.lastSeen ? { lastSeen: d.lastSeen } : {}) };
  const cond: ConditionInput = d.online
    ? { type: 'MeshConnected', status: 'True', reason: 'Online', message: `tailnet device ${d.name} online at ${d.ips.join(', ')}` }
    : { type: 'MeshConnected', status: 'False', reason: 'DeviceOffline', message: `tailnet device ${d.name} is offline${d.lastSeen ? ` (last seen ${d.lastSeen})` : ''}` };
  return withCondition({ ...prev, tailnet }, cond, now, node);
}

function withCondition(status: MeshNodeStatus, c: ConditionInput, now: Date, node: ObservedMeshNode) {
  return { ...status, conditions: setCondition(status.conditions, c, { now, generation: node.metadata?.generation }) };
}
