#!/usr/bin/env bash
# The whole test suite, from a fresh machine: installs mosquitto, openssl and microsocks if needed,
# then format, lint, tests.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/ensure-mosquitto.sh
scripts/ensure-test-tools.sh
export PATH="$PATH:/usr/sbin"
cargo fmt --all -- --check
cargo clippy --all-targets -- -D warnings
cargo test --all-targets
