#!/usr/bin/env bash
# The main job: build the browser viewer, the relay and the demo client, start the relay serving
# the viewer on http://127.0.0.1:8417/ and send it a demo scene that uses every renderable kind.
#
#   ./scripts/run.sh [RELAY FLAGS...]      e.g. --port 9000, --lan, --smpl-models DIR
#
# MESHCAST_PORT sets the port (like --port). Ctrl-C or SIGTERM stops everything it started.
set -euo pipefail
source "$(dirname "$0")/lib.sh"
cd "$ROOT"

# --port (or MESHCAST_PORT) and --bind decide where the relay answers; the other flags go to the
# relay as they are.
PORT=${MESHCAST_PORT:-8417}
HOST=127.0.0.1
SCHEME=http
relay_args=()
while [ $# -gt 0 ]; do
  case $1 in
    --port) PORT=${2:?--port needs a value}; shift 2 ;;
    --port=*) PORT=${1#--port=}; shift ;;
    --bind) HOST=${2:?--bind needs a value}; relay_args+=("$1" "$2"); shift 2 ;;
    --bind=*) HOST=${1#--bind=}; relay_args+=("$1"); shift ;;
    --tls-cert|--tls-cert=*) SCHEME=https; relay_args+=("$1"); shift ;;
    *) relay_args+=("$1"); shift ;;
  esac
done
case $HOST in
  0.0.0.0|::|'[::]') HOST=127.0.0.1 ;;
  *:*) HOST="[$HOST]" ;;
esac
URL="$SCHEME://$HOST:$PORT/"

command -v curl >/dev/null || apt_install curl
setup_rust
setup_trunk
build_viewer
log "cargo build --release (meshcast-relay and the demo client)"
cargo build --release --locked -p meshcast-relay --bin meshcast-relay
cargo build --release --locked -p meshcast-client --example demo
BIN=$(cargo_target_dir)/release
RELAY_LOG=$(mktemp -t meshcast-relay.XXXXXX.log)

pids=()
stopping=0
# Stops what this script started (relay and demo), waits for them, removes the log.
cleanup() {
  [ "$stopping" = 1 ] && return
  stopping=1
  for p in "${pids[@]}"; do kill -TERM "$p" 2>/dev/null || true; done
  for p in "${pids[@]}"; do wait "$p" 2>/dev/null || true; done
  rm -f "$RELAY_LOG"
}
trap cleanup EXIT
trap 'log "stopping"; exit 130' INT
trap 'log "stopping"; exit 143' TERM

"$BIN/meshcast-relay" --port "$PORT" --dist "$ROOT/dist" "${relay_args[@]}" >"$RELAY_LOG" 2>&1 &
pids+=($!)
relay_pid=$!
# Waits up to 30 s for this relay to listen (its own log says so: another program answering on
# the port does not count) and to answer /healthz; its log explains a failure.
for _ in $(seq 300); do
  kill -0 "$relay_pid" 2>/dev/null || break
  grep -q "^meshcast relay:" "$RELAY_LOG" && curl -fsSk "${URL}healthz" >/dev/null 2>&1 && break
  sleep 0.1
done
if ! kill -0 "$relay_pid" 2>/dev/null || ! grep -q "^meshcast relay:" "$RELAY_LOG" ||
  ! curl -fsSk "${URL}healthz" >/dev/null 2>&1; then
  printf '\033[1;31merror:\033[0m meshcast-relay does not answer at %shealthz. Its log:\n' "$URL" >&2
  cat "$RELAY_LOG" >&2
  exit 1
fi
# What the relay logged so far, then (from the next line on) its log as it grows; counted once,
# so that no line written in between is shown twice or lost.
shown=$(wc -l <"$RELAY_LOG")
head -n "$shown" "$RELAY_LOG"
tail -n +"$((shown + 1))" -f "$RELAY_LOG" --pid="$relay_pid" &
pids+=($!)

"$BIN/examples/demo" --port "$PORT" --loop &
pids+=($!)
# The page starts paused, as aitviewer does; ?play starts the demo's animation.
log "meshcast is running: open ${URL}?play in a browser (Ctrl-C to stop)"
set +e
wait -n "$relay_pid" "${pids[2]}"
status=$?
kill -0 "$relay_pid" 2>/dev/null || { log "meshcast-relay exited ($status)"; tail -n 20 "$RELAY_LOG" >&2; }
exit "$status"
