#!/usr/bin/env bash
# Installs the mosquitto broker and clients (the tests' oracle) when they are missing.
set -euo pipefail
if command -v mosquitto_pub >/dev/null 2>&1 && { command -v mosquitto >/dev/null 2>&1 || [ -x /usr/sbin/mosquitto ]; }; then
  exit 0
fi
if [ "$(id -u)" -eq 0 ]; then SUDO=""; else SUDO="sudo"; fi
$SUDO apt-get update
$SUDO env DEBIAN_FRONTEND=noninteractive apt-get install -y mosquitto mosquitto-clients
