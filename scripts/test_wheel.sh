#!/usr/bin/env bash
# Tests the Python wheel as a Python user gets it: builds it (scripts/wheel.sh), installs it in a
# fresh venv, takes cargo off PATH, then runs the Python client's test suite against the installed
# package (MESHCAST_TEST_INSTALLED=1: its bundled relay, never the source tree) and the notebook
# browser test (tests/browser/notebook.test.mjs: a notebook starts the bundled relay and shows its
# page, which draws the scene in headless Chromium).
#
#   ./scripts/test_wheel.sh [--reuse-page]    (--reuse-page: dist/ is built already; see wheel.sh)
#
# Run by scripts/test.sh after the release relay and the page are built, so nothing is rebuilt.
set -euo pipefail
source "$(dirname "$0")/lib.sh"
cd "$ROOT"

wheel=$("$ROOT/scripts/wheel.sh" "$@" | tail -n 1)
setup_node

venv=$(mktemp -d -t meshcast-wheel-venv.XXXXXX)
trap 'rm -rf "$venv"' EXIT
log "fresh venv: pip install $(basename "$wheel") and the test tools"
python3 -m venv "$venv"
"$venv/bin/pip" install --quiet "$wheel" -r "$ROOT/client/python/requirements-test.txt"

# PATH without any folder that holds cargo (rustup's or the system's).
clean_path=()
IFS=: read -r -a dirs <<<"$PATH"
for d in "${dirs[@]}"; do
  [ -n "$d" ] && [ ! -e "$d/cargo" ] && clean_path+=("$d")
done
PATH=$(IFS=:; echo "${clean_path[*]}")
export PATH
if command -v cargo >/dev/null; then
  echo "cargo is still on PATH: $(command -v cargo)" >&2
  exit 1
fi
for tool in node npm; do
  command -v "$tool" >/dev/null || {
    echo "$tool shares a folder with cargo, which is off PATH for this test: install Rust through rustup" >&2
    exit 1
  }
done
unset MESHCAST_RELAY MESHCAST_RELAY_BIN
export MESHCAST_TEST_INSTALLED=1

log "the meshcast command and python -m meshcast.server answer --help"
"$venv/bin/meshcast" serve --help >/dev/null
"$venv/bin/python" -m meshcast.server --help | grep -q -- '--dist'

log "python client tests against the installed wheel (no cargo on PATH)"
"$venv/bin/python" -m pytest -q -rs -p no:cacheprovider "$ROOT/client/python/tests"

log "notebook browser test against the installed wheel (no cargo on PATH)"
MESHCAST_PYTHON="$venv/bin/python" npm --prefix "$ROOT/tests/browser" run test:wheel
