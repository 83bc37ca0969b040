#!/usr/bin/env bash
# Runs the cargo-fuzz targets in fuzz/ (docs/fuzzing.md).
#
#   scripts/fuzz.sh                 # every target for 30 s (what CI runs)
#   scripts/fuzz.sh 600 client      # one target for 10 minutes
#   RUNS=10000000 scripts/fuzz.sh 0 decode   # a number of executions instead of a time
#
# libFuzzer's instrumentation (sanitizer coverage, AddressSanitizer) is switched on by unstable
# compiler options. A CI machine has only the stable toolchain and cannot fetch another, so the
# script builds with the machine's toolchain and RUSTC_BOOTSTRAP=1, which lets that compiler take
# them (the same compiler as every other build here; a nightly toolchain is used when FUZZ_TOOLCHAIN=nightly).
# cargo-fuzz is installed when missing. New inputs go to a scratch corpus (the committed seeds in
# fuzz/corpus/ stay small); a crash, timeout or out-of-memory stops the run with exit status 1 and
# leaves the input in fuzz/artifacts/TARGET/.
set -euo pipefail
cd "$(dirname "$0")/.."
seconds="${1:-30}"
shift || true
targets=("$@")
if [ ${#targets[@]} -eq 0 ]; then
  targets=(decode client format args lines jsonl)
fi
toolchain=()
if [ -n "${FUZZ_TOOLCHAIN:-}" ]; then
  toolchain=("+$FUZZ_TOOLCHAIN")
fi
export RUSTC_BOOTSTRAP=1
if ! cargo fuzz --version >/dev/null 2>&1; then
  cargo install cargo-fuzz --locked
fi
scratch="$(mktemp -d)"
trap 'rm -rf "$scratch"' EXIT
(cd fuzz && cargo "${toolchain[@]}" fuzz build -O) >&2
for target in "${targets[@]}"; do
  mkdir -p "$scratch/$target"
  limits=(-rss_limit_mb=2048 -timeout=10 -print_final_stats=1)
  if [ "${RUNS:-}" != "" ]; then
    limits+=("-runs=$RUNS")
  else
    limits+=("-max_total_time=$seconds")
  fi
  if [ "${RUNS:-}" != "" ]; then what="$RUNS runs"; else what="$seconds s"; fi
  echo "fuzz: $target ($what)" >&2
  (cd fuzz && cargo "${toolchain[@]}" fuzz run -O "$target" "$scratch/$target" "corpus/$target" -- "${limits[@]}") \
    2> "$scratch/$target.log" || {
      tail -40 "$scratch/$target.log" >&2
      echo "fuzz: $target FAILED (input in fuzz/artifacts/$target/)" >&2
      exit 1
    }
  grep -E "^stat::number_of_executed_units|^Done" "$scratch/$target.log" >&2 || true
done
