#!/usr/bin/env bash
# Create .venv (if missing) and install requirements-dev.txt into it, only when the requirements
# changed since the last install: the stamp holds a hash of both requirements files, so a second
# `make demo` / `make test` starts at once. Usage: scripts/venv.sh [VENV_DIR]
set -euo pipefail
cd "$(dirname "$0")/.."
venv="${1:-.venv}"
python="${PYTHON:-python3}"
stamp="$venv/.requirements.sha256"

if ! command -v "$python" >/dev/null 2>&1; then
    echo "error: $python not found: install Python 3.11 or newer (or set PYTHON=...)" >&2
    exit 1
fi
if ! "$python" -c 'import sys; sys.exit(sys.version_info < (3, 11))'; then
    echo "error: $("$python" --version 2>&1) is too old: blogstats needs Python 3.11 or newer (set PYTHON=python3.11)" >&2
    exit 1
fi

want="$(cat requirements.txt requirements-dev.txt | sha256sum | cut -d' ' -f1)"
if [ -x "$venv/bin/python" ] && [ -f "$stamp" ] && [ "$(cat "$stamp")" = "$want" ]; then
    exit 0  # up to date
fi

if [ ! -x "$venv/bin/python" ]; then
    echo "Creating $venv with $("$python" --version 2>&1)"
    if ! "$python" -m venv "$venv"; then
        echo "error: could not create $venv: on Debian/Ubuntu install python3-venv (apt-get install python3-venv)" >&2
        exit 1
    fi
fi
echo "Installing requirements-dev.txt into $venv (once; again only when the requirements change)"
"$venv/bin/python" -m pip install --quiet --disable-pip-version-check --upgrade pip
"$venv/bin/python" -m pip install --quiet --disable-pip-version-check -r requirements-dev.txt
echo "$want" > "$stamp"
