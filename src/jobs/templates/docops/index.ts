/**
 * The `docops` template: clone a repository at a ref and build documents from Markdown with pandoc
 * (standalone HTML, DOCX or EPUB) into the workspace, where the post step (artifact upload) finds
 * them. The summary counts what was built.
 */
import type { V1EnvVar } from '@kubernetes/client-node';
import { jobPodTemplate, TERMINATION_LOG, WORKSPACE } from '../../pod.js';
import type { JobTemplate, ParamsSchema } from '../../types.js';

/** The docops image (hack/images/build.sh `docops`: git, bash, pandoc). */
export const DOCOPS_IMAGE = 'localhost/weft-docops:dev';

const params: ParamsSchema = {
  type: 'object',
  required: ['repo'],
  additionalProperties: false,
  properties: {
    repo: { type: 'string', description: 'Clone URL of the repository (http://, https://, git:// or file://); no credentials in it.', pattern: '^(https?|git|file)://[^@\\s]+$', maxLength: 2048 },
    ref: { type: 'string', description: 'Branch, tag or commit to build.', default: 'main', pattern: '^[A-Za-z0-9][A-Za-z0-9._/-]*$', maxLength: 255 },
    path: { type: 'string', description: 'A Markdown file, or a directory whose *.md files are each built, relative to the checkout.', default: 'docs', pattern: '^(?!/)(?!.*\\.\\.)[^\\s]+$', maxLength: 1024 },
    format: { type: 'string', description: 'What pandoc writes: standalone html, docx or epub.', default: 'html', enum: ['html', 'docx', 'epub'] },
    title: { type: 'string', description: 'Document title for pages without one (empty: the file name).', default: '', maxLength: 256 },
    output: { type: 'string', description: `Directory under ${WORKSPACE} that receives the documents (for the artifact upload step).`, default: 'site', pattern: '^[A-Za-z0-9][A-Za-z0-9._-]*$', maxLength: 255 },
    image: { type: 'string', description: 'Image with git, bash and pandoc.', default: DOCOPS_IMAGE, minLength: 1, maxLength: 512 },
  },
};

// The summary is JSON written by bash (no Node in this image): every value printed is a number,
// a commit id, a fixed word or a file name reduced to [A-Za-z0-9._-], so no escaping is needed.
const SCRIPT = `
summary() { printf '{"stage":"%s","exitCode":%s%s,"summary":"%s"}' "$1" "$2" "\${WEFT_COMMIT:+,\\"commit\\":\\"$WEFT_COMMIT\\"}" "$3" > ${TERMINATION_LOG}; }
checkout() { git -c advice.detachedHead=false checkout --quiet --detach "$1" 2>/dev/null; }
if ! { git clone --quiet "$WEFT_REPO" src && cd src && { checkout "$WEFT_REF" || checkout "origin/$WEFT_REF"; }; }; then
  echo "weft: cannot clone $WEFT_REPO at $WEFT_REF" >&2; summary clone 2 "clone failed with exit code 2"; exit 2
fi
export WEFT_COMMIT=$(git rev-parse HEAD)
out=${WORKSPACE}/$WEFT_OUTPUT
mkdir -p "$out"
if [ -d "$WEFT_PATH" ]; then inputs=$(find "$WEFT_PATH" -maxdepth 1 -name '*.md' | sort); elif [ -f "$WEFT_PATH" ]; then inputs=$WEFT_PATH; else
  echo "weft: $WEFT_PATH is neither a file nor a directory in the checkout" >&2; summary build 3 "no input: path not found"; exit 3
fi
[ -n "$inputs" ] || { echo "weft: no *.md files in $WEFT_PATH" >&2; summary build 3 "no input: no Markdown files"; exit 3; }
built=0; failed=0; names=
for f in $inputs; do
  name=$(basename "$f" .md | tr -cd 'A-Za-z0-9._-')
  title=\${WEFT_TITLE:-$name}
  if pandoc --standalone --metadata "pagetitle=$title" --from markdown --to "$WEFT_FORMAT" -o "$out/$name.$WEFT_FORMAT" "$f"; then built=$((built+1)); names="$names $name.$WEFT_FORMAT"; echo "weft: $f -> $WEFT_OUTPUT/$name.$WEFT_FORMAT"; else failed=$((failed+1)); fi
done
code=0; [ $failed -eq 0 ] || code=1
summary done $code "$built built, $failed failed ($WEFT_FORMAT):$(echo "$names" | cut -c1-800)"
exit $code
`;

/** The `docops` template. */
export const docops: JobTemplate = {
  name: 'docops',
  summary: 'Clones a repository at a ref and builds its Markdown into standalone HTML, DOCX or EPUB with pandoc.',
  docs: [
    'The pod clones `repo` at `ref`, then runs pandoc on `path`: one Markdown file, or every `*.md` file directly in a directory (each becomes `<name>.<format>`). The documents land in `/workspace/<output>`, where the step after the main command (artifact upload) picks them up. The summary counts the documents built and failed; any failure fails the job (`TemplateFailed`, exit code 1), a `path` that does not exist or holds no Markdown exits 3.',
    'Image: `localhost/weft-docops:dev` (`hack/images/build.sh docops`: Debian bookworm minbase, git, pandoc 2.17; about 100 MB as an OCI archive, built cold in about 2 minutes).',
  ].join('\n\n'),
  params,
  example: { repo: 'http://127.0.0.1:3000/weft/demo.git', ref: 'main', path: 'docs', format: 'html', output: 'site' },
  buildPod({ job, params: p }) {
    const env: V1EnvVar[] = [
      { name: 'WEFT_REPO', value: p.repo! },
      { name: 'WEFT_REF', value: p.ref! },
      { name: 'WEFT_PATH', value: p.path! },
      { name: 'WEFT_FORMAT', value: p.format! },
      { name: 'WEFT_TITLE', value: p.title ?? '' },
      { name: 'WEFT_OUTPUT', value: p.output! },
      { name: 'GIT_TERMINAL_PROMPT', value: '0' },
    ];
    return jobPodTemplate({ job, image: p.image ?? DOCOPS_IMAGE, script: SCRIPT, env });
  },
};
