#!/usr/bin/env bash
# The whole test suite, from a fresh machine: installs mosquitto (and microsocks, the SOCKS5 proxy of the
# WebSocket tests) if needed, builds the mosquitto 2.1.2 oracle once into target/oracle/ (the tests
# would build it on first use too; doing it here keeps the apt installs and the ~20 s build out of the
# tests' own time), then format, lint, tests.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/ensure-mosquitto.sh
if ! command -v microsocks >/dev/null 2>&1; then
  if [ "$(id -u)" -eq 0 ]; then SUDO=""; else SUDO="sudo"; fi
  $SUDO apt-get update -qq
  $SUDO env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq microsocks >/dev/null
fi
if [ -z "${RPUBSUB_MOSQUITTO_2_1:-}" ]; then
  bash ../shared/oracle/mosquitto-2.1.2/build.sh "${CARGO_TARGET_DIR:-target}/oracle/mosquitto-2.1.2" >/dev/null
fi
export PATH="$PATH:/usr/sbin"
cargo fmt --all -- --check
cargo clippy --all-targets -- -D warnings
cargo test --all-targets
