/**
 * The Job templates in code, by name. A template named in the Job schema's enum but not here yet is
 * refused at admission and by the controller (InvalidParams) with the list of available ones.
 */
import type { JobTemplate, TemplateName } from '../types.js';
import { ciRunner } from './ci-runner/index.js';
import { docops } from './docops/index.js';
import { mlBatch } from './ml-batch/index.js';
import { notebook } from './notebook/index.js';
import { securityScan } from './security-scan/index.js';

/** Every implemented template. */
export const TEMPLATES: ReadonlyMap<string, JobTemplate> = new Map([ciRunner, docops, mlBatch, notebook, securityScan].map((t) => [t.name, t]));

/** The template called `name`, or undefined. */
export function templateFor(name: TemplateName | string): JobTemplate | undefined {
  return TEMPLATES.get(name);
}

/** The names of the implemented templates, sorted (for error messages). */
export function templateNames(): string[] {
  return [...TEMPLATES.keys()].sort();
}
