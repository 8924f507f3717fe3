/** Labels, annotations and finalizers that Weft puts on objects (one place, so every writer agrees). */

/** Every Weft object of an org carries its org as a label (set by the mutating webhook). */
export const ORG_LABEL = 'weft.dev/org';
/** Holds a Workload until its pod is deleted (added at admission, else by the controller). */
export const WORKLOAD_FINALIZER = 'weft.dev/workload-cleanup';
/** Labels on the pods the Workload controller creates (the pod watch maps them back to their Workload). */
export const POD_LABELS = {
  managedBy: 'app.kubernetes.io/managed-by',
  workload: 'weft.dev/workload',
  namespace: 'weft.dev/workload-namespace',
  uid: 'weft.dev/workload-uid',
  org: 'weft.dev/org',
  /** The kind of the Workload's controller owner (AgentTask, Job), when it has one. */
  ownerKind: 'weft.dev/owner-kind',
  /** The name of the Workload's controller owner (at most 63 characters), when it has one. */
  ownerName: 'weft.dev/owner-name',
} as const;
/** On each pod: the Workload (namespace/name) it runs. */
export const POD_WORKLOAD_ANNOTATION = 'weft.dev/workload';
/** On each pod: the OrgCluster (namespace/name) it was made for, as several may share one API server. */
export const POD_CLUSTER_ANNOTATION = 'weft.dev/orgcluster';
/** Selects the pods Weft created. */
export const POD_SELECTOR = `${POD_LABELS.managedBy}=weft,${POD_LABELS.uid}`;
