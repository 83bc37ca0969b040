#!/usr/bin/env bash
# Installs the other programs the tests run, when they are missing: `openssl` (certificates made at
# test time, tests/tls_matrix.rs) and `microsocks` (a SOCKS5 server with user/password login,
# tests/proxy.rs). Both are Debian packages.
set -euo pipefail
missing=()
command -v openssl >/dev/null 2>&1 || missing+=(openssl)
command -v microsocks >/dev/null 2>&1 || missing+=(microsocks)
if [ "${#missing[@]}" -eq 0 ]; then
  exit 0
fi
if [ "$(id -u)" -eq 0 ]; then SUDO=""; else SUDO="sudo"; fi
$SUDO apt-get update
$SUDO env DEBIAN_FRONTEND=noninteractive apt-get install -y "${missing[@]}"
