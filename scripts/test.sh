#!/usr/bin/env bash
# The whole test suite, from a fresh machine: installs mosquitto, openssl, microsocks and the tools
# the generated man pages and completions are checked with (man, bash-completion, zsh, fish) if
# needed, builds the mosquitto 2.1.2 oracle once into target/oracle/ (the tests would build it on
# first use too; doing it here keeps the apt installs and the ~20 s build out of the tests' own time),
# then format, lint, the Debian package check (build, install, use, remove), tests, and every fuzz
# target for 30 s (scripts/fuzz.sh, docs/fuzzing.md).
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/ensure-mosquitto.sh
scripts/ensure-test-tools.sh
if [ -z "${RPUBSUB_MOSQUITTO_2_1:-}" ]; then
  bash ../shared/oracle/mosquitto-2.1.2/build.sh "${CARGO_TARGET_DIR:-target}/oracle/mosquitto-2.1.2" >/dev/null
fi
export PATH="$PATH:/usr/sbin"
cargo fmt --all -- --check
cargo clippy --all-targets -- -D warnings
scripts/deb-check.sh
cargo test --all-targets
scripts/fuzz.sh 30
