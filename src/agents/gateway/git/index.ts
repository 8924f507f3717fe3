/**
 * The git half of the agent gateway: smart HTTP per AgentTask over a per-task mirror, pushes
 * limited to `weft/<task>` and forwarded to the forge with the operator's credentials. See
 * docs/agenttask.md#git.
 */
export * from './auth.js';
export * from './context.js';
export * from './credentials.js';
export * from './metrics.js';
export * from './mirror.js';
export * from './pktline.js';
export * from './push.js';
export * from './routes.js';
export * from './scope.js';
export * from './service.js';
