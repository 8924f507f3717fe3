#!/usr/bin/env bash
# Waits; when stopped (its guard sends TERM once the owner dies, even by SIGKILL) it runs
# cleanup.sh in a new session, so that the guard's grace period cannot cut the teardown short and
# containers, shims and mounts never outlive a crashed test or CLI. After a normal stop, which ran
# cleanup.sh already, NODE_DIR/.cleaned makes this a no-op.
# Usage: janitor.sh NODE_DIR
dir=${1:?node dir}
here=$(cd "$(dirname "$0")" && pwd)
sleeper=
on_stop() {
  [ -n "$sleeper" ] && kill "$sleeper" 2>/dev/null
  if [ ! -e "$dir/.cleaned" ]; then
    setsid bash "$here/cleanup.sh" "$dir" </dev/null >>"$dir/cleanup.log" 2>&1 &
  fi
  exit 0
}
trap on_stop TERM INT HUP
while :; do
  sleep 3600 &
  sleeper=$!
  wait "$sleeper"
done
