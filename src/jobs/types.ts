/**
 * What a Job template is in code: a params JSON Schema (validated at admission, defaults applied),
 * a pod builder (the whole pod of the owned Workload) and its documentation.
 */
import type { V1PodTemplateSpec } from '@kubernetes/client-node';
import type { Job, JobResult } from '../api/job/types.js';

/** The templates a Job may name (spec.template). */
export type TemplateName = Job['spec']['template'];

/** One parameter: every Job parameter is a string (spec.params), constrained by its schema. */
export interface ParamSchema {
  type: 'string';
  description: string;
  default?: string;
  enum?: string[];
  pattern?: string;
  minLength?: number;
  maxLength?: number;
}

/** A template's params schema: an object of string parameters (unknown names are refused). */
export interface ParamsSchema {
  type: 'object';
  required: string[];
  properties: Record<string, ParamSchema>;
  additionalProperties: false;
}

/** What a pod builder gets: the Job and its params with the defaults applied. */
export interface PodInput {
  job: Job;
  params: Record<string, string>;
}

/** Where the operator sets the commit status of a finished Job (ci-runner with `statusSecret`). */
export interface CommitStatusTarget {
  /** Clone URL of the repository (the forge API is at its origin; the repo is `owner/name` of its path). */
  repoUrl: string;
  /** Secret (key `token`) in the Job's namespace, read by the operator only. */
  secretName: string;
  context: string;
  /** The status's link (ci-runner `statusUrl`). */
  targetUrl?: string;
}

export interface JobTemplate {
  name: TemplateName;
  /** One sentence for docs/jobs.md and errors. */
  summary: string;
  /** Paragraphs of Markdown for docs/jobs.md (how it runs, what lands in status). */
  docs: string;
  params: ParamsSchema;
  /** A runnable example's params (docs/jobs.md). */
  example: Record<string, string>;
  /** The pod of the owned Workload; its work runs in the container named {@link JOB_CONTAINER}. */
  buildPod(input: PodInput): V1PodTemplateSpec;
  /** Where to report the outcome as a commit status, if the params ask for it. */
  commitStatus?(params: Record<string, string>): CommitStatusTarget | undefined;
}

export type { JobResult };
