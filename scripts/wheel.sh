#!/usr/bin/env bash
# Builds the meshcast Python wheel for this platform into .whl/: the Python client plus the
# meshcast-relay binary and the built browser page, so that `pip install` of it needs no Rust
# toolchain (docs/python-wheel.md).
#
#   ./scripts/wheel.sh              build the page (trunk) and the relay (cargo --release), then the wheel
#   ./scripts/wheel.sh --reuse-page use dist/ as it is (test.sh has just built it)
#
# The relay build is cargo's incremental release build in the target folder cargo reports
# (CARGO_TARGET_DIR honoured): after ./scripts/run.sh it is already up to date. Prints the
# wheel's path on the last line.
set -euo pipefail
source "$(dirname "$0")/lib.sh"
cd "$ROOT"
start=$(date +%s)

reuse_page=0
for arg in "$@"; do
  case $arg in
    --reuse-page) reuse_page=1 ;;
    *) echo "unknown argument: $arg (see the top of $0)" >&2; exit 2 ;;
  esac
done

setup_rust
if [ "$reuse_page" = 1 ]; then
  [ -f "$ROOT/dist/index.html" ] || { echo "dist/index.html missing: run without --reuse-page" >&2; exit 1; }
else
  setup_trunk
  build_viewer
fi
CARGO_TARGET_DIR=$(cargo_target_dir)
export CARGO_TARGET_DIR

if ! python3 -m pip --version >/dev/null 2>&1; then
  apt_install python3-pip
fi
log "pip wheel client/python (the relay through setuptools-rust, the page from dist/)"
rm -rf "$ROOT/client/python/build/bundled" "$ROOT"/.whl/meshcast-*.whl
MESHCAST_BUNDLE=1 MESHCAST_DIST="$ROOT/dist" \
  python3 -m pip wheel --no-deps --quiet --wheel-dir "$ROOT/.whl" "$ROOT/client/python"
wheel=$(ls "$ROOT"/.whl/meshcast-*.whl)
log "wheel: $(du -h "$wheel" | cut -f1), built in $(( $(date +%s) - start )) s"
echo "$wheel"
