#!/usr/bin/env bash
# Sets up everything the tests need and runs every test: formatting and lints (native and
# wasm32), Rust unit and integration tests (the real relay binary, native offscreen golden
# images), the Python client's pytest suite, the browser tests in headless Chromium (WebGPU and
# WebGL2), the README's main command (./scripts/run.sh) and `trunk serve` as a user runs them,
# the Python wheel as a Python user installs it (scripts/test_wheel.sh), and a short
# coverage-guided fuzz of every decoder (scripts/fuzz.sh).
# Skipped tests fail the run unless tests/skips-allowed.txt lists them.
set -euo pipefail
source "$(dirname "$0")/lib.sh"
cd "$ROOT"
start=$(date +%s)

setup_rust
setup_system
setup_trunk
setup_python
setup_node

# Every step (and the tests that look for built binaries) uses the target folder cargo reports.
CARGO_TARGET_DIR=$(cargo_target_dir)
export CARGO_TARGET_DIR
# Tests that compare against numpy (pickle fixtures, the SMPL reference) use the venv's python3.
export PATH="$ROOT/.venv/bin:$PATH" MESHCAST_REQUIRE_PYTHON=1
# Everything runs here: these switches are for developers' partial runs, never for this command.
unset MESHCAST_SKIP_GPU_TESTS MESHCAST_SKIP_PYTHON

failed=()
LOG=$(mktemp)
trap 'rm -f "$LOG"' EXIT
step() {
  local name=$1; shift
  log "$name"
  if "$@" 2>&1 | tee -a "$LOG"; then log "$name: ok ($(( $(date +%s) - start ))s so far)"; else failed+=("$name"); log "$name: FAILED"; fi
}

# Adds up the counts the runners printed: cargo ("test result: ok. N passed; M failed; K
# ignored"), pytest ("N passed", "M failed", "K skipped") and node ("# pass N", "# fail M",
# "# skipped K").
count() {
  local what=$1 field node
  case $what in
    passed) field=4 node=pass ;;
    failed) field=6 node=fail ;;
    skipped) field=8 node=skipped ;;
  esac
  {
    grep -oE "test result: [a-z]+\. [0-9]+ passed; [0-9]+ failed; [0-9]+ ignored" "$LOG" | awk -v f="$field" '{ print $f }'
    grep -E "^=*.* in [0-9.]+s.*=*$" "$LOG" | grep -oE "[0-9]+ $what" | awk '{ print $1 }'
    grep -oE "^# $node [0-9]+" "$LOG" | awk '{ print $3 }'
  } | awk '{ s += $1 } END { print s + 0 }'
}

# Every skipped test, one line each: cargo's ignored tests, pytest's -rs report, node's # SKIP.
skipped_tests() {
  grep -E "^test .* \.\.\. ignored" "$LOG" || true
  grep -E "^SKIPPED \[" "$LOG" || true
  grep -E "^ *ok [0-9]+ - .* # SKIP" "$LOG" | sed -E 's/^ +//' || true
}

# Fails (returns 1) for each skipped test that tests/skips-allowed.txt does not list.
check_skips() {
  local allowed=() line bad=0 pattern ok
  while IFS= read -r line; do
    line=${line%%#*}
    line=$(printf '%s' "$line" | sed -E 's/^[[:space:]]+|[[:space:]]+$//g')
    [ -n "$line" ] && allowed+=("$line")
  done <"$ROOT/tests/skips-allowed.txt"
  while IFS= read -r line; do
    [ -z "$line" ] && continue
    ok=0
    for pattern in "${allowed[@]}"; do
      case $line in *"$pattern"*) ok=1 ;; esac
    done
    if [ "$ok" = 0 ]; then
      printf 'skipped, and not on tests/skips-allowed.txt: %s\n' "$line"
      bad=1
    fi
  done < <(skipped_tests)
  return "$bad"
}

step "cargo fmt --check" cargo fmt --all --check
step "cargo test" cargo test --workspace --locked
step "trunk build" build_viewer
step "trunk build (custom viewer example)" trunk build --release --config examples/custom-viewer/Trunk.toml
step "cargo build (binaries the browser tests run)" cargo build --locked -p meshcast-relay -p meshcast-render \
  -p meshcast-client --example two_way --example demo -p meshcast-custom-viewer --example custom_client
step "python client tests" .venv/bin/python -m pytest -q -rs client/python/tests
step "aitviewer client tests" .venv/bin/python -m pytest -q -rs tests/aitviewer
step "browser tests" npm --prefix tests/browser test
step "main command and trunk serve" npm --prefix tests/browser run test:commands
# After run.sh (in the step above) built the release relay: the wheel reuses it and dist/.
step "python wheel (installed in a fresh venv, no cargo)" ./scripts/test_wheel.sh --reuse-page
step "fuzz (10 s a target)" scripts/fuzz.sh 10
step "cargo clippy" cargo clippy --workspace --all-targets --locked -- -D warnings
step "cargo clippy (wasm32)" cargo clippy --locked --target wasm32-unknown-unknown \
  -p meshcast-viewer -p meshcast-custom-viewer -- -D warnings
# The page's two builds, each with one backend feature of meshcast-viewer (checked on their own,
# since features unify within one cargo run): WebGPU only, and WebGL2 only (as index.html builds it).
step "cargo clippy (wasm32, WebGPU only)" cargo clippy --locked --target wasm32-unknown-unknown \
  -p meshcast-viewer-webgpu -- -D warnings
step "cargo clippy (wasm32, WebGL2 only)" cargo clippy --locked --target wasm32-unknown-unknown \
  -p meshcast-viewer --no-default-features --features default-start,webgl -- -D warnings
step "skipped tests" check_skips

log "total $(( $(date +%s) - start ))s"
echo "tests: $(count passed) passed, $(count failed) failed, $(count skipped) skipped"
if [ ${#failed[@]} -gt 0 ]; then
  log "failed: ${failed[*]}"
  exit 1
fi
log "all test suites passed"
