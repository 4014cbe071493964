#!/usr/bin/env bash
# Coverage-guided fuzzing of every decoder of untrusted bytes and of scene apply, with cargo-fuzz
# (libFuzzer) on stable Rust (--sanitizer none: coverage without a sanitizer).
#
#   scripts/fuzz.sh [SECONDS_PER_TARGET] [TARGET...]
#   FUZZ_RUNS=10000000 scripts/fuzz.sh 3600     # the long run: 10 million executions a target
#
# Default: 10 seconds for each target in fuzz/fuzz_targets/ (what CI runs). The corpus grows in
# fuzz/corpus/TARGET (seeded from fuzz/seeds/, protocol/schema/golden and pickle/tests/fixtures);
# a crash stops the run, is saved in fuzz/artifacts/TARGET/ and makes the script fail. Each target
# prints one line: "fuzz TARGET: N executions in S s, 0 crashes". See docs/fuzzing.md.
set -euo pipefail
source "$(dirname "$0")/lib.sh"

seconds=${1:-10}
shift || true
cd "$ROOT/fuzz"
targets=("$@")
if [ ${#targets[@]} -eq 0 ]; then
  mapfile -t targets < <(ls fuzz_targets | sed 's/\.rs$//')
fi

setup_cargo_fuzz
log "cargo fuzz build (${targets[*]})"
cargo fuzz build --sanitizer none -O >/dev/null 2>&1 || cargo fuzz build --sanitizer none -O
runs=()
[ -n "${FUZZ_RUNS:-}" ] && runs=("-runs=$FUZZ_RUNS")

for t in "${targets[@]}"; do
  mkdir -p "corpus/$t"
  case $t in
    envelope) extra=("$ROOT"/protocol/schema/golden/*.msgpack) ;;
    pickle) extra=("$ROOT"/pickle/tests/fixtures/*.pkl) ;;
    *) extra=() ;;
  esac
  for f in "${extra[@]}"; do
    [ -e "corpus/$t/$(basename "$f")" ] || cp "$f" "corpus/$t/"
  done
  seeds=()
  [ -d "seeds/$t" ] && seeds=("seeds/$t")
  out=$(mktemp)
  if ! cargo fuzz run --sanitizer none -O "$t" "corpus/$t" "${seeds[@]}" -- \
    -max_total_time="$seconds" "${runs[@]}" -max_len=16384 -rss_limit_mb=2048 -print_final_stats=1 >"$out" 2>&1; then
    tail -n 60 "$out" >&2
    echo "fuzz $t: CRASH (input saved in fuzz/artifacts/$t/)" >&2
    rm -f "$out"
    exit 1
  fi
  execs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$out")
  rate=$(sed -n 's/^stat::average_exec_per_sec: *//p' "$out")
  echo "fuzz $t: ${execs:-0} executions (${rate:-0}/s), 0 crashes"
  rm -f "$out"
done
