#!/usr/bin/env bash
# Builds the Debian package and prints its path (the last line of stdout).
#
#   scripts/deb.sh          # target/debian/rpubsub_<version>-1_<arch>.deb
#
# 1. installs cargo-deb when it is missing (`cargo install cargo-deb --locked`, about 2 minutes once);
# 2. builds the release binaries (the profile the benchmarks measure);
# 3. asks each binary for its man page and completion scripts (`--generate`) and makes the compat
#    links (mosquitto_pub -> rpub, ...) in target/assets/, where Cargo.toml's [package.metadata.deb]
#    takes them from;
# 4. runs `cargo deb --no-build`.
# Needs dpkg-deb's friends (dpkg, dpkg-dev for dpkg-shlibdeps) as on any Debian or Ubuntu machine.
set -euo pipefail
cd "$(dirname "$0")/.."

if ! command -v cargo-deb >/dev/null 2>&1; then
  echo "deb: installing cargo-deb (cargo install cargo-deb --locked)" >&2
  cargo install cargo-deb --locked >&2
fi
if ! command -v dpkg-shlibdeps >/dev/null 2>&1; then
  if [ "$(id -u)" -eq 0 ]; then SUDO=""; else SUDO="sudo"; fi
  $SUDO apt-get update >&2
  $SUDO env DEBIAN_FRONTEND=noninteractive apt-get install -y dpkg-dev >&2
fi

cargo build --release --locked >&2
release="${CARGO_TARGET_DIR:-target}/release"

# The mosquitto client each tool replaces (its compat link's name).
mosquitto_name() {
  case "$1" in
    rpub) echo mosquitto_pub ;;
    rsub) echo mosquitto_sub ;;
    rrr) echo mosquitto_rr ;;
    *) echo "deb: no mosquitto name known for the tool $1" >&2; return 1 ;;
  esac
}

assets=target/assets
rm -rf "$assets"
mkdir -p "$assets"/{man,bash,zsh,fish,compat}
# Every binary target (src/bin/*.rs), so a new tool gets its page, completions and link.
for source in src/bin/*.rs; do
  tool=$(basename "$source" .rs)
  binary="$release/$tool"
  "$binary" --generate man >"$assets/man/$tool.1"
  "$binary" --generate complete-bash >"$assets/bash/$tool"
  "$binary" --generate complete-zsh >"$assets/zsh/_$tool"
  "$binary" --generate complete-fish >"$assets/fish/$tool.fish"
  # Relative, from /usr/lib/rpubsub/compat to /usr/bin.
  ln -s "../../../bin/$tool" "$assets/compat/$(mosquitto_name "$tool")"
done

cargo deb --no-build --output target/debian/ >&2
ls -t target/debian/rpubsub_*.deb | head -n 1
