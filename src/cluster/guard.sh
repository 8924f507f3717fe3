#!/usr/bin/env bash
# Runs a command and stops it when its owner process dies, so that a crashed or killed test or CLI
# never leaves etcd or kube-apiserver behind. Started by process.ts in its own process group.
# Usage: guard.sh OWNER_PID COMMAND [ARGS...]
owner=$1
shift
"$@" &
child=$!
stop_child() {
  kill -TERM "$child" 2>/dev/null
  for _ in $(seq 1 100); do kill -0 "$child" 2>/dev/null || return 0; sleep 0.1; done
  kill -KILL "$child" 2>/dev/null
}
trap 'stop_child; exit 143' TERM INT HUP
while kill -0 "$owner" 2>/dev/null; do
  if ! kill -0 "$child" 2>/dev/null; then
    wait "$child"
    exit $?
  fi
  sleep 0.5 &
  wait $!
done
stop_child
exit 137
