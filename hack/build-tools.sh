#!/usr/bin/env bash
# Builds the real components Weft's tests and `weft up` run (kube-apiserver, kubectl, etcd, kwok, and
# the node tools a later issue needs) from their Go modules, into a cache outside the clone:
#   ${WEFT_CACHE:-$HOME/.cache/weft}/bin/<product>-<version>/<binary>
# A fresh clone on the same machine reuses what is there. Idempotent: a binary whose stamp matches the
# pinned go.sum is skipped.
#
# Usage: hack/build-tools.sh [tool ...]      (default: kube-apiserver kubectl etcd kwok headscale tailscale tailscaled
#                                             kubelet kube-controller-manager kube-scheduler gitea, the Radicle
#                                             tools rad radicle-node git-remote-rad (cargo), versitygw otelcol helm osv-scanner,
#                                             then `images`)
#        hack/build-tools.sh images           (only the real node's images: hack/images/build.sh pause runner)
#        hack/build-tools.sh --print-dir TOOL (prints the directory a tool is built into)
# Each product has its own module under hack/tools/<product>/ so that MVS never mixes their
# dependencies (Kubernetes, etcd and KWOK pin different versions of shared modules).
set -euo pipefail

HERE="$(cd "$(dirname "$0")" && pwd)"
TOOLS="$HERE/tools"
CACHE="${WEFT_CACHE:-$HOME/.cache/weft}"
# shellcheck source=tools/versions.env
source "$TOOLS/versions.env"

log() { printf '[build-tools] %s\n' "$*" >&2; }
die() { printf '[build-tools] error: %s\n' "$*" >&2; exit 1; }

# product_of TOOL -> "product version package"
product_of() {
  case "$1" in
    kube-apiserver|kubectl|kube-controller-manager|kube-scheduler|kubelet|kube-proxy)
      echo "k8s $K8S_VERSION k8s.io/kubernetes/cmd/$1" ;;
    etcd) echo "etcd $ETCD_VERSION go.etcd.io/etcd/server/v3" ;;
    etcdctl) echo "etcd $ETCD_VERSION go.etcd.io/etcd/etcdctl/v3" ;;
    kwok) echo "kwok $KWOK_VERSION sigs.k8s.io/kwok/cmd/kwok" ;;
    headscale) echo "headscale $HEADSCALE_VERSION github.com/juanfont/headscale/cmd/headscale" ;;
    tailscale|tailscaled) echo "headscale $HEADSCALE_VERSION tailscale.com/cmd/$1" ;;
    # artifacts and traces (issue 20): the S3 store and the OpenTelemetry collector (built by ocb, below)
    versitygw) echo "versitygw $VERSITYGW_VERSION github.com/versity/versitygw/cmd/versitygw" ;;
    otelcol) echo "otelcol $OTELCOL_VERSION go.opentelemetry.io/collector/cmd/builder" ;;
    # vulnerable dependencies in the security-scan Job image (issue 19), offline against a vendored DB
    osv-scanner) echo "osv-scanner $OSV_SCANNER_VERSION github.com/google/osv-scanner/v2/cmd/osv-scanner" ;;
    gitea) echo "gitea $GITEA_VERSION gitea.dev" ;;
    # the Helm chart's test renders charts/weft with `helm template` (issue 21)
    helm) echo "helm $HELM_VERSION helm.sh/helm/v4/cmd/helm" ;;
    rad|radicle-node|git-remote-rad) echo "radicle $RADICLE_CLI_VERSION cargo" ;;
    *) die "unknown tool '$1' (known: kube-apiserver kubectl kube-controller-manager kube-scheduler kubelet kube-proxy etcd etcdctl kwok headscale tailscale tailscaled gitea rad radicle-node git-remote-rad versitygw otelcol helm osv-scanner)" ;;
  esac
}

ldflags_for() {
  local product=$1 version=$2
  case "$product" in
    k8s)
      local minor; minor=$(echo "$version" | cut -d. -f2)
      echo "-s -w -X k8s.io/component-base/version.gitVersion=$version -X k8s.io/component-base/version.gitMajor=1 -X k8s.io/component-base/version.gitMinor=$minor -X k8s.io/component-base/version.gitTreeState=clean -X k8s.io/client-go/pkg/version.gitVersion=$version -X k8s.io/client-go/pkg/version.gitMajor=1 -X k8s.io/client-go/pkg/version.gitMinor=$minor" ;;
    kwok) echo "-s -w -X sigs.k8s.io/kwok/pkg/consts.Version=$version" ;;
    versitygw) echo "-s -w -X main.Version=$version" ;;
    helm) echo "-s -w -X helm.sh/helm/v4/internal/version.version=$version" ;;
    gitea) echo "-s -w -X main.Version=${version#v}" ;;
    *) echo "-s -w" ;;
  esac
}

tags_for() {
  case "$1" in
    gitea) echo "sqlite sqlite_unlock_notify" ;;   # SQLite is the pure-Go modernc driver in v1.27: no cgo
    *) echo "" ;;
  esac
}

# Gitea reads templates/, options/ and public/ at run time (no bindata tag): copy them from its module
# next to the binary, so the cache stays whole when the module cache is cleaned (STATIC_ROOT_PATH).
gitea_static() {
  local dir=$1 src
  src=$(cd "$TOOLS/gitea" && GOFLAGS=-mod=mod go list -m -f '{{.Dir}}' gitea.dev)
  [ -d "$src/templates" ] || die "Gitea's templates not found in $src"
  rm -rf "$dir/static.tmp" && mkdir -p "$dir/static.tmp"
  cp -R "$src/templates" "$src/options" "$src/public" "$dir/static.tmp/"
  chmod -R u+w "$dir/static.tmp"
  rm -rf "$dir/static" && mv "$dir/static.tmp" "$dir/static"
}

# Radicle (rad, radicle-node, git-remote-rad) comes from the crates registry, not a Go module: one
# `cargo install --locked` of the three crates with a shared target dir (about 6.5 minutes cold on
# 2 cores), cached like the Go tools and rebuilt only when a pinned version changes.
RADICLE_CRATES="radicle-cli@$RADICLE_CLI_VERSION radicle-node@$RADICLE_NODE_VERSION radicle-remote-helper@$RADICLE_REMOTE_HELPER_VERSION"
build_radicle() {
  local dir=$1 want stamp="$1/.radicle.stamp"
  want=$(echo "$RADICLE_CRATES" | sha256sum | cut -c1-16)
  if [ -x "$dir/rad" ] && [ -x "$dir/radicle-node" ] && [ -x "$dir/git-remote-rad" ] && [ "$(cat "$stamp" 2>/dev/null)" = "$want" ]; then
    log "radicle $RADICLE_CLI_VERSION: up to date ($dir)"
    return
  fi
  # rustup installs into ~/.cargo/bin, which a non-login shell (CI) may not have on PATH.
  command -v cargo >/dev/null 2>&1 || PATH="$HOME/.cargo/bin:$PATH"
  command -v cargo >/dev/null 2>&1 || die "Rust is not installed: Radicle is built with 'cargo install' (Rust >= 1.88, https://rustup.rs), then re-run: hack/build-tools.sh rad"
  mkdir -p "$dir"
  log "radicle: cargo install --locked $RADICLE_CRATES (about 6-7 minutes cold on 2 cores)…"
  local start root="$dir/.root.$$" target="$CACHE/build/radicle-target"
  start=$(date +%s)
  # shellcheck disable=SC2086
  if ! cargo install --locked --quiet --root "$root" --target-dir "$target" $RADICLE_CRATES; then
    rm -rf "$root"
    die "building Radicle failed (crates $RADICLE_CRATES). If a crate could not be downloaded, check that the crates registry is reachable; if it did not compile, check 'rustc --version' (>= 1.88)"
  fi
  for b in rad radicle-node git-remote-rad; do mv -f "$root/bin/$b" "$dir/$b"; done
  rm -rf "$root" "$target"
  echo "$want" >"$stamp"
  log "radicle $RADICLE_CLI_VERSION: built in $(( $(date +%s) - start ))s"
}

if [ "${1:-}" = "--print-dir" ]; then
  read -r product version _ <<<"$(product_of "${2:?tool name}")"
  echo "$CACHE/bin/$product-$version"
  exit 0
fi

command -v go >/dev/null 2>&1 || die "Go is not installed. Install Go ≥ 1.26 (https://go.dev/doc/install or 'apt-get install golang-1.26'), then re-run: hack/build-tools.sh"
GOV=$(go env GOVERSION | sed 's/^go//')
case "$GOV" in 1.2[6-9]*|1.[3-9]*) ;; *) die "Go $GOV is too old; the pinned modules need Go ≥ 1.26" ;; esac

# --- the OpenTelemetry collector (issue 20) -------------------------------------------------------
# otelcorecol has local replace lines, so the collector is assembled by the collector builder (ocb,
# pinned in hack/tools/otelcol/go.mod) from hack/tools/otelcol/manifest.yaml. ocb generates the
# sources; they are compiled against the pinned hack/tools/otelcol/dist/go.{mod,sum}, because ocb's
# own `go mod tidy` also resolves the tests' imports of contrib's fileexporter, one of which
# (extension/encoding/otlpencodingextension@v0.162.0) the module proxy does not serve (403).
# To bump: edit manifest.yaml, then in a scratch dir with ocb's sources: go mod init
# weft.dev/hack/tools/otelcol/dist, go mod edit -require=<each gomod>@<version>, GOFLAGS=-mod=mod go build .,
# and copy its go.mod and go.sum to hack/tools/otelcol/dist/.
otelcol_stamp() {
  cat "$TOOLS/otelcol/go.sum" "$TOOLS/otelcol/go.mod" "$TOOLS/otelcol/manifest.yaml" "$TOOLS/otelcol/dist/go.mod" "$TOOLS/otelcol/dist/go.sum" | sha256sum | cut -c1-16
}
# build_otelcol OUT: builds ocb, lets it generate the distribution's sources in a temp dir, compiles
# them with the pinned module files, moves the binary to OUT.
build_otelcol() {
  local out=$1 work
  work=$(mktemp -d "${TMPDIR:-/tmp}/weft-otelcol.XXXXXX")
  if ! (cd "$TOOLS/otelcol" && CGO_ENABLED=0 GOFLAGS=-mod=mod go build -trimpath -ldflags "-s -w" -o "$work/ocb" go.opentelemetry.io/collector/cmd/builder) ; then
    rm -rf "$work"
    die "building the collector builder failed (module go.opentelemetry.io/collector/cmd/builder@$OTELCOL_VERSION)"
  fi
  sed "s|@OUTPUT_PATH@|$work/dist|" "$TOOLS/otelcol/manifest.yaml" >"$work/manifest.yaml"
  if ! "$work/ocb" --config "$work/manifest.yaml" --skip-get-modules --skip-compilation >"$work/ocb.log" 2>&1; then
    tail -30 "$work/ocb.log" >&2
    rm -rf "$work"
    die "the collector builder could not generate the sources (manifest hack/tools/otelcol/manifest.yaml)"
  fi
  cp "$TOOLS/otelcol/dist/go.mod" "$TOOLS/otelcol/dist/go.sum" "$work/dist/"
  if ! (cd "$work/dist" && CGO_ENABLED=0 GOFLAGS=-mod=readonly go build -trimpath -ldflags "-s -w" -o "$out" .) ; then
    rm -rf "$work" "$out"
    die "compiling the collector failed (hack/tools/otelcol/dist/go.mod, $OTELCOL_VERSION). If a module could not be downloaded, check GOPROXY=$(go env GOPROXY)"
  fi
  rm -rf "$work"
}
# ---------------------------------------------------------------------------------------------------

TOOLS_WANTED=()
WANT_IMAGES=0
for arg in "$@"; do
  if [ "$arg" = images ]; then WANT_IMAGES=1; else TOOLS_WANTED+=("$arg"); fi
done
if [ $# -eq 0 ]; then
  TOOLS_WANTED=(kube-apiserver kubectl etcd kwok headscale tailscale tailscaled kubelet kube-controller-manager kube-scheduler gitea rad radicle-node git-remote-rad)
  TOOLS_WANTED+=(versitygw otelcol)   # artifacts and traces (issue 20)
  TOOLS_WANTED+=(helm)                # the chart test (issue 21)
  TOOLS_WANTED+=(osv-scanner)         # the security-scan image (issue 19)
  WANT_IMAGES=1
fi

for tool in "${TOOLS_WANTED[@]+"${TOOLS_WANTED[@]}"}"; do
  read -r product version pkg <<<"$(product_of "$tool")"
  dir="$CACHE/bin/$product-$version"
  if [ "$product" = radicle ]; then build_radicle "$dir"; continue; fi
  stamp="$dir/.$tool.stamp"
  want=$(sha256sum "$TOOLS/$product/go.sum" "$TOOLS/$product/go.mod" | sha256sum | cut -c1-16)
  [ "$tool" = otelcol ] && want=$(otelcol_stamp)
  if [ -x "$dir/$tool" ] && [ "$(cat "$stamp" 2>/dev/null)" = "$want" ] && { [ "$tool" != gitea ] || [ -d "$dir/static/templates" ]; }; then
    log "$tool $version: up to date ($dir/$tool)"
    continue
  fi
  mkdir -p "$dir"
  log "$tool $version: building $pkg (the first build of a product downloads its modules and can take 10+ minutes on 2 cores)…"
  start=$(date +%s)
  tmp="$dir/.$tool.tmp.$$"
  if [ "$tool" = otelcol ]; then
    build_otelcol "$tmp"
  elif ! (cd "$TOOLS/$product" && CGO_ENABLED=0 GOFLAGS=-mod=mod go build -trimpath \
        -tags "$(tags_for "$product")" -ldflags "$(ldflags_for "$product" "$version")" -o "$tmp" "$pkg") ; then
    rm -f "$tmp"
    die "building $tool failed (module $pkg@$version). If the error says a module could not be downloaded, check that the Go module proxy is reachable: GOPROXY=$(go env GOPROXY)"
  fi
  mv -f "$tmp" "$dir/$tool"   # atomic: a crash never leaves a half-written binary in place
  if [ "$tool" = gitea ]; then gitea_static "$dir"; fi
  echo "$want" >"$stamp"
  log "$tool $version: built in $(( $(date +%s) - start ))s"
done

# KWOK v0.8 ships no default stages: assemble the upstream ones from the module cache.
for tool in "${TOOLS_WANTED[@]+"${TOOLS_WANTED[@]}"}"; do
  [ "$tool" = kwok ] || continue
  dir="$CACHE/bin/kwok-$KWOK_VERSION"
  stages="$dir/stages.yaml"
  src=$(cd "$TOOLS/kwok" && go list -m -f '{{.Dir}}' sigs.k8s.io/kwok)
  [ -d "$src/kustomize/stage" ] || die "KWOK stages not found in $src"
  {
    for f in node/fast/node-initialize.yaml node/heartbeat-with-lease/node-heartbeat-with-lease.yaml pod/fast/pod-ready.yaml pod/fast/pod-complete.yaml pod/fast/pod-delete.yaml; do
      for g in "$src"/kustomize/stage/$f; do echo '---'; cat "$g"; done
    done
  } >"$stages.tmp"
  if cmp -s "$stages.tmp" "$stages"; then rm -f "$stages.tmp"; else mv -f "$stages.tmp" "$stages"; log "kwok stages written to $stages"; fi
done

# The real node's images (pause, weft-runner), cached by a hash of their inputs: a warm run only
# hashes. The operator image needs dist/ and is built when a real node asks for it.
if [ "$WANT_IMAGES" = 1 ]; then
  if [ "$(id -u)" != 0 ]; then
    # Not fatal here: everything but the real node works without root. Its tests fail and say so.
    log "skipping the real node's images: building them needs root (mmdebstrap chroots); run 'sudo hack/images/build.sh pause runner'"
  else
    [ -x "$HERE/../node_modules/node/bin/node" ] || die "images need the Node 24 binary from the 'node' devDependency: run 'npm ci' first"
    bash "$HERE/images/build.sh" pause runner >/dev/null
  fi
fi
