#!/usr/bin/env bash
# Rotates one key of a Secret the operator reads (a forge token, key "token"; an LLM endpoint's API
# key, key "apiKey"; an artifact store's keys) without downtime: the new value is patched in place,
# and the operator reads these Secrets on each use, so the next request carries it — no restart, no
# moment without a key. Revoke the old value at the provider afterwards. The value comes on stdin
# (never on the command line, where ps and shell history would keep it).
#
#   printf %s "$NEW_KEY" | docs/rollback/rotate-secret-key.sh NAMESPACE SECRET KEY [--kubeconfig F]
set -euo pipefail
[ $# -ge 3 ] || { echo "usage: printf %s \"\$NEW\" | $0 NAMESPACE SECRET KEY [--kubeconfig F]" >&2; exit 2; }
ns=$1; secret=$2; key=$3; shift 3; kc=()
[ "${1:-}" = --kubeconfig ] && kc=(--kubeconfig "$2")
value=$(cat)
[ -n "$value" ] || { echo "rotate-secret-key: no new value on stdin" >&2; exit 2; }
kubectl "${kc[@]}" -n "$ns" get secret "$secret" >/dev/null || { echo "rotate-secret-key: Secret $ns/$secret does not exist" >&2; exit 1; }
b64=$(printf %s "$value" | base64 | tr -d '\n')
kubectl "${kc[@]}" -n "$ns" patch secret "$secret" --type merge --patch-file /dev/stdin >/dev/null <<JSON
{"data":{"$key":"$b64"}}
JSON
echo "rotate-secret-key: $ns/$secret key $key replaced; the operator uses it from the next request (revoke the old one at the provider)"
