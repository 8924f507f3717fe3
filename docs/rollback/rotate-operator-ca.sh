#!/usr/bin/env bash
# Rotates the operator CA (Secret weft-ca: it signs the webhook and HTTPS serving certificates and the
# dashboard's mTLS client certificates) without downtime, in two steps:
#
#   docs/rollback/rotate-operator-ca.sh start  [NAMESPACE] [--kubeconfig F]
#       A new CA (EC P-256, openssl) issues from now on; ca.crt trusts the new and the old one. Every
#       replica notices within seconds: it gives the apiserver the two-CA caBundle first, then serves
#       certificates of the new CA; mTLS clients with old certificates keep working.
#   (issue new client certificates to mTLS users: docs/dashboard.md#mtls)
#   docs/rollback/rotate-operator-ca.sh finish [NAMESPACE] [--kubeconfig F]
#       ca.crt trusts the new CA alone: the old one's client certificates stop working.
#
# NAMESPACE is the operator's (default weft-system). Needs kubectl and openssl.
set -euo pipefail
usage() { echo "usage: $0 start|finish [NAMESPACE] [--kubeconfig F]" >&2; exit 2; }
step=${1:-}; [ "$step" = start ] || [ "$step" = finish ] || usage
shift
ns=weft-system
if [ $# -gt 0 ] && [ "$1" != --kubeconfig ]; then ns=$1; shift; fi
kc=()
if [ "${1:-}" = --kubeconfig ]; then [ -n "${2:-}" ] || usage; kc=(--kubeconfig "$2"); fi
k() { kubectl "${kc[@]}" -n "$ns" "$@"; }
field() { k get secret weft-ca -o "jsonpath={.data.$1}" | base64 -d; }
k get secret weft-ca >/dev/null || { echo "rotate-operator-ca: Secret $ns/weft-ca does not exist (the operator creates it on its first start)" >&2; exit 1; }
b64() { base64 < "$1" | tr -d '\n'; }
tmp=$(mktemp -d); trap 'rm -rf "$tmp"' EXIT

if [ "$step" = start ]; then
  field 'tls\.crt' > "$tmp/old.crt"
  openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 -out "$tmp/ca.key" 2>/dev/null
  openssl req -x509 -new -key "$tmp/ca.key" -sha256 -days 3650 -subj "/CN=weft-operator-ca $(date -u +%Y%m%dT%H%M%SZ)" \
    -addext 'basicConstraints=critical,CA:TRUE' -addext 'keyUsage=critical,keyCertSign,cRLSign' -out "$tmp/ca.crt" 2>/dev/null
  cat "$tmp/ca.crt" "$tmp/old.crt" > "$tmp/bundle.crt"
  k patch secret weft-ca --type merge --patch-file /dev/stdin >/dev/null <<JSON
{"data":{"tls.crt":"$(b64 "$tmp/ca.crt")","tls.key":"$(b64 "$tmp/ca.key")","ca.crt":"$(b64 "$tmp/bundle.crt")"}}
JSON
  echo "rotate-operator-ca: $ns/weft-ca has a new CA ($(openssl x509 -noout -subject -in "$tmp/ca.crt" | sed 's/^subject=//')); the old one stays trusted until: $0 finish $ns"
else
  field 'tls\.crt' > "$tmp/ca.crt"
  k patch secret weft-ca --type merge --patch-file /dev/stdin >/dev/null <<JSON
{"data":{"ca.crt":"$(b64 "$tmp/ca.crt")"}}
JSON
  echo "rotate-operator-ca: $ns/weft-ca trusts its current CA alone; certificates of the previous CA are no longer accepted"
fi
