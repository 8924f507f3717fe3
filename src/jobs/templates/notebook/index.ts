/**
 * The `notebook` template: clone a repository at a ref, inject parameters after the cell tagged
 * `parameters` (as papermill does), execute the notebook with nbconvert, render it to HTML, and read
 * metrics.json as ml-batch does. Everything runs offline on scikit-learn's bundled datasets.
 */
import type { V1EnvVar } from '@kubernetes/client-node';
import { jobPodTemplate, WORKSPACE } from '../../pod.js';
import type { JobTemplate, ParamsSchema } from '../../types.js';
import { METRICS_SUMMARY_PY } from '../ml-batch/index.js';

/** The notebook image (hack/images/build.sh `notebook`: git, scikit-learn, nbconvert, ipykernel). */
export const NOTEBOOK_IMAGE = 'localhost/weft-notebook:dev';

const RELATIVE = '^(?!/)(?!.*\\.\\.)[^\\s]+$';

const params: ParamsSchema = {
  type: 'object',
  required: ['repo', 'notebook'],
  additionalProperties: false,
  properties: {
    repo: { type: 'string', description: 'Clone URL of the repository (http://, https://, git:// or file://); no credentials in it.', pattern: '^(https?|git|file)://[^@\\s]+$', maxLength: 2048 },
    ref: { type: 'string', description: 'Branch, tag or commit to run.', default: 'main', pattern: '^[A-Za-z0-9][A-Za-z0-9._/-]*$', maxLength: 255 },
    notebook: { type: 'string', description: 'The notebook (.ipynb) to execute, relative to the checkout.', pattern: `${RELATIVE.slice(0, -1)}\\.ipynb$`, maxLength: 1024 },
    parameters: { type: 'string', description: 'A JSON object of parameters, assigned in a cell inserted after the cell tagged "parameters" (as papermill does), e.g. {"n_estimators": 50}.', default: '{}', pattern: '^\\s*\\{[\\s\\S]*\\}\\s*$', maxLength: 4096 },
    metrics: { type: 'string', description: 'The metrics file the notebook writes (a JSON object), relative to the checkout.', default: 'metrics.json', pattern: RELATIVE, maxLength: 1024 },
    timeout: { type: 'string', description: 'Seconds one cell may run.', default: '600', pattern: '^[1-9][0-9]{0,4}$' },
    image: { type: 'string', description: 'Image with git, scikit-learn, nbconvert and ipykernel.', default: NOTEBOOK_IMAGE, minLength: 1, maxLength: 512 },
  },
};

// papermill's parameter injection, in a few lines of nbformat: a cell after the one tagged "parameters".
const INJECT = `
import json, os, nbformat
nb = nbformat.read(os.environ["WEFT_NOTEBOOK"], as_version=4)
params = json.loads(os.environ["WEFT_PARAMETERS"])
if not isinstance(params, dict): raise SystemExit("weft: parameters must be a JSON object")
src = "# Parameters (injected by weft)\\n" + "".join("%s = %r\\n" % (k, v) for k, v in params.items())
cell = nbformat.v4.new_code_cell(src, metadata={"tags": ["injected-parameters"]})
at = next((i + 1 for i, c in enumerate(nb.cells) if "parameters" in c.get("metadata", {}).get("tags", [])), 0)
nb.cells.insert(at, cell)
nbformat.write(nb, "/tmp/weft-input.ipynb")
`;


const SCRIPT = `
summarize() { python3 -c "$WEFT_SUMMARIZE" "$1" "$2" || echo "weft: could not write the summary" >&2; }
checkout() { git -c advice.detachedHead=false checkout --quiet --detach "$1" 2>/dev/null; }
if ! { git clone --quiet "$WEFT_REPO" src && cd src && { checkout "$WEFT_REF" || checkout "origin/$WEFT_REF"; }; }; then
  echo "weft: cannot clone $WEFT_REPO at $WEFT_REF" >&2; summarize clone 2; exit 2
fi
export WEFT_COMMIT=$(git rev-parse HEAD) WEFT_OUTPUT=${WORKSPACE}/out JUPYTER_RUNTIME_DIR=/tmp/jupyter
mkdir -p "$WEFT_OUTPUT"
python3 -c "$WEFT_INJECT" || { c=$?; summarize parameters $c; exit $c; }
# The notebook runs in its own directory (relative paths in it work), from the injected copy.
cp /tmp/weft-input.ipynb "$(dirname "$WEFT_NOTEBOOK")/.weft-input.ipynb"
base=$(basename "$WEFT_NOTEBOOK" .ipynb)
jupyter nbconvert --to notebook --execute --ExecutePreprocessor.timeout="$WEFT_TIMEOUT" --output-dir "$WEFT_OUTPUT" --output "$base.executed" "$(dirname "$WEFT_NOTEBOOK")/.weft-input.ipynb"
code=$?
[ -f "$WEFT_OUTPUT/$base.executed.ipynb" ] && jupyter nbconvert --to html --output-dir "$WEFT_OUTPUT" "$WEFT_OUTPUT/$base.executed.ipynb" >/dev/null 2>&1
export WEFT_METRICS="$(dirname "$WEFT_NOTEBOOK")/$WEFT_METRICS_FILE"
summarize run $code
exit $code
`;

/** The `notebook` template. */
export const notebook: JobTemplate = {
  name: 'notebook',
  summary: 'Clones a repository at a ref and executes a Jupyter notebook with injected parameters (as papermill does); the executed notebook, its HTML render and metrics.json come out.',
  docs: [
    'The pod clones `repo` at `ref`, inserts a cell assigning `parameters` (a JSON object) after the cell tagged `parameters` — papermill\'s convention; at the top when no cell is tagged — and executes the notebook with `jupyter nbconvert --execute` in the notebook\'s directory. The executed notebook and its HTML render go to `/workspace/out` (`<name>.executed.ipynb`, `<name>.executed.html`) for the artifact upload step. The top-level numbers of `metrics` (a JSON object the notebook writes, relative to the notebook\'s directory) become `status.result.metrics` and the summary, as in `ml-batch`. A cell that raises fails the job (`TemplateFailed`).',
    'Image: `localhost/weft-notebook:dev` (`hack/images/build.sh notebook`: Debian bookworm minbase, git, python3-sklearn 1.2, jupyter-nbconvert 6.5, python3-ipykernel 6.17; about 330 MB as an OCI archive, built cold in 2–7 minutes).',
  ].join('\n\n'),
  params,
  example: { repo: 'http://127.0.0.1:3000/weft/ml.git', ref: 'main', notebook: 'train.ipynb', parameters: '{"n_estimators": 50}' },
  buildPod({ job, params: p }) {
    const env: V1EnvVar[] = [
      { name: 'WEFT_REPO', value: p.repo! },
      { name: 'WEFT_REF', value: p.ref! },
      { name: 'WEFT_NOTEBOOK', value: p.notebook! },
      { name: 'WEFT_PARAMETERS', value: p.parameters ?? '{}' },
      { name: 'WEFT_METRICS_FILE', value: p.metrics! },
      { name: 'WEFT_TIMEOUT', value: p.timeout! },
      { name: 'WEFT_INJECT', value: INJECT },
      { name: 'WEFT_SUMMARIZE', value: METRICS_SUMMARY_PY },
      { name: 'GIT_TERMINAL_PROMPT', value: '0' },
      { name: 'PYTHONDONTWRITEBYTECODE', value: '1' },
      { name: 'OMP_NUM_THREADS', value: '1' },
    ];
    return jobPodTemplate({ job, image: p.image ?? NOTEBOOK_IMAGE, script: SCRIPT, env });
  },
};
