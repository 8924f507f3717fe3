#!/usr/bin/env bash
# Builds the container images Weft's pods run on a real node, with no container engine and no
# registry: root filesystems from Debian packages (mmdebstrap), Node 24 from our `node` npm
# dependency, our own build output, assembled as OCI image layouts by umoci and written as OCI
# archives that `ctr -n k8s.io images import` loads into containerd.
#
#   pause     localhost/pause:weft            the sandbox image: Kubernetes' pause.c, static
#   runner    localhost/weft-runner:dev       Debian minbase + Node 24 + git, bash, coreutils, python3
#   operator  localhost/weft-operator:dev     what the Dockerfile builds (see test/contract/images.test.ts)
#   agent     localhost/weft-agent:dev        AgentTask pods: the runner's root filesystem (git, python3)
#                                             + Node 24 + Weft in /app (`weft task-run`), user 1000
#   docops    localhost/weft-docops:dev       Job template docops: Debian minbase + git, bash, pandoc
#   mlbatch   localhost/weft-mlbatch:dev      Job template ml-batch: Debian minbase + git, python3, scikit-learn
#   scan      localhost/weft-scan:dev         Job template security-scan: Debian minbase + git, git-secrets, bandit,
#                                             osv-scanner (hack/build-tools.sh) and the OSV DB of hack/images/osv-db
#   notebook  localhost/weft-notebook:dev     Job template notebook: mlbatch + nbconvert, ipykernel
#             (every Job image has curl: the artifact upload step, docs/artifacts.md)
#
#   code-server localhost/weft-code-server:dev the code-server sidecar of AgentTask pods
#                                             (spec.agent.codeServer): the runner's root filesystem +
#                                             Node 24 + code-server in /opt/code-server, user 1000
#
# code-server is its own image family, not a layer of `agent`: it is ~600 MB of node_modules that
# every test node would import (and every AgentTask pod pull) even though few tasks ask for it; the
# plain agent image stays small and fast to import. Both share the runner root filesystem and Node
# layers, so a node that has both stores those once.
#
# Usage: hack/images/build.sh [pause|runner|operator|agent|code-server|docops|mlbatch|scan|notebook ...]   (default: pause runner)
# Prints one line per image on stdout: "<name> <ref> <archive>". Archives are cached in
#   ${WEFT_CACHE:-$HOME/.cache/weft}/images/<name>-<key>.oci.tar
# where <key> hashes every input (this script, the package lists, the node binary, and for the
# operator package*.json, dist/, bin/ and crds/), so a warm run only hashes and returns.
# `operator` needs `npm run build` first (dist/). Needs root (mmdebstrap chroots), mmdebstrap,
# umoci, gcc and libc6-dev: hack/install-deps.sh installs them.
set -euo pipefail

HERE="$(cd "$(dirname "$0")" && pwd)"
ROOT="$(cd "$HERE/../.." && pwd)"
CACHE="${WEFT_CACHE:-$HOME/.cache/weft}"
OUT="$CACHE/images"
SUITE=bookworm
# The Debian packages each root filesystem adds to the minbase variant (which has bash, coreutils,
# dash, grep, sed, tar, gzip, findutils, util-linux, apt). Keep these short: CI builds them cold.
RUNNER_PACKAGES=ca-certificates,git,python3-minimal,procps,curl
OPERATOR_PACKAGES=ca-certificates
# Job template families (src/jobs/templates/<name>): one image each, the runner's recipe plus their tools.
DOCOPS_PACKAGES=ca-certificates,git,pandoc,curl
MLBATCH_PACKAGES=ca-certificates,git,python3-sklearn,curl
SCAN_PACKAGES=ca-certificates,git,git-secrets,python3-bandit,curl
NOTEBOOK_PACKAGES=ca-certificates,git,python3-sklearn,jupyter-nbconvert,python3-ipykernel,curl
SOURCE_DATE_EPOCH=${SOURCE_DATE_EPOCH:-1700000000}
export SOURCE_DATE_EPOCH

log() { printf '[images] %s\n' "$*" >&2; }
die() { printf '[images] error: %s\n' "$*" >&2; exit 1; }

need() {
  local missing=()
  for c in "$@"; do command -v "$c" >/dev/null 2>&1 || missing+=("$c"); done
  [ ${#missing[@]} -eq 0 ] || die "missing ${missing[*]}: install the Debian packages with 'apt-get install -y mmdebstrap umoci gcc libc6-dev' (hack/install-deps.sh does)"
}

NODE_BIN="$ROOT/node_modules/node/bin/node"
node_bin() {
  [ -x "$NODE_BIN" ] || die "no Node binary at $NODE_BIN: run 'npm ci' first (the 'node' devDependency provides Node 24)"
  echo "$NODE_BIN"
}

# hash_inputs FILE_OR_DIR... -> 16 hex chars over the paths' contents (dirs: every file, sorted)
hash_inputs() {
  local p
  for p in "$@"; do
    # contents only (and relative names inside dirs): the scratch dir's random name must not count
    if [ -d "$p" ]; then (cd "$p" && find . -type f -print0 | LC_ALL=C sort -z | xargs -0 sha256sum); else sha256sum <"$p"; fi
  done | sha256sum | cut -c1-16
}

# deterministic_tar DIR OUT: an uncompressed layer tar of DIR's contents, owned by root
deterministic_tar() {
  tar --sort=name --mtime="@$SOURCE_DATE_EPOCH" --clamp-mtime --owner=0 --group=0 --numeric-owner \
    --format=pax --pax-option=exthdr.name=%d/PaxHeaders/%f,delete=atime,delete=ctime -C "$1" -cf "$2" .
}

# rootfs OUT.tar PACKAGES CUSTOMIZE_HOOK: a Debian minbase root filesystem as a layer tar
rootfs() {
  local out=$1 packages=$2 hook=$3 mirror
  mirror=$(debian_mirror)
  log "mmdebstrap $SUITE minbase + $packages (from $mirror)…"
  mmdebstrap --quiet --mode=root --format=tar --variant=minbase --include="$packages" \
    --aptopt='APT::Install-Recommends "false"' \
    --dpkgopt='path-exclude=/usr/share/man/*' --dpkgopt='path-exclude=/usr/share/doc/*' \
    --dpkgopt='path-include=/usr/share/doc/*/copyright' --dpkgopt='path-exclude=/usr/share/locale/*' \
    --dpkgopt='path-exclude=/usr/share/info/*' \
    --customize-hook="$hook" \
    --customize-hook='rm -rf "$1"/var/lib/apt/lists/* "$1"/var/cache/apt/* "$1"/var/log/*.log "$1"/var/log/apt/*' \
    "$SUITE" "$out" "$mirror" >&2
}

# The host's Debian mirror (deb.debian.org when none is configured).
debian_mirror() {
  local m
  m=$(grep -hsE '^(URIs:|deb) ' /etc/apt/sources.list /etc/apt/sources.list.d/*.sources /etc/apt/sources.list.d/*.list 2>/dev/null \
    | grep -oE 'https?://[^ ]*/debian/?' | grep -v security | head -1 || true)
  echo "${m:-http://deb.debian.org/debian}"
}

# node_layer OUT.tar: /usr/local/bin/node (stripped) as the Node images ship it
node_layer() {
  local d; d=$(mktemp -d "$WORK/node.XXXX")
  mkdir -p "$d/usr/local/bin"
  cp "$(node_bin)" "$d/usr/local/bin/node"
  strip --strip-debug "$d/usr/local/bin/node" 2>/dev/null || true
  chmod 0755 "$d/usr/local/bin/node"
  deterministic_tar "$d" "$1"
}

# layer NAME KEY_INPUT... -- COMMAND...: the path of a cached layer tar, built by COMMAND OUT when
# missing. Root filesystems and node_modules change rarely, dist/ at every build: caching layers
# separately keeps an operator image rebuild to a few seconds.
layer() {
  local name=$1; shift
  local inputs=()
  while [ "$1" != -- ]; do inputs+=("$1"); shift; done; shift
  local key; key=$(hash_inputs "${inputs[@]}")
  local out="$OUT/layers/$name-$key.tar"
  if [ ! -s "$out" ]; then
    mkdir -p "$OUT/layers"
    "$@" "$out.tmp.$$" >&2 && mv -f "$out.tmp.$$" "$out"
    find "$OUT/layers" -maxdepth 1 -name "$name-*.tar" ! -name "$(basename "$out")" -delete
  fi
  echo "$out"
}

# oci_archive NAME TAG OUT LAYER.tar... -- UMOCI_CONFIG_ARGS...
oci_archive() {
  local name=$1 tag=$2 out=$3; shift 3
  local layers=() layout="$WORK/$name-layout"
  while [ "$1" != -- ]; do layers+=("$1"); shift; done; shift
  rm -rf "$layout"
  umoci init --layout "$layout"
  umoci new --image "$layout:$tag"
  for l in "${layers[@]}"; do umoci raw add-layer --image "$layout:$tag" "$l"; done
  umoci config --image "$layout:$tag" --created "$(date -u -d "@$SOURCE_DATE_EPOCH" +%FT%TZ)" \
    --config.env PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin "$@"
  umoci gc --layout "$layout"
  tar --sort=name --mtime="@$SOURCE_DATE_EPOCH" --owner=0 --group=0 --numeric-owner -C "$layout" -cf "$out.tmp" .
  mv -f "$out.tmp" "$out"
}

# Kubernetes' pause.c, from the k8s.io/kubernetes module hack/build-tools.sh downloaded.
pause_src() { echo "$(cd "$ROOT/hack/tools/k8s" && go list -m -f '{{.Dir}}' k8s.io/kubernetes)/build/pause/linux/pause.c"; }

build_pause() {
  local out=$1 src
  src=$(pause_src)
  [ -f "$src" ] || die "pause.c not found in the k8s.io/kubernetes module ($src): run hack/build-tools.sh kubelet first"
  local d; d=$(mktemp -d "$WORK/pause.XXXX")
  gcc -Os -static -DVERSION=weft -o "$d/pause" "$src" || die "compiling $src failed: install gcc and libc6-dev (static glibc)"
  strip "$d/pause"
  deterministic_tar "$d" "$WORK/pause.tar"
  oci_archive pause weft "$out" "$WORK/pause.tar" -- \
    --config.entrypoint /pause --config.user 65535:65535 \
    --config.label org.opencontainers.image.title=pause
}

RUNNER_USER='chroot "$1" groupadd --gid 1000 runner && chroot "$1" useradd --uid 1000 --gid 1000 --create-home --home-dir /home/runner --shell /bin/bash runner'
OPERATOR_USER='chroot "$1" groupadd --system --gid 65532 weft && chroot "$1" useradd --system --uid 65532 --gid 65532 --no-create-home --home-dir /nonexistent --shell /usr/sbin/nologin weft'
runner_rootfs() { rootfs "$1" "$RUNNER_PACKAGES" "$RUNNER_USER"; }
docops_rootfs() { rootfs "$1" "$DOCOPS_PACKAGES" "$RUNNER_USER"; }
mlbatch_rootfs() { rootfs "$1" "$MLBATCH_PACKAGES" "$RUNNER_USER"; }
scan_rootfs() { rootfs "$1" "$SCAN_PACKAGES" "$RUNNER_USER"; }
notebook_rootfs() { rootfs "$1" "$NOTEBOOK_PACKAGES" "$RUNNER_USER"; }
operator_rootfs() { rootfs "$1" "$OPERATOR_PACKAGES" "$OPERATOR_USER"; }

# The Dockerfile's deps stage: production dependencies only, no install scripts, in /app.
deps_layer() {
  local d; d=$(mktemp -d "$WORK/deps.XXXX")
  mkdir -p "$d/app"
  cp "$ROOT/package.json" "$ROOT/package-lock.json" "$d/app/"
  (cd "$d/app" && npm ci --omit=dev --ignore-scripts --no-audit --no-fund --prefer-offline --loglevel=error >&2)
  deterministic_tar "$d" "$1"
}

build_runner() {
  local out=$1 base node
  base=$(layer runner-rootfs "$WORK/pkgs" "$WORK/script" -- runner_rootfs)
  node=$(layer node "$(node_bin)" -- node_layer)
  oci_archive runner dev "$out" "$base" "$node" -- \
    --config.cmd bash --config.user 1000:1000 --config.workingdir /home/runner \
    --config.env HOME=/home/runner \
    --config.label org.opencontainers.image.title=weft-runner \
    --config.label org.opencontainers.image.description="Weft agent and job pods: Node 24, git, bash, coreutils, python3"
}

# A Job template family: the runner's user and layout on its own package list (no Node layer: the
# template's pod writes its summary with bash or python3).
# template_image NAME PACKAGES DESCRIPTION OUT
template_image() {
  local name=$1 packages=$2 description=$3 out=$4 base
  echo "$packages $RUNNER_USER" >"$WORK/pkgs"
  base=$(layer "$name-rootfs" "$WORK/pkgs" "$WORK/script" -- "${name}_rootfs")
  oci_archive "$name" dev "$out" "$base" -- \
    --config.cmd bash --config.user 1000:1000 --config.workingdir /home/runner \
    --config.env HOME=/home/runner \
    --config.label "org.opencontainers.image.title=weft-$name" \
    --config.label "org.opencontainers.image.description=$description"
}
build_docops() { template_image docops "$DOCOPS_PACKAGES" "Weft docops Job template: git, bash, pandoc" "$1"; }
build_mlbatch() { template_image mlbatch "$MLBATCH_PACKAGES" "Weft ml-batch Job template: git, python3, scikit-learn" "$1"; }
# The scan image: the template rootfs plus osv-scanner (built from its Go module by build-tools) and
# the vendored OSV database (hack/images/osv-db: one all.zip per ecosystem, the offline layout).
osv_scanner_bin() {
  local bin; bin="$(bash "$ROOT/hack/build-tools.sh" --print-dir osv-scanner)/osv-scanner"
  [ -x "$bin" ] || die "osv-scanner is not built at $bin: run 'bash hack/build-tools.sh osv-scanner' (or npm run tools)"
  echo "$bin"
}
osv_layer() {
  local out=$1 bin d eco
  bin=$(osv_scanner_bin)
  d=$(mktemp -d "$WORK/osv.XXXX")
  mkdir -p "$d/usr/local/bin" "$d/opt/osv-db/osv-scalibr"
  cp "$bin" "$d/usr/local/bin/osv-scanner"
  for eco in "$ROOT"/hack/images/osv-db/*/; do
    eco=$(basename "$eco")
    mkdir -p "$d/opt/osv-db/osv-scalibr/$eco"
    python3 - "$ROOT/hack/images/osv-db/$eco" "$d/opt/osv-db/osv-scalibr/$eco/all.zip" <<'PY'
import os, sys, zipfile
src, out = sys.argv[1], sys.argv[2]
with zipfile.ZipFile(out, 'w', zipfile.ZIP_DEFLATED) as z:
    for name in sorted(os.listdir(src)):
        if name.endswith('.json'):
            info = zipfile.ZipInfo(name, date_time=(2020, 1, 1, 0, 0, 0))
            info.compress_type = zipfile.ZIP_DEFLATED
            z.writestr(info, open(os.path.join(src, name), 'rb').read())
PY
  done
  chmod -R a+rX "$d/opt/osv-db"
  deterministic_tar "$d" "$out"
}
build_scan() {
  local out=$1 base osv
  echo "$SCAN_PACKAGES $RUNNER_USER" >"$WORK/pkgs"
  base=$(layer scan-rootfs "$WORK/pkgs" "$WORK/script" -- scan_rootfs)
  osv=$(layer osv "$(osv_scanner_bin)" "$ROOT/hack/images/osv-db" -- osv_layer)
  oci_archive scan dev "$out" "$base" "$osv" -- \
    --config.cmd bash --config.user 1000:1000 --config.workingdir /home/runner \
    --config.env HOME=/home/runner \
    --config.label "org.opencontainers.image.title=weft-scan" \
    --config.label "org.opencontainers.image.description=Weft security-scan Job template: git, git-secrets, bandit, osv-scanner with a vendored OSV database"
}
build_notebook() { template_image notebook "$NOTEBOOK_PACKAGES" "Weft notebook Job template: git, scikit-learn, nbconvert, ipykernel" "$1"; }

# The operator image: the Dockerfile's runtime stage, step for step (user 65532, /app, root-owned
# files, production node_modules only, exec-form entrypoint).
build_operator() {
  local out=$1
  local base node deps
  echo "$OPERATOR_PACKAGES $OPERATOR_USER" >"$WORK/pkgs"
  base=$(layer operator-rootfs "$WORK/pkgs" "$WORK/script" -- operator_rootfs)
  node=$(layer node "$(node_bin)" -- node_layer)
  deps=$(layer operator-deps "$ROOT/package.json" "$ROOT/package-lock.json" -- deps_layer)
  # The Dockerfile copies package*.json with node_modules and dist, bin, crds after them.
  app_layer operator "$WORK/app.tar" dist bin crds
  oci_archive operator dev "$out" "$base" "$node" "$deps" "$WORK/app.tar" -- \
    --config.entrypoint node --config.entrypoint /app/bin/weft.js --config.cmd operator \
    --config.user 65532:65532 --config.workingdir /app --config.env NODE_ENV=production \
    --config.exposedports 8080/tcp --config.exposedports 9443/tcp \
    --config.label org.opencontainers.image.title=weft-operator \
    --config.label org.opencontainers.image.licenses=Apache-2.0 \
    --config.label org.opencontainers.image.vendor=Weft
}

# app_layer IMAGE OUT.tar DIR...: our build output (the named top-level dirs) under /app
app_layer() {
  local image=$1 out=$2; shift 2
  [ -f "$ROOT/dist/src/cli/main.js" ] || die "dist/ is missing: run 'npm run build' before building the $image image"
  local d; d=$(mktemp -d "$WORK/app.XXXX")
  mkdir -p "$d/app"
  for dir in "$@"; do cp -a "$ROOT/$dir" "$d/app/"; done
  deterministic_tar "$d" "$out"
}

# The agent image: the runner's layers, the operator's production node_modules and our build
# (`node /app/bin/weft.js task-run` is what the AgentTask controller starts).
build_agent() {
  local out=$1
  local base node deps
  echo "$RUNNER_PACKAGES $RUNNER_USER" >"$WORK/pkgs"
  base=$(layer runner-rootfs "$WORK/pkgs" "$WORK/script" -- runner_rootfs)
  node=$(layer node "$(node_bin)" -- node_layer)
  deps=$(layer operator-deps "$ROOT/package.json" "$ROOT/package-lock.json" -- deps_layer)
  app_layer agent "$WORK/agent-app.tar" dist bin
  oci_archive agent dev "$out" "$base" "$node" "$deps" "$WORK/agent-app.tar" -- \
    --config.cmd node --config.cmd /app/bin/weft.js --config.cmd task-run \
    --config.user 1000:1000 --config.workingdir /workspace --config.env HOME=/home/runner --config.env NODE_ENV=production \
    --config.label org.opencontainers.image.title=weft-agent \
    --config.label org.opencontainers.image.description="Weft AgentTask pods: Node 24, git, python3, the weft runner"
}

CODE_SERVER_VERSION=4.139.1

# unset_npm_env: drops the npm_* variables an outer npm run (e.g. `npm test` under the system Node)
# exports, which an inner npm reads as its own config: npm_config_user_agent names the outer Node
# ("node/v20"), and code-server's postinstall takes its Node version from it, not from PATH.
unset_npm_env() {
  local v
  for v in $(compgen -e); do
    case "$v" in npm_*) unset "$v" ;; esac
  done
}

# code_server_layer OUT.tar: /opt/code-server with `npm i code-server@$CODE_SERVER_VERSION`. Its
# native modules (kerberos, node-pty, spdlog, sqlite3, …) compile with node-gyp against Debian's Node
# headers (npm_config_nodedir=/usr, the nodejs package: they are N-API modules and load under Node
# 24); code-server's postinstall needs Node 24 (it reads the version from npm_config_user_agent, so
# the outer npm's variables go: unset_npm_env). Needs
# build-essential, python3 and libkrb5-dev (hack/install-deps.sh). Cached by version and this script.
code_server_layer() {
  local d; d=$(mktemp -d "$WORK/code-server.XXXX")
  [ -f /usr/include/node/node_api.h ] || die "Node headers missing at /usr/include/node: apt-get install -y nodejs build-essential python3 libkrb5-dev (hack/install-deps.sh)"
  [ -f /usr/include/gssapi/gssapi.h ] || die "kerberos headers missing (gssapi/gssapi.h): apt-get install -y libkrb5-dev (hack/install-deps.sh)"
  mkdir -p "$d/opt/code-server"
  echo '{"name":"weft-code-server","private":true}' >"$d/opt/code-server/package.json"
  (cd "$d/opt/code-server" && unset_npm_env && PATH="$(dirname "$(node_bin)"):$PATH" npm_config_nodedir=/usr HOME="$d/home" \
    npm i --no-audit --no-fund --loglevel=error --omit=dev "code-server@$CODE_SERVER_VERSION" >&2) \
    || die "npm i code-server@$CODE_SERVER_VERSION failed (see above): it needs Node 24 ($(node_bin)), build-essential, python3 and libkrb5-dev"
  rm -rf "$d/home" "$d/opt/code-server/package-lock.json"
  # One entry point on PATH: `code-server` (what the AgentTask sidecar runs).
  mkdir -p "$d/usr/local/bin"
  ln -s /opt/code-server/node_modules/code-server/out/node/entry.js "$d/usr/local/bin/code-server"
  [ -f "$d/opt/code-server/node_modules/code-server/out/node/entry.js" ] || die "code-server's entry.js is missing after the install"
  chmod 0755 "$d/opt/code-server/node_modules/code-server/out/node/entry.js"
  deterministic_tar "$d" "$1"
}

build_code_server() {
  local out=$1 base node cs
  echo "$RUNNER_PACKAGES $RUNNER_USER" >"$WORK/pkgs"
  base=$(layer runner-rootfs "$WORK/pkgs" "$WORK/script" -- runner_rootfs)
  node=$(layer node "$(node_bin)" -- node_layer)
  echo "$CODE_SERVER_VERSION" >"$WORK/code-server-version"
  declare -f code_server_layer >>"$WORK/code-server-version"
  cs=$(layer code-server "$WORK/code-server-version" -- code_server_layer)
  oci_archive code-server dev "$out" "$base" "$node" "$cs" -- \
    --config.entrypoint code-server --config.user 1000:1000 --config.workingdir /workspace --config.env HOME=/home/runner \
    --config.label org.opencontainers.image.title=weft-code-server \
    --config.label org.opencontainers.image.version="$CODE_SERVER_VERSION" \
    --config.label org.opencontainers.image.description="code-server $CODE_SERVER_VERSION for AgentTask pods (spec.agent.codeServer): Node 24, git, python3"
}

key_for() {
  local self="$HERE/build.sh"
  case "$1" in
    pause) hash_inputs "$self" "$(pause_src)" ;;
    runner) echo "$RUNNER_PACKAGES $RUNNER_USER" >"$WORK/pkgs"; hash_inputs "$self" "$WORK/pkgs" "$(node_bin)" ;;
    docops) echo "$DOCOPS_PACKAGES $RUNNER_USER" >"$WORK/pkgs"; hash_inputs "$self" "$WORK/pkgs" ;;
    mlbatch) echo "$MLBATCH_PACKAGES $RUNNER_USER" >"$WORK/pkgs"; hash_inputs "$self" "$WORK/pkgs" ;;
    scan) echo "$SCAN_PACKAGES $RUNNER_USER" >"$WORK/pkgs"; hash_inputs "$self" "$WORK/pkgs" "$(osv_scanner_bin)" "$ROOT/hack/images/osv-db" ;;
    notebook) echo "$NOTEBOOK_PACKAGES $RUNNER_USER" >"$WORK/pkgs"; hash_inputs "$self" "$WORK/pkgs" ;;
    operator)
      echo "$OPERATOR_PACKAGES $OPERATOR_USER" >"$WORK/pkgs"
      hash_inputs "$self" "$WORK/pkgs" "$(node_bin)" "$ROOT/package.json" "$ROOT/package-lock.json" "$ROOT/dist" "$ROOT/bin" "$ROOT/crds" ;;
    agent)
      echo "$RUNNER_PACKAGES $RUNNER_USER" >"$WORK/pkgs"
      hash_inputs "$self" "$WORK/pkgs" "$(node_bin)" "$ROOT/package.json" "$ROOT/package-lock.json" "$ROOT/dist" "$ROOT/bin" ;;
    code-server)
      echo "$RUNNER_PACKAGES $RUNNER_USER $CODE_SERVER_VERSION" >"$WORK/pkgs"
      declare -f code_server_layer build_code_server oci_archive >>"$WORK/pkgs"
      hash_inputs "$WORK/pkgs" "$WORK/script" "$(node_bin)" ;;
  esac
}

ref_for() {
  case "$1" in
    pause) echo localhost/pause:weft ;;
    runner) echo localhost/weft-runner:dev ;;
    operator) echo localhost/weft-operator:dev ;;
    agent) echo localhost/weft-agent:dev ;;
    docops) echo localhost/weft-docops:dev ;;
    mlbatch) echo localhost/weft-mlbatch:dev ;;
    scan) echo localhost/weft-scan:dev ;;
    notebook) echo localhost/weft-notebook:dev ;;
    code-server) echo localhost/weft-code-server:dev ;;
    *) die "unknown image '$1' (known: pause runner operator docops mlbatch scan notebook agent code-server)" ;;
  esac
}

IMAGES=("$@")
[ ${#IMAGES[@]} -gt 0 ] || IMAGES=(pause runner)
for img in "${IMAGES[@]}"; do ref_for "$img" >/dev/null; done
need mmdebstrap umoci gcc strip tar sha256sum go
[ "$(id -u)" = 0 ] || die "building images needs root (mmdebstrap --mode=root chroots into the new root filesystem)"
mkdir -p "$OUT"
WORK=$(mktemp -d "$OUT/.work.XXXXXX")
trap 'rm -rf "$WORK"' EXIT
# What the root filesystem layers depend on in this script: the rootfs recipe, not the rest.
declare -f rootfs deterministic_tar >"$WORK/script"; echo "$SUITE" >>"$WORK/script"

for img in "${IMAGES[@]}"; do
  key=$(key_for "$img")
  out="$OUT/$img-$key.oci.tar"
  if [ -s "$out" ]; then
    log "$img: up to date ($out)"
  else
    start=$(date +%s)
    log "$img: building…"
    "build_${img//-/_}" "$out"
    # Older archives of the same image are superseded.
    find "$OUT" -maxdepth 1 -name "$img-*.oci.tar" ! -name "$(basename "$out")" -delete
    log "$img: built in $(( $(date +%s) - start ))s, $(du -h "$out" | cut -f1) ($out)"
  fi
  echo "$img $(ref_for "$img") $out"
done
