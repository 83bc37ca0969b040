#!/usr/bin/env bash
# The whole test suite, from a fresh machine: installs mosquitto if needed, then format, lint, tests.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/ensure-mosquitto.sh
export PATH="$PATH:/usr/sbin"
cargo fmt --all -- --check
cargo clippy --all-targets -- -D warnings
cargo test --all-targets
