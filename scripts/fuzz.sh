#!/usr/bin/env bash
# Runs the cargo-fuzz targets in fuzz/ (docs/fuzzing.md).
#
#   scripts/fuzz.sh                 # every target for 30 s (what CI runs)
#   scripts/fuzz.sh 600 client      # one target for 10 minutes
#   RUNS=10000000 scripts/fuzz.sh 0 decode   # a number of executions instead of a time
#
# Needs the nightly toolchain (libFuzzer's instrumentation); installs cargo-fuzz when missing. New
# inputs go to a scratch corpus (the committed seeds in fuzz/corpus/ stay small); a crash, timeout
# or out-of-memory stops the run with exit status 1 and leaves the input in fuzz/artifacts/TARGET/.
set -euo pipefail
cd "$(dirname "$0")/.."
seconds="${1:-30}"
shift || true
targets=("$@")
if [ ${#targets[@]} -eq 0 ]; then
  targets=(decode client format args lines)
fi
if ! rustup run nightly rustc --version >/dev/null 2>&1; then
  echo "fuzz: the nightly toolchain is missing (rustup toolchain install nightly)" >&2
  exit 1
fi
if ! cargo fuzz --version >/dev/null 2>&1; then
  cargo install cargo-fuzz --locked
fi
scratch="$(mktemp -d)"
trap 'rm -rf "$scratch"' EXIT
(cd fuzz && cargo +nightly fuzz build -O) >&2
for target in "${targets[@]}"; do
  mkdir -p "$scratch/$target"
  limits=(-rss_limit_mb=2048 -timeout=10 -print_final_stats=1)
  if [ "${RUNS:-}" != "" ]; then
    limits+=("-runs=$RUNS")
  else
    limits+=("-max_total_time=$seconds")
  fi
  echo "fuzz: $target (${RUNS:+$RUNS runs}${RUNS:-${seconds} s})" >&2
  (cd fuzz && cargo +nightly fuzz run -O "$target" "$scratch/$target" "corpus/$target" -- "${limits[@]}") \
    2> "$scratch/$target.log" || {
      tail -40 "$scratch/$target.log" >&2
      echo "fuzz: $target FAILED (input in fuzz/artifacts/$target/)" >&2
      exit 1
    }
  grep -E "^stat::number_of_executed_units|^Done" "$scratch/$target.log" >&2 || true
done
