#!/usr/bin/env bash
# Rolls the Weft operator back to its previous Deployment revision (or --to-revision N) and checks
# that nothing the CRDs store changed: their storage versions are the same before and after, so
# objects written by the newer operator stay readable. Needs kubectl (KUBECONFIG or --kubeconfig).
#
#   docs/rollback/operator-rollback.sh [--namespace weft-system] [--to-revision N] [--timeout 180s] [--kubeconfig F]
#
# Exit 0: rolled back, Ready, storage versions unchanged. Exit 1: a check failed (it says which).
set -euo pipefail
ns=weft-system; revision=; timeout=180s; kc=()
while [ $# -gt 0 ]; do
  case "$1" in
    --namespace|-n) ns=$2; shift 2 ;;
    --to-revision) revision=$2; shift 2 ;;
    --timeout) timeout=$2; shift 2 ;;
    --kubeconfig) kc=(--kubeconfig "$2"); shift 2 ;;
    *) echo "operator-rollback: unknown argument $1" >&2; exit 2 ;;
  esac
done
k() { kubectl "${kc[@]}" "$@"; }
stored() { k get crd -o jsonpath='{range .items[*]}{.metadata.name}={.status.storedVersions}{"\n"}{end}' | grep '\.weft\.dev=' | sort; }
before=$(stored)
image() { k -n "$ns" get deployment/weft-operator -o jsonpath='{.spec.template.spec.containers[0].image}'; }
echo "operator-rollback: deployment/weft-operator in $ns runs $(image) (revision $(k -n "$ns" get deployment/weft-operator -o jsonpath='{.metadata.annotations.deployment\.kubernetes\.io/revision}'))"
k -n "$ns" rollout undo deployment/weft-operator ${revision:+--to-revision="$revision"}
if ! k -n "$ns" rollout status deployment/weft-operator --timeout="$timeout"; then
  echo "operator-rollback: the rollback did not become Ready within $timeout: kubectl -n $ns describe deployment/weft-operator; kubectl -n $ns logs deployment/weft-operator" >&2
  exit 1
fi
after=$(stored)
if [ "$before" != "$after" ]; then
  echo "operator-rollback: CRD storage versions changed during the rollback:" >&2
  diff <(echo "$before") <(echo "$after") >&2 || true
  exit 1
fi
echo "operator-rollback: now $(image), Ready; CRD storage versions unchanged:"
echo "$after" | sed 's/^/  /'
