/**
 * Spec-Kit (github/spec-kit) documents as data: a pure parser and byte-preserving writer for
 * `specs/NNN-feature/tasks.md`, a dependency graph with unknown-id and cycle detection, and a reader
 * for spec.md. No I/O: callers read and write the files (see `src/mcp/speckit/`).
 *
 * @example
 * const doc = parseTasks(text, 'specs/004-review/tasks.md');
 * const issues = validateGraph(doc);           // [] when every Depends: id exists and nothing cycles
 * const { text: next } = setTaskStatus(text, 'T005', true); // only the checkbox byte changes
 */
export { SpecKitError, UnknownTaskError } from './errors.js';
export { parseTasks, filesIn, dependsIn, type SpecTask, type TaskPhase, type TasksDocument } from './tasks.js';
export { dependenciesOf, dependencyMap, validateGraph, assertValidGraph, readyTasks, type TaskDependency, type DependencyKind, type GraphIssue } from './graph.js';
export { setTaskStatus, appendTaskNote, type TasksEdit } from './write.js';
export { parseSpec, type FeatureSpec, type UserStory, type Requirement } from './spec.js';
export { FEATURE_DIR, isFeatureDir, featureDocPath, type FeatureDoc } from './layout.js';
