/* A resource type descriptor: what the dynamic REST client and informers need to address a kind. */

/** Identifies a kind of resource for the dynamic client and informers. */
export interface ResourceType {
  /** API group; '' for the core group. */
  group: string;
  version: string;
  /** Lower-case plural, e.g. `meshnodes`. */
  plural: string;
  kind: string;
  namespaced: boolean;
}
