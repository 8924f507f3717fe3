/**
 * The `ml-batch` template: clone a repository at a ref and run a Python script with scikit-learn
 * (Debian's python3-sklearn, whose bundled datasets — iris, digits, wine, breast cancer, diabetes —
 * need no download). The script writes metrics.json; its top-level numbers become
 * `status.result.metrics` and the summary.
 */
import type { V1EnvVar } from '@kubernetes/client-node';
import { jobPodTemplate, TERMINATION_LOG, WORKSPACE } from '../../pod.js';
import type { JobTemplate, ParamsSchema } from '../../types.js';

/** The ml-batch image (hack/images/build.sh `mlbatch`: git, python3, scikit-learn). */
export const MLBATCH_IMAGE = 'localhost/weft-mlbatch:dev';

const RELATIVE = '^(?!/)(?!.*\\.\\.)[^\\s]+$';

const params: ParamsSchema = {
  type: 'object',
  required: ['repo'],
  additionalProperties: false,
  properties: {
    repo: { type: 'string', description: 'Clone URL of the repository (http://, https://, git:// or file://); no credentials in it.', pattern: '^(https?|git|file)://[^@\\s]+$', maxLength: 2048 },
    ref: { type: 'string', description: 'Branch, tag or commit to run.', default: 'main', pattern: '^[A-Za-z0-9][A-Za-z0-9._/-]*$', maxLength: 255 },
    script: { type: 'string', description: 'The Python script to run, relative to the checkout.', default: 'train.py', pattern: RELATIVE, maxLength: 1024 },
    args: { type: 'string', description: 'Arguments to the script, split on spaces (no shell).', default: '', maxLength: 4096 },
    metrics: { type: 'string', description: `The metrics file the script writes (a JSON object), relative to the checkout; \`$WEFT_OUTPUT\` (${WORKSPACE}/out) is there for other outputs.`, default: 'metrics.json', pattern: RELATIVE, maxLength: 1024 },
    image: { type: 'string', description: 'Image with git, python3 and scikit-learn.', default: MLBATCH_IMAGE, minLength: 1, maxLength: 512 },
  },
};

/** The summary in Python (the image has no Node): the top-level numbers of `$WEFT_METRICS`, at most 32 (also the notebook template's). */
export const METRICS_SUMMARY_PY = `
import json, os, sys
out = {"stage": sys.argv[1], "exitCode": int(sys.argv[2])}
if os.environ.get("WEFT_COMMIT"): out["commit"] = os.environ["WEFT_COMMIT"]
metrics = {}
try:
    with open(os.environ["WEFT_METRICS"]) as f: raw = json.load(f)
    metrics = {k: v for k, v in raw.items() if isinstance(v, (int, float)) and not isinstance(v, bool)} if isinstance(raw, dict) else {}
except Exception as e:
    out["summary"] = "no metrics: %s" % type(e).__name__
metrics = dict(list(metrics.items())[:32])
if metrics: out["metrics"] = metrics
out.setdefault("summary", ", ".join("%s=%.4g" % kv for kv in metrics.items())[:1000] or "no numeric metrics")
if out["exitCode"] != 0: out["summary"] = "%s failed with exit code %d; %s" % (sys.argv[1], out["exitCode"], out["summary"])
open("${TERMINATION_LOG}", "w").write(json.dumps(out))
`;

const SCRIPT = `
summarize() { python3 -c "$WEFT_SUMMARIZE" "$1" "$2" || echo "weft: could not write the summary" >&2; }
checkout() { git -c advice.detachedHead=false checkout --quiet --detach "$1" 2>/dev/null; }
if ! { git clone --quiet "$WEFT_REPO" src && cd src && { checkout "$WEFT_REF" || checkout "origin/$WEFT_REF"; }; }; then
  echo "weft: cannot clone $WEFT_REPO at $WEFT_REF" >&2; summarize clone 2; exit 2
fi
export WEFT_COMMIT=$(git rev-parse HEAD) WEFT_OUTPUT=${WORKSPACE}/out
mkdir -p "$WEFT_OUTPUT"
# Word splitting of the arguments is wanted here; globbing is not.
set -f
python3 "$WEFT_SCRIPT" $WEFT_ARGS
code=$?
set +f
summarize run $code
exit $code
`;

/** The `ml-batch` template. */
export const mlBatch: JobTemplate = {
  name: 'ml-batch',
  summary: 'Clones a repository at a ref and runs a Python script with scikit-learn on its bundled datasets; metrics.json becomes status.result.metrics.',
  docs: [
    "The pod clones `repo` at `ref` and runs `python3 <script> <args>` in the checkout, with `WEFT_OUTPUT` pointing at `/workspace/out` for models and reports (picked up by the artifact upload step). scikit-learn's bundled datasets (`sklearn.datasets.load_iris`, `load_digits`, `load_wine`, `load_breast_cancer`, `load_diabetes`) load without a network; the `fetch_*` loaders download and fail in a pod without a route. The script writes `metrics` (a JSON object): its top-level numbers, at most 32, become `status.result.metrics` and the summary (`accuracy=0.9737`). The script's exit code is the job's.",
    'GPU work asks for GPUs in `spec.resources` (`gpu`, `gpuModel`), placed like any Workload.',
    'Image: `localhost/weft-mlbatch:dev` (`hack/images/build.sh mlbatch`: Debian bookworm minbase, git, python3, python3-sklearn 1.2 with numpy and scipy; about 284 MB as an OCI archive, built cold in about 2 minutes).',
  ].join('\n\n'),
  params,
  example: { repo: 'http://127.0.0.1:3000/weft/ml.git', ref: 'main', script: 'train.py', args: '--trees 50', metrics: 'metrics.json' },
  buildPod({ job, params: p }) {
    const env: V1EnvVar[] = [
      { name: 'WEFT_REPO', value: p.repo! },
      { name: 'WEFT_REF', value: p.ref! },
      { name: 'WEFT_SCRIPT', value: p.script! },
      { name: 'WEFT_ARGS', value: p.args ?? '' },
      { name: 'WEFT_METRICS', value: p.metrics! },
      { name: 'WEFT_SUMMARIZE', value: METRICS_SUMMARY_PY },
      { name: 'GIT_TERMINAL_PROMPT', value: '0' },
      // No compiled-bytecode writes on the read-only root; numpy's thread pools sized by the CPU request.
      { name: 'PYTHONDONTWRITEBYTECODE', value: '1' },
      { name: 'OMP_NUM_THREADS', value: '1' },
    ];
    return jobPodTemplate({ job, image: p.image ?? MLBATCH_IMAGE, script: SCRIPT, env });
  },
};
