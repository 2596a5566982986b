# colonykit: `make test` and `make demo` install what they need (PostgreSQL, the ColonyOS
# server, Python and Node packages) and start a real server on loopback.

SHELL := /bin/bash
.SHELLFLAGS := -euo pipefail -c

SERVER_ENV := tests/server/run/server.env
COLONY_ENV := examples/run/colony.env
CARGO_TESTED := -p colonykit -p colonykit-examples
# The TLS instance beside the default one: its own run folder, every port + 10, a TLS front.
TLS_SERVER := COLONYKIT_INSTANCE=tls COLONYKIT_SERVER_TLS=1 COLONYKIT_PORT_OFFSET=10
TLS_SERVER_ENV := $(CURDIR)/tests/server/run-tls/server.env
TLS_COLONY_ENV := examples/run/colony-tls.env

.PHONY: test test-all test-rust test-examples test-python test-node test-fuzz test-tls matrix bench lint demo bootstrap server-up server-down tls-server-up tls-server-down

## Everything, against a real server that is started first and stopped at the end.
test:
	tests/server/up
	$(TLS_SERVER) tests/server/up || { tests/server/down; exit 1; }
	status=0; $(MAKE) --no-print-directory test-all || status=$$?; \
	tests/server/down; $(TLS_SERVER) tests/server/down; exit $$status

test-all: lint test-rust test-fuzz test-python test-node test-examples matrix test-tls

lint:
	cargo fmt --all -- --check
	cargo clippy $(CARGO_TESTED) --all-targets --quiet -- -D warnings

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

test-python:
	bindings-python/test.sh

## Over TLS, against the TLS instance (a private CA): the bad-TLS catalogue, the resume test and
## the three channel patterns in each language, and programs that trust the CA through
## COLONIES_CA_FILE or SSL_CERT_FILE (after test-python, test-node and test-examples install).
test-tls: tls-server-up
	COLONYKIT_SERVER_ENV=$(TLS_SERVER_ENV) cargo test -p colonykit --test tls --test resume -- --include-ignored
	set -a; . $(TLS_SERVER_ENV); set +a; cargo run --quiet -p colonykit-examples --bin bootstrap -- $(TLS_COLONY_ENV)
	for lang in rust python node; do COLONYKIT_COLONY_ENV=$(TLS_COLONY_ENV) examples/check $$lang; done
	cd bindings-python && COLONYKIT_SERVER_ENV=$(TLS_SERVER_ENV) .venv/bin/python -m pytest -p no:cacheprovider \
	  tests/test_tls.py tests/test_resume.py tests/test_patterns.py
	cd bindings-node && COLONYKIT_SERVER_ENV=$(TLS_SERVER_ENV) node --test --test-concurrency=2 \
	  test/tls.test.mjs test/resume.test.mjs test/patterns.test.mjs

test-node:
	bindings-node/test.sh

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

tls-server-up:
	$(TLS_SERVER) tests/server/up

tls-server-down:
	$(TLS_SERVER) tests/server/down
