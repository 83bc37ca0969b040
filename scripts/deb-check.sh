#!/usr/bin/env bash
# The Debian package, checked the way a system administrator uses it (scripts/test.sh runs this):
# build it (scripts/deb.sh), install it with dpkg beside mosquitto-clients, then check
#   - rpub --version, man -w rpub, the completions' files;
#   - a publish through the compat name: PATH=/usr/lib/rpubsub/compat:$PATH mosquitto_pub ... to a
#     private broker, received by mosquitto's own mosquitto_sub;
#   - mosquitto-clients' files untouched;
# then remove it and check that nothing of it is left. Needs root (dpkg). It refuses to run when a
# package named rpubsub is already installed (it would remove it): `dpkg -r rpubsub` first.
# Prints a closing line "deb-check: N passed, 0 failed".
set -euo pipefail
cd "$(dirname "$0")/.."

if [ "$(id -u)" -ne 0 ]; then
  echo "deb-check: needs root to install the package with dpkg (run scripts/test.sh as root)" >&2
  exit 1
fi
if dpkg-query -W -f='${Status}' rpubsub 2>/dev/null | grep -q 'install ok installed'; then
  echo "deb-check: a package named rpubsub is already installed; this check installs and removes it," >&2
  echo "deb-check: so remove it first (dpkg -r rpubsub) and run again" >&2
  exit 1
fi
scripts/ensure-mosquitto.sh >&2
export PATH="$PATH:/usr/sbin"

passed=0
check() { # description, command...
  local what=$1
  shift
  if "$@"; then
    passed=$((passed + 1))
  else
    echo "deb-check: FAILED: $what" >&2
    echo "deb-check: $passed passed, 1 failed"
    exit 1
  fi
}

deb=$(scripts/deb.sh | tail -n 1)
echo "deb-check: built $deb" >&2

work=$(mktemp -d)
broker_pid=""
installed=""
cleanup() {
  if [ -n "$broker_pid" ]; then kill "$broker_pid" 2>/dev/null || true; fi
  if [ -n "$installed" ]; then dpkg -r rpubsub >/dev/null 2>&1 || true; fi
  rm -rf "$work"
}
trap cleanup EXIT

mosquitto_files_before=$(dpkg -L mosquitto-clients | sort | xargs -d '\n' md5sum 2>/dev/null || true)

dpkg -i "$deb" >&2
installed=yes
check "dpkg says installed" bash -c 'dpkg-query -W -f="\${Status}" rpubsub | grep -q "install ok installed"'
check "rpub --version names ours" bash -c 'rpub --version | grep -q "^rpub version .* (rpubsub; compatible with mosquitto_pub 2.0.11)$"'
check "man -w rpub finds the page" bash -c 'man -w rpub | grep -q "^/usr/share/man/man1/rpub.1.gz$"'
check "man -w rsub finds the page" bash -c 'man -w rsub | grep -q "^/usr/share/man/man1/rsub.1.gz$"'
check "the installed rpub page renders without warnings" bash -c '[ -z "$(MANPAGER=cat man --warnings rpub 2>&1 >/dev/null)" ]'
check "bash completion installed and registering rpub" \
  bash -c 'source /usr/share/bash-completion/completions/rpub && complete -p rpub | grep -q "_rpub"'
check "zsh and fish completions installed" \
  test -f /usr/share/zsh/vendor-completions/_rsub -a -f /usr/share/fish/vendor_completions.d/rsub.fish
check "compat links point at our tools" \
  test "$(readlink -f /usr/lib/rpubsub/compat/mosquitto_pub)" = /usr/bin/rpub -a \
  "$(readlink -f /usr/lib/rpubsub/compat/mosquitto_sub)" = /usr/bin/rsub
if [ -f src/bin/rrr.rs ]; then
  check "the compat link for rrr" test "$(readlink -f /usr/lib/rpubsub/compat/mosquitto_rr)" = /usr/bin/rrr
  check "man -w rrr finds the page" bash -c 'man -w rrr | grep -q "^/usr/share/man/man1/rrr.1.gz$"'
fi
check "mosquitto-clients' mosquitto_pub is still theirs" \
  bash -c 'dpkg -S /usr/bin/mosquitto_pub | grep -q "^mosquitto-clients:"'

# A private broker on a free loopback port.
port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
printf 'listener %s 127.0.0.1\nallow_anonymous true\n' "$port" >"$work/mosquitto.conf"
mosquitto -c "$work/mosquitto.conf" >"$work/broker.log" 2>&1 &
broker_pid=$!
for _ in $(seq 1 50); do
  if /usr/bin/mosquitto_pub -h 127.0.0.1 -p "$port" -t ready -n 2>/dev/null; then break; fi
  sleep 0.1
done

# Our tool publishes a retained message under mosquitto_pub's name (found first in PATH), then
# mosquitto's own subscriber must receive it (retained: no race with the subscription).
check "mosquitto_pub resolves to the compat link" \
  bash -c 'PATH=/usr/lib/rpubsub/compat:$PATH; [ "$(command -v mosquitto_pub)" = /usr/lib/rpubsub/compat/mosquitto_pub ]'
check "mosquitto_pub --version is ours under mosquitto's name" \
  bash -c 'PATH=/usr/lib/rpubsub/compat:$PATH mosquitto_pub --version | grep -q "^mosquitto_pub version .*(rpubsub;"'
check "a publish through the compat mosquitto_pub" \
  env PATH="/usr/lib/rpubsub/compat:$PATH" mosquitto_pub -h 127.0.0.1 -p "$port" -t deb/check -q 1 -r -m "Hello mosquitto."
check "mosquitto_sub received it" \
  test "$(/usr/bin/mosquitto_sub -h 127.0.0.1 -p "$port" -t deb/check -C 1 -W 10)" = "Hello mosquitto."

dpkg -r rpubsub >&2
installed=""
check "dpkg says removed" bash -c '! dpkg-query -W -f="\${Status}" rpubsub 2>/dev/null | grep -q "install ok installed"'
check "nothing of it left" bash -c '[ ! -e /usr/bin/rpub ] && [ ! -e /usr/bin/rsub ] && [ ! -e /usr/bin/rrr ] && [ ! -e /usr/lib/rpubsub ] &&
  [ ! -e /usr/share/man/man1/rpub.1.gz ] && [ ! -e /usr/share/bash-completion/completions/rpub ]'
mosquitto_files_after=$(dpkg -L mosquitto-clients | sort | xargs -d '\n' md5sum 2>/dev/null || true)
check "mosquitto-clients' files unchanged" test "$mosquitto_files_before" = "$mosquitto_files_after"
check "mosquitto_pub still works" /usr/bin/mosquitto_pub -h 127.0.0.1 -p "$port" -t deb/after -m x

echo "deb-check: $passed passed, 0 failed"
