#!/usr/bin/env bash
# Installs the other programs the tests run, when they are missing (all Debian packages):
# - `openssl` (certificates made at test time, tests/tls_matrix.rs) and `microsocks` (a SOCKS5 server
#   with user/password login, tests/proxy.rs);
# - man and groff, bash's bash-completion, zsh and fish (the generated man pages and completions,
#   src/cli/generate/tests.rs), and dpkg-dev (the Debian package check, scripts/deb-check.sh).
set -euo pipefail
missing=()
command -v openssl >/dev/null 2>&1 || missing+=(openssl)
command -v microsocks >/dev/null 2>&1 || missing+=(microsocks)
command -v man >/dev/null 2>&1 || missing+=(man-db)
command -v groff >/dev/null 2>&1 || missing+=(groff-base)
[ -f /usr/share/bash-completion/bash_completion ] || missing+=(bash-completion)
command -v zsh >/dev/null 2>&1 || missing+=(zsh)
command -v fish >/dev/null 2>&1 || missing+=(fish)
command -v dpkg-shlibdeps >/dev/null 2>&1 || missing+=(dpkg-dev)
if [ "${#missing[@]}" -eq 0 ]; then
  exit 0
fi
if [ "$(id -u)" -eq 0 ]; then SUDO=""; else SUDO="sudo"; fi
$SUDO apt-get update
$SUDO env DEBIAN_FRONTEND=noninteractive apt-get install -y "${missing[@]}"
