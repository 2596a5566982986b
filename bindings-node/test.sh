#!/usr/bin/env bash
# The Node binding's tests against the real server (start it first: tests/server/up).
# Installs the package from nothing, as a user would: `npm install` in bindings-node/ builds the
# native addon (incrementally, in the workspace's target/); then the examples' dependencies,
# then `node --test`.
set -euo pipefail
cd "$(dirname "$0")"

test -f ../tests/server/run/server.env || { echo "no server settings: run tests/server/up first" >&2; exit 1; }

rm -rf node_modules colonykit.node native.d.ts
npm install --no-audit --no-fund
node -e "require('colonykit')" # the package loads as installed

# examples/node links this package (already built: no second build).
(cd ../examples/node && npm install --no-audit --no-fund --ignore-scripts)

started=$SECONDS
node --test --test-concurrency=2 test/*.test.mjs
echo "node tests: $((SECONDS - started)) s"
