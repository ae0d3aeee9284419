#!/usr/bin/env bash
# The browser tests drive Debian's Chromium and ChromeDriver (no browser download works offline).
# Install them with apt only when one is missing: as root directly, otherwise through sudo.
set -euo pipefail
if [ -x /usr/bin/chromium ] && [ -x /usr/bin/chromedriver ]; then
    exit 0
fi
if ! command -v apt-get >/dev/null 2>&1; then
    echo "error: /usr/bin/chromium or /usr/bin/chromedriver is missing and there is no apt-get:" \
         "install Chromium and its ChromeDriver with your system's package manager" >&2
    exit 1
fi
if [ "$(id -u)" -eq 0 ]; then
    sudo=()
elif command -v sudo >/dev/null 2>&1; then
    sudo=(sudo)
else
    echo "error: installing chromium and chromium-driver needs root: run" \
         "'apt-get install -y chromium chromium-driver' as root, then make test again" >&2
    exit 1
fi
echo "Installing Debian's chromium and chromium-driver (for the browser tests)"
"${sudo[@]}" apt-get update -q
"${sudo[@]}" env DEBIAN_FRONTEND=noninteractive apt-get install -y -q chromium chromium-driver
