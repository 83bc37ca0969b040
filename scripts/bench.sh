#!/usr/bin/env bash
# Benchmark rpub/rsub against mosquitto_pub/mosquitto_sub 2.0.11, side by side (issue 7).
#
#   scripts/bench.sh                 # full run (about 4 minutes on 2 cores): Markdown table on stdout
#   scripts/bench.sh --quick         # 3 pairs per scenario (1 for the 1,000,000-line one), about 1 minute
#   scripts/bench.sh --pairs 30      # pairs per scenario (the 1,000,000-line scenario keeps its 2)
#   scripts/bench.sh --only 'drain'  # only the scenarios whose key matches a regex
#   scripts/bench.sh --json out.json # where the machine-readable summary goes (default: printed temp path)
#
# Installs mosquitto when missing, builds the release binaries (cargo's target dir: target/, or
# $CARGO_TARGET_DIR), starts a private broker on a free loopback port and stops it on exit. Progress
# goes to stderr. Exit status 1 when one of our tools fails a scenario's output check.
# The measuring itself is scripts/bench.py (python3, standard library only; see its docstring).
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/ensure-mosquitto.sh >&2
export PATH="$PATH:/usr/sbin"
for tool in python3 cc seq; do
  command -v "$tool" >/dev/null 2>&1 || { echo "bench: needs $tool" >&2; exit 1; }
done
cargo build --release --quiet >&2
# mosquitto 2.1.2 (broker with WebSocket listeners, mosquitto_pub 2.1.2) for the ws:// scenarios; once.
if [ -x ../shared/oracle/mosquitto-2.1.2/build.sh ] || [ -f ../shared/oracle/mosquitto-2.1.2/build.sh ]; then
  bash ../shared/oracle/mosquitto-2.1.2/build.sh "${CARGO_TARGET_DIR:-target}/oracle/mosquitto-2.1.2" >&2 \
    || echo "bench: mosquitto 2.1.2 could not be built; the WebSocket scenarios are skipped" >&2
fi
exec python3 scripts/bench.py --bin-dir "${CARGO_TARGET_DIR:-target}/release" \
  --oracle21 "${CARGO_TARGET_DIR:-target}/oracle/mosquitto-2.1.2" "$@"
