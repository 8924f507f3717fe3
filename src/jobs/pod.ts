/**
 * The least-privileged pod every template runs as: non-root, no privilege escalation, every
 * capability dropped, seccomp RuntimeDefault, a read-only root filesystem with emptyDir volumes for
 * the workspace and /tmp, no ServiceAccount token, and the summary in the termination message.
 */
import type { V1EnvVar, V1PodTemplateSpec } from '@kubernetes/client-node';
import type { Job } from '../api/job/types.js';

/** The container that runs the template's work (the Workload's `spec.mainContainer`). */
export const JOB_CONTAINER = 'job';
/** Where the workspace (an emptyDir) is mounted. */
export const WORKSPACE = '/workspace';
/** Where the pod writes its JSON summary (terminationMessagePolicy File). */
export const TERMINATION_LOG = '/dev/termination-log';
/** The image of the templates built on Debian + Node 24 + git + python3 (hack/images/build.sh `runner`). */
export const RUNNER_IMAGE = 'localhost/weft-runner:dev';
/** Labels on a Job's pods besides those of the Workload controller. */
export const JOB_LABEL = 'weft.dev/job';
/** UID and GID of the `runner` user of the runner image. */
const RUNNER_UID = 1000;

/**
 * The hook for steps after the main command (artifact upload: `weft artifacts upload`): when
 * `WEFT_POST_STEP` is set in the pod, it runs after the main command, whatever its outcome, and a
 * failure of it is reported in the summary (stage `post`) without changing the job's exit code.
 */
export const POST_STEP_ENV = 'WEFT_POST_STEP';
/** When set (to a file under /tmp), the main step's output (stdout and stderr) is also written there, for the log archive. */
export const LOG_ARCHIVE_ENV = 'WEFT_LOG_ARCHIVE';

export interface JobPodOptions {
  job: Job;
  image: string;
  /** The bash script of the work (runs in the workspace with `set -u`); its exit code is the job's. */
  script: string;
  env: V1EnvVar[];
  /** Where an image that is not preloaded may be pulled from (default: Never, as the local images are). */
  imagePullPolicy?: 'Never' | 'IfNotPresent' | 'Always';
}

/** Labels a Job's pod template carries: the Job's own labels and `weft.dev/job`. */
function podLabels(job: Job): Record<string, string> {
  return { ...(job.metadata.labels ?? {}), [JOB_LABEL]: job.metadata.name!.slice(0, 63) };
}

/**
 * The whole pod of a Job's Workload: the template's container named `job` running `script` under
 * bash, with the hardening above and the post-step hook.
 */
export function jobPodTemplate(o: JobPodOptions): V1PodTemplateSpec {
  const wrapped = [
    'set -u',
    `mkdir -p "$HOME" && cd ${WORKSPACE}`,
    `main() { ( ${o.script.trim()}\n) ; }`,
    // With the log archive on, the output also goes to a file (a pipe: tee is done before the post step).
    `if [ -n "\${${LOG_ARCHIVE_ENV}:-}" ]; then { main 2>&1; echo $? > /tmp/.weft-code; } | tee "$${LOG_ARCHIVE_ENV}"; code=$(cat /tmp/.weft-code 2>/dev/null || echo 1); else main; code=$?; fi`,
    `if [ -n "\${${POST_STEP_ENV}:-}" ]; then bash -c "$${POST_STEP_ENV}" || echo "weft: post step failed (exit $?)" >&2; fi`,
    'exit $code',
  ].join('\n');
  return {
    metadata: { labels: podLabels(o.job) },
    spec: {
      automountServiceAccountToken: false,
      enableServiceLinks: false,
      restartPolicy: 'Never',
      terminationGracePeriodSeconds: 5,
      securityContext: { runAsNonRoot: true, runAsUser: RUNNER_UID, runAsGroup: RUNNER_UID, fsGroup: RUNNER_UID, seccompProfile: { type: 'RuntimeDefault' } },
      containers: [
        {
          name: JOB_CONTAINER,
          image: o.image,
          imagePullPolicy: o.imagePullPolicy ?? 'Never',
          command: ['bash', '-c', wrapped],
          workingDir: WORKSPACE,
          env: [{ name: 'HOME', value: `${WORKSPACE}/.home` }, { name: 'TMPDIR', value: '/tmp' }, ...o.env],
          terminationMessagePath: TERMINATION_LOG,
          terminationMessagePolicy: 'File',
          securityContext: { allowPrivilegeEscalation: false, privileged: false, readOnlyRootFilesystem: true, runAsNonRoot: true, capabilities: { drop: ['ALL'] } },
          volumeMounts: [
            { name: 'workspace', mountPath: WORKSPACE },
            { name: 'tmp', mountPath: '/tmp' },
          ],
        },
      ],
      volumes: [
        { name: 'workspace', emptyDir: {} },
        { name: 'tmp', emptyDir: {} },
      ],
    },
  };
}
