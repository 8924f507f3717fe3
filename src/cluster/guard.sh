#!/usr/bin/env bash
# Runs a command and stops it when its owner process dies, so that a crashed or killed test or CLI
# never leaves etcd or kube-apiserver behind. Started by process.ts in its own process group.
# Usage: guard.sh OWNER_PID COMMAND [ARGS...]
owner=$1
shift
"$@" &
child=$!
# `kill -0` succeeds on a zombie: an exited child stays one until we wait for it, and a killed owner
# stays one where PID 1 does not reap orphans (some sandboxes and containers).
alive() { kill -0 "$1" 2>/dev/null && [ "$(cut -d' ' -f3 "/proc/$1/stat" 2>/dev/null)" != Z ]; }
running() { alive "$child"; }
stop_child() {
  kill -TERM "$child" 2>/dev/null
  for _ in $(seq 1 50); do running || break; sleep 0.1; done
  running && kill -KILL "$child" 2>/dev/null
  wait "$child" 2>/dev/null
}
trap 'stop_child; exit 143' TERM INT HUP
while alive "$owner"; do
  if ! kill -0 "$child" 2>/dev/null; then
    wait "$child"
    exit $?
  fi
  sleep 0.5 &
  wait $!
done
stop_child
exit 137
