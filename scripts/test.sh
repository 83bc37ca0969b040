#!/usr/bin/env bash
# The whole test suite, from a fresh machine: installs mosquitto and the tools the tests run if
# needed, then format, lint, the Debian package check (build, install, use, remove), tests.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/ensure-mosquitto.sh
scripts/ensure-test-tools.sh
export PATH="$PATH:/usr/sbin"
cargo fmt --all -- --check
cargo clippy --all-targets -- -D warnings
scripts/deb-check.sh
cargo test --all-targets
