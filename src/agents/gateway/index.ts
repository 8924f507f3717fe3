/**
 * The operator-side LLM gateway of AgentTasks: agent pods call it with their projected token, it
 * injects the task's key, enforces `spec.budget`, counts usage and writes transcripts. See
 * docs/agenttask.md.
 */
export * from './assemble.js';
export * from './budget.js';
export * from './errors.js';
export * from './identity.js';
export * from './kube.js';
export * from './metrics.js';
export * from './redact.js';
export * from './reply.js';
export * from './retry.js';
export * from './routes.js';
export * from './sse.js';
export * from './token-cache.js';
export * from './transcript.js';
export * from './upstream.js';
export * from './usage.js';
export * from './wire.js';
