import type { ControllerName, OperatorConfig } from '../config/operator.js';
import { setupMeshNodeController } from '../../controllers/meshnode/reconcile.js';
import { setupOrgClusterController, stopLocalClusters } from '../../controllers/orgcluster/reconcile.js';
import { setupWorkloadController } from '../../controllers/workload/reconcile.js';
import { setupAgentTaskController } from '../../controllers/agenttask/reconcile.js';
import { setupSpecKitSyncController } from '../../controllers/speckitsync/controller.js';
import { setupJobController } from '../../controllers/job/reconcile.js';
import type { ControllerContext, ControllerSetup } from '../../controllers/context.js';
import type { CodeServerPodConfig } from '../../controllers/agenttask/codeserver.js';
import { DEFAULT_CODE_SERVER_IMAGE } from '../agents/codeserver/credentials.js';


/**
 * The controllers the operator runs, in order. Each issue adds its own here (MeshNode, OrgCluster,
 * Workload, …), guarded by its feature gate where it is beyond the Phase 1 MVP.
 */
export const CONTROLLERS: Array<{ name: ControllerName; setup: ControllerSetup; enabled?: (cfg: OperatorConfig) => boolean }> = [
  {
    name: 'meshnode',
    setup: (ctx) =>
      setupMeshNodeController(ctx, {
        allocatedOn: ctx.scheduling && ((node) => ctx.scheduling!.allocatedOn(node)),
        tailnet: ctx.mesh && { provider: ctx.mesh },
      }),
  },
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
  {
    name: 'agenttask',
    enabled: (cfg) => cfg.featureGates.AgentTasks,
    setup: (ctx) => {
      if (!ctx.scheduling || !ctx.connections) throw new Error('the agenttask controller needs the scheduling state and cluster connections (runOperator creates them)');
      const stopTasks = setupAgentTaskController(
        { ...ctx, scheduling: ctx.scheduling, connections: ctx.connections },
        { pod: { image: ctx.cfg.agents.image, gatewayUrl: ctx.cfg.agents.gatewayUrl, imagePullPolicy: 'IfNotPresent', codeServer: codeServerPod(ctx), ...(ctx.cfg.agents.testHooks ? { testHooks: true } : {}) }, signals: ctx.agentSignals },
      );
      // ConfigMaps annotated weft.dev/speckit-sync: Spec-Kit features kept in sync (docs/speckit.md).
      const stopSync = setupSpecKitSyncController(ctx);
      return async () => {
        await Promise.all([stopTasks(), stopSync()]);
      };
    },
  },
  // Jobs run as owned Workloads: the workload controller places and runs their pods.
  { name: 'job', setup: setupJobController, enabled: (cfg) => cfg.featureGates.Jobs },
];

/** The code-server sidecar's settings, when the operator has the code-server key. */
function codeServerPod(ctx: ControllerContext): CodeServerPodConfig | undefined {
  const creds = ctx.codeServer;
  return creds ? { image: DEFAULT_CODE_SERVER_IMAGE, hashedPassword: (t) => creds.hashedPassword(t.metadata.uid!) } : undefined;
}
