#!/usr/bin/env bash
# Backs up and restores the kubeconfig Secret of an OrgCluster (provider kubeconfig or talos).
# A deleted Secret leaves the OrgCluster Provisioned=False (SecretNotFound) and its workloads
# unplaceable; restoring it brings the cluster back at the controller's next probe.
#
#   docs/rollback/orgcluster-kubeconfig.sh backup  NAMESPACE ORGCLUSTER > backup.yaml
#   docs/rollback/orgcluster-kubeconfig.sh restore backup.yaml
# (--kubeconfig F may follow either.) The backup holds a credential: keep it like one.
set -euo pipefail
cmd=${1:-}; shift || true
kc=()
case "$cmd" in
  backup)
    [ $# -ge 2 ] || { echo "usage: $0 backup NAMESPACE ORGCLUSTER [--kubeconfig F] > backup.yaml" >&2; exit 2; }
    ns=$1; oc=$2; shift 2; [ "${1:-}" = --kubeconfig ] && kc=(--kubeconfig "$2")
    secret=$(kubectl "${kc[@]}" -n "$ns" get orgcluster "$oc" -o jsonpath='{.spec.kubeconfigSecretRef.name}')
    [ -n "$secret" ] || secret="$oc-kubeconfig"
    # Only what is needed to re-create it: no uid, resourceVersion or owner (the owner may be gone).
    kubectl "${kc[@]}" -n "$ns" get secret "$secret" -o go-template='apiVersion: v1
kind: Secret
metadata:
  name: {{.metadata.name}}
  namespace: {{.metadata.namespace}}
  annotations:
    weft.dev/backup-of: orgcluster/'"$oc"'
type: {{.type}}
data:
{{range $k, $v := .data}}  {{$k}}: {{$v}}
{{end}}'
    echo "orgcluster-kubeconfig: backed up Secret $ns/$secret of OrgCluster $oc" >&2 ;;
  restore)
    [ $# -ge 1 ] || { echo "usage: $0 restore backup.yaml [--kubeconfig F]" >&2; exit 2; }
    file=$1; shift; [ "${1:-}" = --kubeconfig ] && kc=(--kubeconfig "$2")
    grep -q '^kind: Secret' "$file" || { echo "orgcluster-kubeconfig: $file is not a backup made by this script" >&2; exit 1; }
    kubectl "${kc[@]}" apply -f "$file"
    echo "orgcluster-kubeconfig: restored; the OrgCluster turns Ready at its next probe (kubectl get orgcluster -w)" ;;
  *) echo "usage: $0 backup NAMESPACE ORGCLUSTER | restore FILE  [--kubeconfig F]" >&2; exit 2 ;;
esac
