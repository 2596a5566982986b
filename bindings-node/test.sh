#!/usr/bin/env bash
# The Node binding's tests against the real server (start it first: tests/server/up).
#   bindings-node/test.sh          builds the addon from source: `npm install` in bindings-node/
#                                  runs the package's `prepare` script, which builds colonykit.node
#                                  (napi build --release, incrementally in the workspace's target/)
#   bindings-node/test.sh --dist   takes the prebuilt addon of the linux-x64-gnu package that
#                                  `make dist` packed into dist/ (what `make test` does: no second
#                                  build), as colonykit.node in the package folder
# then links the package into examples/node and runs `node --test`.
set -euo pipefail
cd "$(dirname "$0")"

from_dist=0
if [[ ${1:-} == --dist ]]; then
  from_dist=1
  shift
fi

test -f ../tests/server/run/server.env || { echo "no server settings: run tests/server/up first" >&2; exit 1; }

rm -f colonykit.node native.d.ts
if ((from_dist)); then
  version=$(node -p "require('./package.json').version")
  tarball=../dist/colonykit-linux-x64-gnu-$version.tgz
  if [[ ! -f $tarball ]]; then
    echo "bindings-node/test.sh --dist: no $tarball: run make dist (or test from source:" \
      "bindings-node/test.sh without --dist)" >&2
    exit 1
  fi
  echo "bindings-node: the addon of $(basename "$tarball")"
  tar -xzf "$tarball" -O package/colonykit.linux-x64-gnu.node >colonykit.node
  # The dev dependencies the tests use (typescript); no build (--ignore-scripts).
  npm install --ignore-scripts --no-audit --no-fund --loglevel=error
else
  rm -rf node_modules
  npm install --no-audit --no-fund
fi
node -e "require('colonykit')" # the package loads as installed

# examples/node links this package (already built: no second build).
(cd ../examples/node && npm install --no-audit --no-fund --ignore-scripts)

started=$SECONDS
node --test --test-concurrency=2 test/*.test.mjs "$@"
echo "node tests: $((SECONDS - started)) s"
