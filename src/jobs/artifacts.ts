/**
 * Publishing a Job's artifacts (`spec.artifacts.paths`) through the operator (docs/artifacts.md):
 * the pod gets its own ServiceAccount's projected token (audience `weft`, 10 minutes) and, as its
 * post step (`WEFT_POST_STEP`, after the template's work whatever its outcome), a bash loop that
 * PUTs each matching file to `/api/v1/artifacts/<ns>/job/<name>/<attempt>/<path>` with its sha256.
 * The pod never sees the store's credentials. When the attempt ends the controller lists what
 * arrived in the store (the pod is not trusted to say) into `status.artifacts`.
 */
import type { V1Container, V1PodTemplateSpec } from '@kubernetes/client-node';
import type { Job } from '../api/job/types.js';
import { jobServiceAccountName } from '../agents/gateway/identity.js';
import { JOB_CONTAINER, LOG_ARCHIVE_ENV, POST_STEP_ENV, TERMINATION_LOG, WORKSPACE } from './pod.js';

/** Where the pod keeps its log for the archive, and the artifact name it is published under. */
export const LOG_FILE = '/tmp/weft-job.log';
export const LOG_ARTIFACT = 'weft-logs/job.log';

/** Where the pod's projected token is mounted. */
export const ARTIFACT_TOKEN_DIR = '/var/run/secrets/weft';
const TOKEN_VOLUME = 'weft-token';

/** Characters a published path may have (others are skipped and counted). */
const SAFE_PATH = String.raw`^[A-Za-z0-9._+@=,-][A-Za-z0-9._+@=,/-]*$`;
/** Globs are put in the script unquoted, so only these characters are accepted in them. */
export const SAFE_GLOB = /^[A-Za-z0-9._+@=,*?/-]+$/;

/**
 * The post step: for each glob (globstar, dotfiles, no symlinks, no absolute or `..` paths), upload
 * through the operator; counts go to stderr, and a failure is added to the summary JSON in the
 * termination message as `artifactsError` (the job's own exit code is left alone).
 */
export function uploadScript(o: { operatorUrl: string; dest: string; paths: string[]; workspace?: string; tokenDir?: string; terminationLog?: string; log?: string }): string {
  const ws = o.workspace ?? WORKSPACE;
  const tokenDir = o.tokenDir ?? ARTIFACT_TOKEN_DIR;
  const termLog = o.terminationLog ?? TERMINATION_LOG;
  const globs = o.paths.filter((p) => SAFE_GLOB.test(p) && !p.startsWith('/') && !p.split('/').includes('..'));
  const url = `${o.operatorUrl.replace(/\/$/, '')}/api/v1/artifacts/${o.dest}`;
  return String.raw`shopt -s globstar nullglob dotglob
cd ${ws}
url='${url.replace(/'/g, '')}'
ok=0; bad=0; skipped=0; err=""
put() {
  sha=$(sha256sum "$1" | cut -d" " -f1)
  code=$(curl -sS --max-time 600 -X PUT -H "authorization: Bearer $(cat ${tokenDir}/token)" -H "x-weft-sha256: $sha" -H "content-type: application/octet-stream" --data-binary @"$1" -w "%{http_code}" -o /tmp/weft-upload.out "$url/$2" 2>/tmp/weft-upload.err)
  if [ "$code" = "201" ] || [ "$code" = "200" ]; then ok=$((ok+1)); else
    bad=$((bad+1))
    [ -n "$err" ] || err="$2: HTTP $code $(cat /tmp/weft-upload.out /tmp/weft-upload.err 2>/dev/null | head -c 300 | tr -d '"\\\n\r')"
  fi
}
for f in ${globs.join(' ') || '.weft-nothing'}; do
  [ -f "$f" ] && [ ! -L "$f" ] || continue
  case "$f" in /*|*..*) skipped=$((skipped+1)); continue ;; esac
  if ! [[ "$f" =~ ${SAFE_PATH} ]]; then skipped=$((skipped+1)); continue; fi
  put "$f" "$f"
done
${o.log ? `[ -f ${o.log} ] && put ${o.log} ${LOG_ARTIFACT}` : ''}
echo "weft: artifacts uploaded $ok, failed $bad, skipped $skipped" >&2
if [ "$bad" -gt 0 ] && [ -s ${termLog} ]; then
  msg=$(cat ${termLog})
  if [ "${"$"}{msg: -1}" = "}" ]; then printf '%s,"artifactsError":"%s"}' "${"$"}{msg%\}}" "$bad upload(s) failed: ${"$"}{err:0:400}" > ${termLog}; fi
fi
[ "$bad" -eq 0 ]`;
}

/**
 * The pod template with the upload: its ServiceAccount, the projected token, the post step, and the
 * log archive (the main step's output, published as `weft-logs/job.log`). The template is returned
 * unchanged when the Job has no `spec.artifacts`.
 */
export function withArtifactUpload(pod: V1PodTemplateSpec, job: Job, attempt: number, operatorUrl: string): V1PodTemplateSpec {
  const paths = job.spec.artifacts?.paths ?? [];
  if (!job.spec.artifacts || !pod.spec) return pod;
  const dest = `${job.metadata.namespace}/job/${job.metadata.name}/${attempt}`;
  const containers = pod.spec.containers.map((c): V1Container => {
    if (c.name !== JOB_CONTAINER) return c;
    return {
      ...c,
      env: [...(c.env ?? []).filter((e) => e.name !== POST_STEP_ENV && e.name !== LOG_ARCHIVE_ENV), { name: LOG_ARCHIVE_ENV, value: LOG_FILE }, { name: POST_STEP_ENV, value: uploadScript({ operatorUrl, dest, paths, log: LOG_FILE }) }],
      volumeMounts: [...(c.volumeMounts ?? []), { name: TOKEN_VOLUME, mountPath: ARTIFACT_TOKEN_DIR, readOnly: true }],
    };
  });
  return {
    ...pod,
    spec: {
      ...pod.spec,
      serviceAccountName: jobServiceAccountName(job.metadata.name!),
      automountServiceAccountToken: false,
      containers,
      volumes: [...(pod.spec.volumes ?? []), { name: TOKEN_VOLUME, projected: { sources: [{ serviceAccountToken: { audience: 'weft', expirationSeconds: 600, path: 'token' } }] } }],
    },
  };
}
