/** Labels, annotations and finalizers that Weft puts on objects (one place, so every writer agrees). */

/** Every Weft object of an org carries its org as a label (set by the mutating webhook). */
export const ORG_LABEL = 'weft.dev/org';
/** Set by `POST /api/v1/schedule` on a Workload it created already placed: `cluster@node`. */
export const BOUND_TO_ANNOTATION = 'weft.dev/bound-to';
/** Holds a Workload until its pod is deleted (added at admission, else by the controller). */
export const WORKLOAD_FINALIZER = 'weft.dev/workload-cleanup';
