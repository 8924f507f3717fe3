#!/usr/bin/env bash
# Tears down one real node completely and idempotently: the kubelet, every container (by the node's
# cgroup tree), the containerd shims, containerd, every mount under the node dir, the node's
# cgroups, its bridge and blackhole route, and libcni's cache entries for its network.
# Run by RealNode.stop() and, when the owner dies without stopping it, by janitor.sh.
# Usage: cleanup.sh NODE_DIR      (reads NODE_DIR/node.env, written at start)
set -uo pipefail
dir=${1:?node dir}
[ -f "$dir/node.env" ] || exit 0
# shellcheck source=/dev/null
source "$dir/node.env"   # NODE_DIR SOCKET CGROUP BRIDGE SERVICE_CIDR NETWORK

log() { printf '%s cleanup: %s\n' "$(date -u +%FT%TZ)" "$*"; }
alive() { [ -e "/proc/$1" ] && [ "$(cut -d' ' -f3 "/proc/$1/stat" 2>/dev/null)" != Z ]; }
# pids of live processes whose command line contains $1
pids_mentioning() {
  local p cmd
  for p in /proc/[0-9]*; do
    p=${p#/proc/}
    [ "$p" = $$ ] && continue
    cmd=$( { tr '\0' ' ' <"/proc/$p/cmdline"; } 2>/dev/null) || continue
    case "$cmd" in *"$1"*) alive "$p" && echo "$p" ;; esac
  done
}
# stop PIDS...: TERM, up to 5 s, then KILL
stop_pids() {
  [ $# -gt 0 ] || return 0
  kill -TERM "$@" 2>/dev/null
  for _ in $(seq 1 50); do
    local any=0 p
    for p in "$@"; do alive "$p" && any=1; done
    [ $any = 0 ] && return 0
    sleep 0.1
  done
  kill -KILL "$@" 2>/dev/null
}
# every v1 hierarchy and the unified one
hierarchies() { awk '$3 == "cgroup" || $3 == "cgroup2" { print $2 }' /proc/self/mounts; }
cgroup_pids() {
  local h
  for h in $(hierarchies); do
    [ -d "$h$CGROUP" ] && find "$h$CGROUP" -name cgroup.procs -exec cat {} + 2>/dev/null
  done | sort -u
}

# 1. The kubelet first, so that it restarts nothing.
mapfile -t kubelets < <(pids_mentioning "--config=$NODE_DIR/kubelet.yaml")
[ ${#kubelets[@]} -gt 0 ] && log "stopping kubelet ${kubelets[*]}" && stop_pids "${kubelets[@]}"

# 2. Every process in the node's cgroups: the pods' containers and pause processes.
for _ in $(seq 1 50); do
  mapfile -t procs < <(for p in $(cgroup_pids); do alive "$p" && echo "$p"; done)
  [ ${#procs[@]} -eq 0 ] && break
  log "killing ${#procs[@]} container process(es)"
  kill -KILL "${procs[@]}" 2>/dev/null
  sleep 0.1
done

# 3. The shims (they outlive containerd by design), then containerd.
mapfile -t shims < <(pids_mentioning "-address $SOCKET")
[ ${#shims[@]} -gt 0 ] && log "killing shims ${shims[*]}" && kill -KILL "${shims[@]}" 2>/dev/null
mapfile -t ctrd < <(pids_mentioning "--config $NODE_DIR/containerd/config.toml")
[ ${#ctrd[@]} -gt 0 ] && log "stopping containerd ${ctrd[*]}" && stop_pids "${ctrd[@]}"

# 4. Mounts under the node dir (overlay rootfs, shm, netns, kubelet volumes), deepest first.
for _ in 1 2 3; do
  mapfile -t mounts < <(awk -v d="$NODE_DIR/" 'index($5, d) == 1 { print $5 }' /proc/self/mountinfo | sort -r)
  [ ${#mounts[@]} -eq 0 ] && break
  log "unmounting ${#mounts[@]} mount(s)"
  for m in "${mounts[@]}"; do
    m=$(printf '%b' "$m")   # mountinfo escapes spaces as \040
    umount "$m" 2>/dev/null || umount -l "$m" 2>/dev/null
  done
done

# 5. The node's cgroups, leaves first.
for h in $(hierarchies); do
  [ -d "$h$CGROUP" ] && find "$h$CGROUP" -depth -type d -exec rmdir {} \; 2>/dev/null
done

# 6. Network: the bridge (its addresses and routes go with it), the blackhole route, libcni's cache.
ip link del "$BRIDGE" 2>/dev/null && log "deleted bridge $BRIDGE"
ip route del blackhole "$SERVICE_CIDR" 2>/dev/null
rm -f /var/lib/cni/results/"$NETWORK"-* 2>/dev/null

# What is left, for the log (and the caller's exit status).
left=$(
  pids_mentioning "$NODE_DIR" | while read -r p; do
    grep -qE 'cleanup\.sh|janitor\.sh' "/proc/$p/cmdline" 2>/dev/null || echo "pid $p"
  done
  cgroup_pids | while read -r p; do alive "$p" && echo "cgroup pid $p"; done
  awk -v d="$NODE_DIR/" 'index($5, d) == 1 { print "mount " $5 }' /proc/self/mountinfo
)
if [ -n "$left" ]; then
  log "left behind: $left"
  exit 1
fi
touch "$NODE_DIR/.cleaned"
log "done"
