#!/usr/bin/env bash
# The main job: build the browser viewer, start the relay serving it on http://127.0.0.1:8417/,
# and send a demo scene that uses every renderable kind. Ctrl-C stops everything.
set -euo pipefail
source "$(dirname "$0")/lib.sh"
cd "$ROOT"

PORT=${MESHCAST_PORT:-8417}
setup_rust
setup_trunk
build_viewer
log "cargo build --release (relay and demo client)"
cargo build --release -p meshcast-relay -p meshcast-client --example demo

pids=()
cleanup() { for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done; wait 2>/dev/null || true; }
trap cleanup EXIT INT TERM

target/release/meshcast-relay --port "$PORT" --dist dist "$@" &
pids+=($!)
for _ in $(seq 100); do
  curl -fsS "http://127.0.0.1:$PORT/healthz" >/dev/null 2>&1 && break
  sleep 0.1
done
target/release/examples/demo --port "$PORT" --loop &
pids+=($!)
log "meshcast is running: open http://127.0.0.1:$PORT/ in a browser (Ctrl-C to stop)"
wait -n "${pids[@]}"
