#!/usr/bin/env bash
# Fails when the committed generated files (types, CRD YAML, validators, docs/api.md) differ from what
# `npm run generate` writes from the schemas. CI runs this; fix a failure with `npm run generate` and commit.
set -euo pipefail
cd "$(dirname "$0")/.."
npm run --silent generate >/dev/null
if ! git diff --exit-code --stat -- crds config/crd config/webhook charts src/api docs/api.md docs/jobs.md; then
  echo "generated files are stale: run 'npm run generate' and commit the result" >&2
  exit 1
fi
untracked=$(git ls-files --others --exclude-standard -- crds config/crd config/webhook charts src/api docs/api.md docs/jobs.md)
if [ -n "$untracked" ]; then
  echo "generated files are not committed: $untracked" >&2
  exit 1
fi
