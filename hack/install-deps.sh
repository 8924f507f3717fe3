#!/usr/bin/env bash
# Installs what the tests need outside npm, on a fresh Debian machine: Debian packages (when missing,
# with apt-get, as root) and a check that Go is there for hack/build-tools.sh. Idempotent and quiet
# when everything is present. Run by `npm test` and `.ci/run`.
set -euo pipefail

log() { printf '[install-deps] %s\n' "$*" >&2; }

# procps: ps/pgrep for the no-leftover-process tests; git: the generated-files drift check;
# ca-certificates, curl: fetching Go modules and the quickstart; chromium: the dashboard's browser
# tests (playwright-core drives /usr/bin/chromium).
PACKAGES=(procps git ca-certificates curl chromium)
# The real node (docs/real-node.md): containerd 1.6 + runc + CNI plugins from Debian, iproute2 for its
# bridge, and what hack/images/build.sh builds images with (no container engine, no registry):
# mmdebstrap for Debian root filesystems, umoci for OCI layouts, gcc + libc6-dev for the static pause.
PACKAGES+=(containerd runc containernetworking-plugins iproute2 util-linux mmdebstrap umoci gcc libc6-dev binutils tar)
# The code-server image (hack/images/build.sh code-server): node-gyp compiles code-server's native
# modules against the host's Node headers in /usr/include/node (the nodejs package here, libnode-dev
# on stock Debian: build.sh says which when they are missing); kerberos needs libkrb5-dev.
PACKAGES+=(build-essential python3 libkrb5-dev)

missing=()
for p in "${PACKAGES[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
  if [ "$(id -u)" != 0 ] && ! command -v sudo >/dev/null; then
    log "missing Debian packages: ${missing[*]}; install them with: apt-get install -y ${missing[*]}"
    exit 1
  fi
  SUDO=$([ "$(id -u)" = 0 ] || echo sudo)
  log "installing Debian packages: ${missing[*]}"
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi

if ! command -v go >/dev/null; then
  log "Go is not installed: the real kube-apiserver, etcd and kwok are built from their Go modules."
  log "Install Go >= 1.26 (e.g. 'apt-get install golang-1.26' or https://go.dev/doc/install) and re-run."
  exit 1
fi

if ! command -v cargo >/dev/null && [ ! -x "$HOME/.cargo/bin/cargo" ]; then
  log "Rust (cargo) is not installed: Radicle (rad, radicle-node, git-remote-rad) is built with cargo install."
  log "Install Rust >= 1.88 (https://rustup.rs, or 'apt-get install cargo' where Debian's is new enough) and re-run."
  exit 1
fi
