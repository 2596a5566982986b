#!/usr/bin/env bash
# The Python package's tests against the real server started by tests/server/up, in a fresh
# virtualenv (bindings-python/.venv), with ruff first.
#   bindings-python/test.sh [pytest args]         builds the package from source (pip install
#                                                 ./bindings-python: a release build; needs Rust)
#   bindings-python/test.sh --dist [pytest args]  installs the wheel that `make dist` built into
#                                                 dist/ instead (what `make test` does: no second
#                                                 build)
# The whole suite runs twice: with the result inbox's default wake for the loop (a socket pair
# watched with loop.add_reader on Unix), then with COLONYKIT_INBOX=threadsafe, the wake of loops
# without add_reader (Windows' proactor loop).
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
root=$(dirname "$here")
server_env="$root/tests/server/run/server.env"
python=${PYTHON:-python3}

from_dist=0
if [[ ${1:-} == --dist ]]; then
  from_dist=1
  shift
fi

if [[ ! -f $server_env ]]; then
  echo "bindings-python/test.sh: $server_env is missing: start the server with tests/server/up" >&2
  exit 1
fi

venv="$here/.venv"
rm -rf "$venv"
"$python" -m venv "$venv"
"$venv/bin/python" -m pip install --quiet --upgrade pip
if ((from_dist)); then
  wheel=$(compgen -G "$root/dist/colonykit-*-abi3-*.whl" | head -n 1 || true)
  if [[ -z $wheel ]]; then
    echo "bindings-python/test.sh --dist: no wheel in dist/: run make dist (or test from source:" \
      "bindings-python/test.sh without --dist)" >&2
    exit 1
  fi
  echo "bindings-python: installing $(basename "$wheel") from dist/"
  "$venv/bin/python" -m pip install --quiet --only-binary=:all: --no-index "$wheel"
else
  echo "bindings-python: building and installing the package (pip install ./bindings-python)"
  "$venv/bin/python" -m pip install --progress-bar off "$here"
fi
"$venv/bin/python" -m pip install --quiet --progress-bar off \
  "pytest>=8" "pytest-asyncio>=0.24" "ruff>=0.6"

echo "bindings-python: ruff"
sources=("$here/python" "$here/tests" "$root/examples/python")
(cd "$here" && "$venv/bin/ruff" check "${sources[@]}" && "$venv/bin/ruff" format --check "${sources[@]}")

cd "$here"
echo "bindings-python: pytest (the loop's default inbox wake)"
env -u COLONYKIT_INBOX "$venv/bin/python" -m pytest -p no:cacheprovider "$@"
echo "bindings-python: pytest again with COLONYKIT_INBOX=threadsafe (call_soon_threadsafe)"
COLONYKIT_INBOX=threadsafe "$venv/bin/python" -m pytest -p no:cacheprovider "$@"
