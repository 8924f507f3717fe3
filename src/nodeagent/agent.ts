import { isDeepStrictEqual } from 'node:util';
import type { KubeConfig, KubernetesObject } from '@kubernetes/client-node';
import type { Logger } from 'pino';
import type { HostResources } from '../api/common/types.js';
import type { MeshNodeStatus } from '../api/meshnode/types.js';
import { LEASES, MESHNODES } from '../api/resources.js';
import { errorMessage, isNotFound, microTime, RestClient } from '../runtime/index.js';
import { NODE_LEASE_NAMESPACE } from './rbac.js';
import { metaTime } from '../api/common/conditions.js';

interface MeshNodeObj extends KubernetesObject {
  status?: Pick<MeshNodeStatus, 'capacity' | 'allocatable' | 'lastHeartbeatTime'>;
}

export interface AgentOptions {
  name: string;
  kc: KubeConfig;
  log: Logger;
  /** Reports this host's capacity (called at start and every capacity interval). */
  detect: () => Promise<HostResources>;
  /** Resources held back for the system (subtracted from capacity → allocatable). */
  heartbeatIntervalMs?: number;
  capacityIntervalMs?: number;
}

/**
 * `weft agent`: keeps this host's MeshNode up to date. It renews the node's heartbeat Lease
 * (weft-node-lease/<name>) every interval, as the kubelet does, and writes status.capacity and
 * allocatable only when they change. It needs no permission beyond its own MeshNode and Lease.
 */
export class NodeAgent {
  private timers: NodeJS.Timeout[] = [];
  private readonly rest: RestClient;
  private lastReported: HostResources | undefined;
  /** Heartbeats sent (for logs and tests). */
  beats = 0;

  constructor(private readonly o: AgentOptions) {
    this.rest = new RestClient(o.kc);
  }

  /** Reports capacity and sends the first heartbeat; fails clearly when the MeshNode is missing. */
  async start(): Promise<void> {
    try {
      await this.rest.get(MESHNODES, this.o.name);
    } catch (err) {
      if (isNotFound(err)) {
        throw new Error(`MeshNode ${this.o.name} does not exist: provision this host first with \`weft agent provision --name ${this.o.name} --org ORG\``);
      }
      throw err;
    }
    await this.reportCapacity();
    await this.heartbeat();
    this.every(this.o.heartbeatIntervalMs ?? 10_000, () => this.heartbeat());
    this.every(this.o.capacityIntervalMs ?? 60_000, () => this.reportCapacity());
  }

  stop(): void {
    for (const t of this.timers) clearInterval(t);
    this.timers = [];
  }

  /** Renews the heartbeat Lease (and status.lastHeartbeatTime is left to the Lease: fewer writes). */
  async heartbeat(): Promise<void> {
    await this.rest.patch(LEASES, { name: this.o.name, namespace: NODE_LEASE_NAMESPACE }, {
      spec: { holderIdentity: this.o.name, renewTime: microTime(new Date()), leaseDurationSeconds: 40 },
    });
    this.beats++;
  }

  /** Writes capacity/allocatable to the MeshNode status when they changed. */
  async reportCapacity(): Promise<void> {
    const capacity = await this.o.detect();
    if (isDeepStrictEqual(capacity, this.lastReported)) return;
    await this.rest.patch<MeshNodeObj>(MESHNODES, { name: this.o.name }, { status: { capacity, allocatable: capacity, lastHeartbeatTime: metaTime(new Date()) } }, { subresource: 'status' });
    this.lastReported = capacity;
    this.o.log.info({ capacity }, 'capacity reported');
  }

  private every(ms: number, fn: () => Promise<void>): void {
    const t = setInterval(() => {
      fn().catch((err: unknown) => this.o.log.warn({ err: errorMessage(err) }, 'agent update failed; retrying next interval'));
    }, ms);
    this.timers.push(t);
  }
}
