# colonykit: `make test` and `make demo` install what they need (PostgreSQL, the ColonyOS
# server, Python and Node packages) and start a real server on loopback.

SHELL := /bin/bash
.SHELLFLAGS := -euo pipefail -c

SERVER_ENV := tests/server/run/server.env
COLONY_ENV := examples/run/colony.env
CARGO_TESTED := -p colonykit -p colonykit-examples
ACTIONLINT_VERSION := v1.7.12
ACTIONLINT := $(CURDIR)/target/tools/bin/actionlint

.PHONY: test test-all test-rust test-examples test-python test-node test-fuzz matrix bench lint demo bootstrap server-up server-down dist test-install

## Everything, against a real server that is started first and stopped at the end.
test:
	tests/server/up
	status=0; $(MAKE) --no-print-directory test-all || status=$$?; tests/server/down; exit $$status

test-all: lint dist test-rust test-fuzz test-python test-node test-install test-examples matrix

lint:
	cargo fmt --all -- --check
	cargo clippy $(CARGO_TESTED) --all-targets --quiet -- -D warnings
	node bindings-node/scripts/version.js check
	@command -v $(ACTIONLINT) >/dev/null || { echo "installing actionlint $(ACTIONLINT_VERSION) (go install)"; \
	  GOBIN=$(CURDIR)/target/tools/bin go install github.com/rhysd/actionlint/cmd/actionlint@$(ACTIONLINT_VERSION); }
	$(ACTIONLINT) .github/workflows/*.yml

test-rust:
	cargo test $(CARGO_TESTED)

## A short fuzzing run of reply parsing, websocket frames and keys (FUZZ_SECONDS each).
test-fuzz:
	core/fuzz/run

## The three channel patterns, client and executor as separate programs, in each language
## (after test-python and test-node, which install the bindings).
test-examples: bootstrap
	examples/check rust
	examples/check python
	cd examples/node && npm install --no-audit --no-fund --silent
	examples/check node

## test-python and test-node install what `make dist` built (no second build); to test a
## binding built from source instead: bindings-python/test.sh, bindings-node/test.sh.
test-python:
	bindings-python/test.sh --dist

test-node:
	bindings-node/test.sh --dist

## Every package this machine can build, into dist/ (pinned tools; see tests/install/dist).
dist:
	tests/install/dist

## The packages of dist/ installed as a user would (no Rust, empty HOME, offline), then the
## README's quick starts against the real server.
test-install: bootstrap
	tests/install/run

## Every client language against every executor language (and pycolonies), on every scenario.
matrix: server-up
	tests/matrix/run

## colonykit against pycolonies, the colonyos crate and a raw floor client; bench/results/latest.md.
bench: server-up
	bench/run

## Streams progress entries from a Rust executor to a Rust client through the real server.
demo: bootstrap
	cargo build --quiet -p colonykit-examples
	set -a; . $(COLONY_ENV); set +a; \
	target/debug/progress_client & client=$$!; \
	sleep 1; target/debug/progress_executor; wait $$client

## A fresh colony, executor and user for the examples, in examples/run/colony.env.
bootstrap: server-up
	set -a; . $(SERVER_ENV); set +a; cargo run --quiet -p colonykit-examples --bin bootstrap -- $(COLONY_ENV)

server-up:
	tests/server/up

server-down:
	tests/server/down
