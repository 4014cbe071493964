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
LOG=$(mktemp)
trap 'rm -f "$LOG"' EXIT
step() {
  local name=$1; shift
  log "$name"
  if "$@" 2>&1 | tee -a "$LOG"; then log "$name: ok ($(( $(date +%s) - start ))s so far)"; else failed+=("$name"); log "$name: FAILED"; fi
}

# Adds up the counts the runners printed: cargo ("test result: ok. N passed; M failed"), pytest
# ("N passed", "M failed") and node ("# pass N", "# fail M").
count() {
  local what=$1
  {
    grep -oE "test result: [a-z]+\. [0-9]+ passed; [0-9]+ failed" "$LOG" |
      awk -v w="$what" '{ print (w == "passed" ? $4 : $6) }'
    grep -E "^=*.* in [0-9.]+s.*=*$" "$LOG" | grep -oE "[0-9]+ $what" | awk '{ print $1 }'
    grep -oE "^# $( [ "$what" = passed ] && echo pass || echo fail ) [0-9]+" "$LOG" | awk '{ print $3 }'
  } | awk '{ s += $1 } END { print s + 0 }'
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
echo "tests: $(count passed) passed, $(count failed) failed"
if [ ${#failed[@]} -gt 0 ]; then
  log "failed: ${failed[*]}"
  exit 1
fi
log "all test suites passed"
