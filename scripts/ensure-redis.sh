#!/usr/bin/env bash
# The many-blogs tests start Debian's redis-server on a free port (the queue of blog-years).
# Install it with apt only when it is missing: as root directly, otherwise through sudo.
set -euo pipefail
if command -v redis-server >/dev/null 2>&1; then
    exit 0
fi
if ! command -v apt-get >/dev/null 2>&1; then
    echo "error: redis-server is missing and there is no apt-get: install Redis (6 or newer)" \
         "with your system's package manager" >&2
    exit 1
fi
if [ "$(id -u)" -eq 0 ]; then
    sudo=()
elif command -v sudo >/dev/null 2>&1; then
    sudo=(sudo)
else
    echo "error: installing redis-server needs root: run 'apt-get install -y redis-server'" \
         "as root, then make test again" >&2
    exit 1
fi
echo "Installing Debian's redis-server (for the many-blogs tests)"
"${sudo[@]}" apt-get update -q
# The package's own service is not needed (tests start their own server): policy-rc.d may
# refuse to start it in a container, which is fine.
"${sudo[@]}" env DEBIAN_FRONTEND=noninteractive apt-get install -y -q redis-server
