/**
 * Weft's operator runtime: a thin, tested layer on client-node (informers that never give up, a
 * per-key work queue with backoff, Lease leader election, finalizer/status/event helpers, metrics).
 */
export * from './errors.js';
export * from './rest.js';
export * from './backoff.js';
export * from './workqueue.js';
export * from './keyed-lock.js';
export * from './ttl-cache.js';
export * from './informer.js';
export * from './leader.js';
export * from './leader-status.js';
export * from './namespace.js';
export * from './controller.js';
export * from './manager.js';
export * from './metrics.js';
export * from './finalizers.js';
export * from './status.js';
export * from './events.js';
export * from './conditions.js';
export * from './selector.js';
