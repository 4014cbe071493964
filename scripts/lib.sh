# shellcheck shell=bash
# Setup steps shared by run.sh and test.sh. Each installs a tool only when the right version is
# missing, so a second run is fast. Works on a fresh Debian machine with Rust via rustup.

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
export PATH="$HOME/.cargo/bin:$PATH"

log() { printf '\033[1;34m==>\033[0m %s\n' "$*" >&2; }

# The exact wasm-bindgen version in Cargo.lock (trunk's wasm-bindgen must match it).
wasm_bindgen_version() {
  awk '/^name = "wasm-bindgen"$/ {getline; gsub(/version = |"/, ""); print; exit}' "$ROOT/Cargo.lock"
}

setup_rust() {
  if ! rustup target list --installed | grep -qx wasm32-unknown-unknown; then
    log "rustup target add wasm32-unknown-unknown"
    rustup target add wasm32-unknown-unknown
  fi
  (cd "$ROOT" && cargo fetch --locked >/dev/null 2>&1 || cargo fetch)
}

# Build tools quickly: they need no LTO or full optimisation (halves their build time on 2 cores).
tool_install() {
  CARGO_PROFILE_RELEASE_LTO=off CARGO_PROFILE_RELEASE_OPT_LEVEL=1 CARGO_PROFILE_RELEASE_CODEGEN_UNITS=16 \
    CARGO_PROFILE_RELEASE_DEBUG=0 CARGO_PROFILE_RELEASE_STRIP=true cargo install "$@"
}

setup_trunk() {
  if ! trunk --version 2>/dev/null | grep -q '^trunk 0\.21\.'; then
    log "cargo install trunk 0.21 (a few minutes)"
    tool_install trunk --version '~0.21' --locked
  fi
  local want; want=$(wasm_bindgen_version)
  if [ "$(wasm-bindgen --version 2>/dev/null | awk '{print $2}')" != "$want" ]; then
    log "cargo install wasm-bindgen-cli $want (a few minutes)"
    # Not --locked: a locked dependency of wasm-bindgen-cli is missing from the registry.
    tool_install wasm-bindgen-cli --version "$want"
  fi
}

# cargo-fuzz for scripts/fuzz.sh (libFuzzer; runs on stable Rust with --sanitizer none).
setup_cargo_fuzz() {
  if ! cargo fuzz --version 2>/dev/null | grep -q '^cargo-fuzz 0\.13\.'; then
    log "cargo install cargo-fuzz 0.13 (a few minutes)"
    tool_install cargo-fuzz --version '~0.13' --locked
  fi
}

# Where cargo puts build outputs, as cargo itself says (CARGO_TARGET_DIR, build.target-dir, or
# target/ in the workspace).
cargo_target_dir() {
  (cd "$ROOT" && cargo metadata --format-version 1 --no-deps --offline 2>/dev/null || cargo metadata --format-version 1 --no-deps) |
    sed -n 's/.*"target_directory":"\([^"]*\)".*/\1/p'
}

apt_install() {
  local missing=()
  for p in "$@"; do dpkg -s "$p" >/dev/null 2>&1 || missing+=("$p"); done
  [ ${#missing[@]} -eq 0 ] && return 0
  log "apt-get install ${missing[*]}"
  local sudo=""; [ "$(id -u)" -ne 0 ] && sudo=sudo
  $sudo apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq "${missing[@]}" >/dev/null
}

# Headless Chromium for the browser tests; Mesa's software Vulkan/GL for native offscreen rendering;
# ffmpeg for meshcast-render's videos and for decoding the videos the tests make (ffprobe);
# nats-server (JetStream) for the relays federated over NATS (relay/tests/nats.rs).
setup_system() {
  apt_install chromium mesa-vulkan-drivers libvulkan1 libegl1 libgl1 python3-venv openssl curl ffmpeg nats-server
}

setup_python() {
  if [ ! -x "$ROOT/.venv/bin/python" ]; then
    log "python venv in .venv"
    python3 -m venv "$ROOT/.venv"
  fi
  if ! "$ROOT/.venv/bin/python" -c 'import numpy, msgpack, websockets, pytest, meshcast, aitviewer.remote, IPython, nbclient, PIL' 2>/dev/null; then
    log "pip install the Python client, the real aitviewer client and the test tools"
    "$ROOT/.venv/bin/pip" install -q --upgrade pip
    "$ROOT/.venv/bin/pip" install -q -r "$ROOT/client/python/requirements-test.txt"
    "$ROOT/.venv/bin/pip" install -q -e "$ROOT/client/python"
    "$ROOT/.venv/bin/pip" install -q --no-deps -r "$ROOT/tests/aitviewer/requirements.txt"
  fi
}

setup_node() {
  if [ ! -d "$ROOT/tests/browser/node_modules/playwright-core" ]; then
    log "npm ci in tests/browser"
    (cd "$ROOT/tests/browser" && npm ci --no-audit --no-fund --loglevel=error)
  fi
}

build_viewer() {
  log "trunk build --release (the browser viewer into dist/)"
  (cd "$ROOT" && trunk build --release)
}
