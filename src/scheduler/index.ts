/**
 * The scheduler's placement engine in one import: the engine, the converters from MeshNode,
 * OrgCluster and Workload, the explanation helpers, and the input/output types.
 * @example
 * import { PlacementEngine, nodeInfo, clusterInfo, placementRequest } from '../scheduler/index.js';
 * const engine = new PlacementEngine();
 * for (const mn of meshNodes) engine.setNode(nodeInfo(mn));
 * for (const oc of orgClusters) engine.setCluster(clusterInfo(oc));
 * const decision = engine.place(placementRequest(workload));
 */
export type * from './types.js';
export {
  DEFAULT_WEIGHTS,
  MAX_ALTERNATIVES,
  PlacementEngine,
  UNRESOLVED_GPU_MODEL,
  groupOf,
  type PlacementEngineOptions,
  type PlacementWeights,
} from './engine.js';
export { ConversionError, GROUP_LABEL, clusterInfo, nodeInfo, placementRequest } from './convert.js';
export { decisionMessage, rejectionSummary, selectorMismatch, type MessageInput } from './explain.js';
