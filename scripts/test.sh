#!/usr/bin/env bash
# Sets up everything the tests need and runs every test: Rust unit and integration tests
# (the real relay binary, native offscreen golden images), the Python client's pytest suite,
# and the browser tests in headless Chromium (WebGPU and WebGL2).
set -euo pipefail
source "$(dirname "$0")/lib.sh"
cd "$ROOT"
start=$(date +%s)

setup_rust
setup_system
setup_trunk
setup_python
setup_node

# Tests that compare against numpy (pickle fixtures, the SMPL reference) use the venv's python3.
export PATH="$ROOT/.venv/bin:$PATH" MESHCAST_REQUIRE_PYTHON=1

failed=()
step() {
  local name=$1; shift
  log "$name"
  if "$@"; then log "$name: ok ($(( $(date +%s) - start ))s so far)"; else failed+=("$name"); log "$name: FAILED"; fi
}

step "cargo test" cargo test --workspace --locked
step "trunk build" build_viewer
step "trunk build (custom viewer example)" trunk build --release --config examples/custom-viewer/Trunk.toml
step "cargo build (binaries the browser tests run)" cargo build --locked -p meshcast-relay \
  -p meshcast-client --example two_way -p meshcast-custom-viewer --example custom_client
step "python client tests" .venv/bin/python -m pytest -q client/python/tests
step "aitviewer client tests" .venv/bin/python -m pytest -q tests/aitviewer
step "browser tests" npm --prefix tests/browser test

log "total $(( $(date +%s) - start ))s"
if [ ${#failed[@]} -gt 0 ]; then
  log "failed: ${failed[*]}"
  exit 1
fi
log "all test suites passed"
