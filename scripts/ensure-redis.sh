#!/usr/bin/env bash
# The cluster tests and `npm run cluster` use Debian's redis-server (never a mock, never a download
# of ours). Install it where missing, as ensure-chromium.sh does for Chromium.
set -euo pipefail
if command -v redis-server >/dev/null 2>&1; then exit 0; fi
echo "redis-server is missing: installing Debian's redis-server package" >&2
SUDO=""
if [ "$(id -u)" != "0" ]; then SUDO="sudo"; fi
$SUDO apt-get update -qq
DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq redis-server >/dev/null
# The package's service is not wanted: each test and `npm run cluster` start their own server.
redis-server --version
