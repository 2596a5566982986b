#!/usr/bin/env bash
# Builds the Python package into a fresh virtualenv (bindings-python/.venv), lints it with ruff
# and runs its tests against the real server started by tests/server/up.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
root=$(dirname "$here")
server_env="$root/tests/server/run/server.env"
python=${PYTHON:-python3}

if [[ ! -f $server_env ]]; then
  echo "bindings-python/test.sh: $server_env is missing: start the server with tests/server/up" >&2
  exit 1
fi

venv="$here/.venv"
rm -rf "$venv"
"$python" -m venv "$venv"
"$venv/bin/python" -m pip install --quiet --upgrade pip
echo "bindings-python: building and installing the package (pip install ./bindings-python)"
"$venv/bin/python" -m pip install --progress-bar off "$here"
"$venv/bin/python" -m pip install --quiet --progress-bar off \
  "pytest>=8" "pytest-asyncio>=0.24" "ruff>=0.6"

echo "bindings-python: ruff"
sources=("$here/python" "$here/tests" "$root/examples/python")
(cd "$here" && "$venv/bin/ruff" check "${sources[@]}" && "$venv/bin/ruff" format --check "${sources[@]}")

echo "bindings-python: pytest"
cd "$here"
"$venv/bin/python" -m pytest -p no:cacheprovider "$@"
