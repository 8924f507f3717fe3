/**
 * The `ci-runner` template: clone a repository at a ref, run the setup and test commands, count the
 * tests (JUnit XML, TAP or the closing line: report.ts, run in the pod) into the summary; the
 * operator then sets the commit status on the forge (the pod never sees a forge token).
 */
import { readFileSync } from 'node:fs';
import * as nodeModule from 'node:module';
import type { V1EnvVar } from '@kubernetes/client-node';
import { jobPodTemplate, RUNNER_IMAGE, TERMINATION_LOG } from '../../pod.js';
import type { JobTemplate, ParamsSchema } from '../../types.js';

const params: ParamsSchema = {
  type: 'object',
  required: ['repo'],
  additionalProperties: false,
  properties: {
    repo: { type: 'string', description: 'Clone URL of the repository (http://, https://, git:// or file://); no credentials in it.', pattern: '^(https?|git|file)://[^@\\s]+$', maxLength: 2048 },
    ref: { type: 'string', description: 'Branch, tag or commit to test.', default: 'main', pattern: '^[A-Za-z0-9][A-Za-z0-9._/-]*$', maxLength: 255 },
    setup: { type: 'string', description: 'Shell command run first in the checkout, e.g. "npm ci" (empty: none).', default: '', maxLength: 4096 },
    test: { type: 'string', description: 'Shell command that runs the tests; its exit code is the job\'s.', default: 'node --test', minLength: 1, maxLength: 4096 },
    report: { type: 'string', description: 'Test report (JUnit XML or TAP) relative to the checkout, e.g. junit.xml (empty: count from the output\'s closing lines).', default: '', pattern: '^(?!/)(?!.*\\.\\.)[^\\s]+$', maxLength: 1024 },
    format: { type: 'string', description: 'How to read the counts: auto (sniff the report, else the closing line), junit, tap or text (closing line only).', default: 'auto', enum: ['auto', 'junit', 'tap', 'text'] },
    statusSecret: { type: 'string', description: 'Secret in the job\'s namespace with the forge token (key "token"): the operator sets the commit status with it (empty: no commit status).', default: '', pattern: '^[a-z0-9]([-a-z0-9.]*[a-z0-9])?$', maxLength: 253 },
    statusContext: { type: 'string', description: 'Context of the commit status.', default: 'weft/ci-runner', minLength: 1, maxLength: 255 },
    statusUrl: { type: 'string', description: 'Link of the commit status, e.g. the job\'s page in the dashboard or its logs (empty: none).', default: '', pattern: '^https?://[^\\s]+$', maxLength: 2048 },
    image: { type: 'string', description: 'Image with git, bash and the test toolchain.', default: RUNNER_IMAGE, minLength: 1, maxLength: 512 },
  },
};

/** Where the pod writes report.ts (types stripped) and its small main. */
const REPORT_MODULE = '/tmp/weft-report.mjs';

/** report.ts as JavaScript: the compiled file next to this one, else the TypeScript source with its types stripped. */
function reportSource(): string {
  const here = new URL('./report.js', import.meta.url);
  try {
    return readFileSync(here, 'utf8');
  } catch {
    // Only where the sources run untranspiled (tests): Node >= 22.13 strips the types.
    const strip = (nodeModule as { stripTypeScriptTypes?: (code: string) => string }).stripTypeScriptTypes;
    if (!strip) throw new Error('ci-runner: report.js is missing and this Node cannot strip report.ts: run `npm run build` or use Node 24');
    return strip(readFileSync(new URL('./report.ts', import.meta.url), 'utf8'));
  }
}

let cachedSource: string | undefined;

/** The pod's summarizer: counts from the report and the output, into the termination message (at most 4 KiB). */
const SUMMARIZE = `
import { readFileSync, writeFileSync } from 'node:fs';
const { summarizeTests, describeCounts } = await import(${JSON.stringify(REPORT_MODULE)});
const read = (p) => { try { return readFileSync(p, 'utf8'); } catch { return undefined; } };
const env = process.env;
const stage = (read('/tmp/weft-stage') ?? '').trim() || 'clone';
const exitCode = Number(env.WEFT_EXIT);
const out = { stage, exitCode };
if (env.WEFT_COMMIT) out.commit = env.WEFT_COMMIT;
if (stage === 'done') {
  const tests = summarizeTests({ report: env.WEFT_REPORT ? read(env.WEFT_REPORT) : undefined, output: read('/tmp/weft-test.log') ?? '', format: env.WEFT_FORMAT });
  if (tests) out.tests = tests;
  out.summary = describeCounts(tests) + (exitCode === 0 ? '' : '; exit code ' + exitCode);
} else out.summary = stage + ' failed with exit code ' + exitCode;
writeFileSync(${JSON.stringify(TERMINATION_LOG)}, JSON.stringify(out));
`;

const SCRIPT = `
printf '%s' "$WEFT_REPORT_SOURCE" > ${REPORT_MODULE}
summarize() { WEFT_EXIT=$1 node --input-type=module -e "$WEFT_SUMMARIZE" || echo "weft: could not write the summary" >&2; }
echo clone > /tmp/weft-stage
checkout() { git -c advice.detachedHead=false checkout --quiet --detach "$1" 2>/dev/null; }
if ! { git clone --quiet "$WEFT_REPO" src && cd src && { checkout "$WEFT_REF" || checkout "origin/$WEFT_REF"; }; }; then
  echo "weft: cannot clone $WEFT_REPO at $WEFT_REF" >&2; summarize 2; exit 2
fi
export WEFT_COMMIT=$(git rev-parse HEAD)
echo "weft: testing $WEFT_REPO at $WEFT_REF ($WEFT_COMMIT)"
if [ -n "$WEFT_SETUP" ]; then
  echo setup > /tmp/weft-stage
  bash -c "$WEFT_SETUP" || { c=$?; summarize $c; exit $c; }
fi
echo test > /tmp/weft-stage
bash -c "$WEFT_TEST" 2>&1 | tee /tmp/weft-test.log
c=\${PIPESTATUS[0]}
echo done > /tmp/weft-stage
summarize $c
exit $c
`;

/** The `ci-runner` template. */
export const ciRunner: JobTemplate = {
  name: 'ci-runner',
  summary: 'Clones a repository at a ref, runs its setup and test commands, counts the tests and sets the commit status on the forge.',
  docs: [
    'The pod clones `repo` at `ref` into the workspace (an emptyDir), runs `setup` and then `test` in the checkout with bash, and counts the tests: from `report` (JUnit XML or TAP) when given, else from the closing lines of the output (node --test, jest, vitest, pytest, mocha). The counts, the stage it reached and the commit go into the termination message; the operator copies them into `status.result`, and the test command\'s exit code into `status.exitCode`.',
    'With `statusSecret`, the **operator** (never the pod) reads the forge token from that Secret and sets a commit status: `pending` when the job starts (on the commit `ref` names then), then `success` or `failure`, described by the counts, on the tested commit (and on the pending one too, saying so, if the branch moved in between) of the repository at the origin of `repo` (Gitea: `http://host/owner/name.git`). The outcome is in `status.commitStatus`.',
    'Image: `localhost/weft-runner:dev` (`hack/images/build.sh runner`: Debian bookworm minbase, Node 24, git, python3; about 118 MB as an OCI archive). It has no npm: use `node --test`, or an image of your own with your toolchain (`image`).',
    'A failing suite is a template failure (`TemplateFailed`), which `backoffLimit` retries like any failure: set `backoffLimit: 0` for a suite that is not flaky.',
  ].join('\n\n'),
  params,
  example: { repo: 'http://127.0.0.1:3000/weft/toy.git', ref: 'main', test: 'node --test --test-reporter=spec --test-reporter-destination=stdout --test-reporter=junit --test-reporter-destination=junit.xml', report: 'junit.xml', statusSecret: 'gitea-token' },
  buildPod({ job, params: p }) {
    cachedSource ??= reportSource();
    const env: V1EnvVar[] = [
      { name: 'WEFT_REPO', value: p.repo! },
      { name: 'WEFT_REF', value: p.ref! },
      { name: 'WEFT_SETUP', value: p.setup ?? '' },
      { name: 'WEFT_TEST', value: p.test! },
      { name: 'WEFT_REPORT', value: p.report ?? '' },
      { name: 'WEFT_FORMAT', value: p.format ?? 'auto' },
      { name: 'WEFT_REPORT_SOURCE', value: cachedSource },
      { name: 'WEFT_SUMMARIZE', value: SUMMARIZE },
      { name: 'GIT_TERMINAL_PROMPT', value: '0' },
    ];
    return jobPodTemplate({ job, image: p.image ?? RUNNER_IMAGE, script: SCRIPT, env });
  },
  commitStatus(p) {
    if (!p.statusSecret) return undefined;
    return { repoUrl: p.repo!, secretName: p.statusSecret, context: p.statusContext ?? 'weft/ci-runner', ...(p.statusUrl ? { targetUrl: p.statusUrl } : {}) };
  },
};
