import type { Logger } from 'pino';
import type { ControllerName, OperatorConfig } from '../config/operator.js';
import type { KubeAccess } from '../runtime/kubeconfig.js';
import type { Manager } from '../runtime/manager.js';
import { setupMeshNodeController } from '../../controllers/meshnode/reconcile.js';
import { setupOrgClusterController, stopLocalClusters } from '../../controllers/orgcluster/reconcile.js';
import { setupWorkloadController } from '../../controllers/workload/reconcile.js';
import type { SchedulingState } from '../scheduler/informed.js';

/** What a controller's setup function gets from the operator. */
export interface ControllerContext {
  kc: KubeAccess;
  mgr: Manager;
  cfg: OperatorConfig;
  log: Logger;
  /** The placement engine fed by the caches, shared by the controllers and POST /schedule. */
  scheduling?: SchedulingState;
}

/** Registers one controller (and its watches) with the manager; returns a cleanup function. */
export type ControllerSetup = (ctx: ControllerContext) => void | (() => Promise<void>);

/**
 * The controllers the operator runs, in order. Each issue adds its own here (MeshNode, OrgCluster,
 * Workload, …), guarded by its feature gate where it is beyond the Phase 1 MVP.
 */
export const CONTROLLERS: Array<{ name: ControllerName; setup: ControllerSetup; enabled?: (cfg: OperatorConfig) => boolean }> = [
  { name: 'meshnode', setup: (ctx) => setupMeshNodeController(ctx, { allocatedOn: ctx.scheduling && ((node) => ctx.scheduling!.allocatedOn(node)) }) },
  {
    name: 'orgcluster',
    setup: (ctx) => {
      setupOrgClusterController(ctx);
      return stopLocalClusters;
    },
  },
  {
    name: 'workload',
    setup: (ctx) => {
      if (!ctx.scheduling) throw new Error('the workload controller needs the scheduling state (runOperator creates it)');
      return setupWorkloadController({ ...ctx, scheduling: ctx.scheduling });
    },
  },
];
