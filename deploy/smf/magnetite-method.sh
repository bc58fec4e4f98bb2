#!/bin/sh
# SMF method script for magnetite. Reads the config/ property group of the
# service instance and runs the daemon in the foreground (startd/duration is
# "child"). Exit codes follow smf(7): SMF_EXIT_ERR_CONFIG when the config file
# is invalid, so the instance goes to maintenance instead of restart-looping.
. /lib/svc/share/smf_include.sh

getprop() {
  svcprop -p "config/$1" "$SMF_FMRI" 2>/dev/null
}

CONFIG=$(getprop config_file)
STATE_DIR=$(getprop state_dir)
API=$(getprop api)
LOG_LEVEL=$(getprop log_level)
NODE=$(getprop node)
ROOT=/opt/magnetite

case "$1" in
start)
  mkdir -p "$STATE_DIR" || exit $SMF_EXIT_ERR_FATAL
  "$NODE" "$ROOT/bin/magnetite.js" config check "$CONFIG" || exit $SMF_EXIT_ERR_CONFIG
  # Node flags as in api/cli/node-flags.ts (why: see there).
  exec "$NODE" --initial-old-space-size=128 "$ROOT/bin/magnetite.js" daemon --config "$CONFIG" --state-dir "$STATE_DIR" \
    --api "$API" --log-level "$LOG_LEVEL"
  ;;
*)
  echo "usage: $0 start" >&2
  exit $SMF_EXIT_ERR_FATAL
  ;;
esac
