/** Job templates as code: the registry, params checks, the hardened pod and the pod's summary. */
export * from './types.js';
export { checkParams, paramDefaults, type ParamsCheck } from './params.js';
export { JOB_CONTAINER, JOB_LABEL, POST_STEP_ENV, RUNNER_IMAGE, WORKSPACE, jobPodTemplate } from './pod.js';
export { parseTerminationMessage } from './result.js';
export { TEMPLATES, templateFor, templateNames } from './templates/index.js';
