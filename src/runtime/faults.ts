/**
 * Named fault points for crash-safety tests: a test installs a hook (in the operator's process) that
 * throws at a point, as if the operator had died right there — after a side effect, before the status
 * that records it. Production never installs one; a point without a hook costs one check.
 *
 * @example
 * setFaultHook((point, key) => { if (point === 'agenttask:after:comment' && key === 'ns/t') throw new Error('injected crash'); });
 */
export type FaultHook = (point: string, key: string) => void | Promise<void>;

let hook: FaultHook | undefined;

/** Installs (or with undefined removes) the process's fault hook. Tests only. */
export function setFaultHook(h: FaultHook | undefined): void {
  hook = h;
}

/** Calls the hook at `point` for object `key` (namespace/name); what it throws propagates. */
export async function faultPoint(point: string, key: string): Promise<void> {
  if (hook) await hook(point, key);
}
