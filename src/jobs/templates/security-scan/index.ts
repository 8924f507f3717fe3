/**
 * The `security-scan` template: clone a repository at a ref and scan it offline — secrets with
 * git-secrets (AWS patterns plus GitHub and Gitea token shapes), Python SAST with bandit, vulnerable
 * dependencies with osv-scanner against a vendored OSV database — into one SARIF file and a
 * findings summary; the job fails when a finding reaches `failOn`.
 */
import type { V1EnvVar } from '@kubernetes/client-node';
import { jobPodTemplate, TERMINATION_LOG, WORKSPACE } from '../../pod.js';
import type { JobTemplate, ParamsSchema } from '../../types.js';
import { SCAN_PY } from './scan.py.js';

/** The scan image (hack/images/build.sh `scan`: git, git-secrets, python3-bandit, osv-scanner and its OSV DB). */
export const SCAN_IMAGE = 'localhost/weft-scan:dev';
/** Where the scan image keeps the vendored OSV database (osv-scanner's offline layout, hack/images/osv-db). */
const OSV_DB = '/opt/osv-db';

const params: ParamsSchema = {
  type: 'object',
  required: ['repo'],
  additionalProperties: false,
  properties: {
    repo: { type: 'string', description: 'Clone URL of the repository (http://, https://, git:// or file://); no credentials in it.', pattern: '^(https?|git|file)://[^@\\s]+$', maxLength: 2048 },
    ref: { type: 'string', description: 'Branch, tag or commit to scan.', default: 'main', pattern: '^[A-Za-z0-9][A-Za-z0-9._/-]*$', maxLength: 255 },
    failOn: { type: 'string', description: 'Fail the job when a finding has this severity or a higher one (none: never).', default: 'high', enum: ['none', 'low', 'medium', 'high'] },
    output: { type: 'string', description: `Directory under ${WORKSPACE} that receives scan.sarif (for the artifact upload step).`, default: 'reports', pattern: '^[A-Za-z0-9][A-Za-z0-9._-]*$', maxLength: 255 },
    image: { type: 'string', description: 'Image with git, git-secrets, bandit and osv-scanner (with its database at /opt/osv-db).', default: SCAN_IMAGE, minLength: 1, maxLength: 512 },
  },
};

// Token shapes besides git-secrets' AWS patterns: GitHub (ghp_, gho_, ghs_, …) and Gitea (40 hex after "token").
const SECRET_PATTERNS = ["gh[pousr]_[A-Za-z0-9]{36}", "(token|TOKEN)[\"' :=]+[0-9a-f]{40}"];

const SCRIPT = `
checkout() { git -c advice.detachedHead=false checkout --quiet --detach "$1" 2>/dev/null; }
if ! { git clone --quiet "$WEFT_REPO" src && cd src && { checkout "$WEFT_REF" || checkout "origin/$WEFT_REF"; }; }; then
  echo "weft: cannot clone $WEFT_REPO at $WEFT_REF" >&2
  printf '{"stage":"clone","exitCode":2,"summary":"clone failed with exit code 2"}' > ${TERMINATION_LOG}; exit 2
fi
export WEFT_COMMIT=$(git rev-parse HEAD) WEFT_OUTPUT=${WORKSPACE}/$WEFT_OUTPUT_DIR
git secrets --register-aws >/dev/null
${SECRET_PATTERNS.map((p) => `git secrets --add '${p.replace(/'/g, "'\\''")}'`).join('\n')}
git secrets --scan >/tmp/weft-secrets.txt 2>&1
python3 -m bandit -q -r . -f json -o /tmp/weft-bandit.json >/dev/null 2>&1
osv-scanner scan source --offline --local-db-path ${OSV_DB} --format json --output /tmp/weft-osv.json -r . >/tmp/weft-osv.log 2>&1
echo $? >/tmp/weft-osv.code
python3 -c "$WEFT_SCAN"
`;

/** The `security-scan` template. */
export const securityScan: JobTemplate = {
  name: 'security-scan',
  summary: 'Clones a repository at a ref and scans it offline for secrets (git-secrets), Python security issues (bandit) and vulnerable dependencies (osv-scanner, vendored OSV database); SARIF output, findings in status, failOn threshold.',
  docs: [
    "The pod clones `repo` at `ref`, then runs git-secrets (its AWS patterns, plus GitHub `gh?_` tokens and 40-hex tokens after the word token) over the tracked files, bandit over its Python files, and osv-scanner (`--offline`) over its lockfiles and manifests (requirements.txt, package-lock.json, go.sum, Cargo.lock, …) against the image's vendored OSV database, with no network. Every finding goes into `/workspace/<output>/scan.sarif` (SARIF 2.1.0, one run per tool; picked up by the artifact upload step) and the pod's log; the counts go into `status.result.metrics` (`findings`, `high`, `medium`, `low`) and the summary. Secrets are `high`; bandit's severities are its own; an advisory's severity is its GitHub severity (CRITICAL and HIGH: `high`, MODERATE: `medium`, LOW: `low`), else its CVSS score, else `medium`. An osv-scanner error (not \"vulnerabilities found\") is added to the summary. The job fails (`TemplateFailed`, exit code 1) when a finding is at or above `failOn`.",
    'The vendored OSV database (`hack/images/osv-db`, with how to add advisories) holds a few real advisories (Jinja2 < 2.10.1, lodash < 4.17.21); osv-scanner v2.5.0 is built from its Go module by `hack/build-tools.sh osv-scanner`.',
    'Image: `localhost/weft-scan:dev` (`hack/images/build.sh scan`: Debian bookworm minbase, git, git-secrets 1.3, python3-bandit 1.6, osv-scanner v2.5.0 and the vendored OSV database in `/opt/osv-db`; about 100 MB as an OCI archive, built cold in about a minute plus the osv-scanner build, about 70 s).',
  ].join('\n\n'),
  params,
  example: { repo: 'http://127.0.0.1:3000/weft/demo.git', ref: 'main', failOn: 'high' },
  buildPod({ job, params: p }) {
    const env: V1EnvVar[] = [
      { name: 'WEFT_REPO', value: p.repo! },
      { name: 'WEFT_REF', value: p.ref! },
      { name: 'WEFT_FAIL_ON', value: p.failOn! },
      { name: 'WEFT_OUTPUT_DIR', value: p.output! },
      { name: 'WEFT_SCAN', value: SCAN_PY },
      { name: 'GIT_TERMINAL_PROMPT', value: '0' },
      { name: 'PYTHONDONTWRITEBYTECODE', value: '1' },
    ];
    return jobPodTemplate({ job, image: p.image ?? SCAN_IMAGE, script: SCRIPT, env });
  },
};
