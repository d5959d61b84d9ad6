#!/usr/bin/env bash
# Build the action image and run it against the local fake GitHub and vendor servers.
# Usage (from anywhere): tests/container_smoke.sh [--no-build]
set -euo pipefail
cd "$(dirname "$0")/.."
PYTHON="${PYTHON:-.venv/bin/python}"
[ -x "$PYTHON" ] || PYTHON=python3
export NO_PROXY=127.0.0.1,localhost no_proxy=127.0.0.1,localhost
exec "$PYTHON" -m tests.container_smoke "$@"
