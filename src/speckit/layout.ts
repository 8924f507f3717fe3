/** The documents of one Spec-Kit feature folder that Weft reads. */
export type FeatureDoc = 'spec' | 'plan' | 'tasks' | 'research' | 'data-model' | 'quickstart';

/** A feature folder name under `specs/`: `NNN-short-name` (three or more digits). */
export const FEATURE_DIR = /^\d{3,}-[A-Za-z0-9._-]+$/;

/** Whether a folder name is a Spec-Kit feature folder (`004-review-loop`). */
export function isFeatureDir(name: string): boolean {
  return FEATURE_DIR.test(name);
}

/** The repository-relative path of a feature's document: `specs/004-review-loop/tasks.md`. */
export function featureDocPath(feature: string, doc: FeatureDoc): string {
  return `specs/${feature}/${doc}.md`;
}
