# colonykit: `make test` and `make demo` install what they need (PostgreSQL, the ColonyOS
# server, Python and Node packages) and start a real server on loopback.

SHELL := /bin/bash
.SHELLFLAGS := -euo pipefail -c

SERVER_ENV := tests/server/run/server.env
COLONY_ENV := examples/run/colony.env
CARGO_TESTED := -p colonykit -p colonykit-examples
ACTIONLINT_VERSION := v1.7.12
ACTIONLINT := $(CURDIR)/target/tools/bin/actionlint
# The TLS instance beside the default one: its own run folder, every port + 10, a TLS front.
TLS_SERVER := COLONYKIT_INSTANCE=tls COLONYKIT_SERVER_TLS=1 COLONYKIT_PORT_OFFSET=10
TLS_SERVER_ENV := $(CURDIR)/tests/server/run-tls/server.env
TLS_COLONY_ENV := examples/run/colony-tls.env
# The three-node cluster beside them: its own run folder, every port + 20 (node k: API + k-1).
CLUSTER_SERVER := COLONYKIT_INSTANCE=cluster COLONYKIT_NODES=3 COLONYKIT_PORT_OFFSET=20
CLUSTER_SERVER_ENV := $(CURDIR)/tests/server/run-cluster/server.env
CLUSTER_TESTS := COLONYKIT_SERVER_ENV=$(CLUSTER_SERVER_ENV) cargo test --locked -p colonykit \
  --test cluster --test cluster_findings -- --include-ignored --test-threads=1

.PHONY: test test-all test-rust test-examples test-python test-node test-fuzz test-tls matrix bench lint lint-generated lint-locks lint-python-stubs demo bootstrap server-up server-down tls-server-up tls-server-down dist test-install test-cluster matrix-cluster cluster-server-up cluster-server-down

## Everything, against a real server that is started first and stopped at the end; fails if the
## run changed the working tree (tests/tree/unchanged prints what changed).
test:
	tests/tree/unchanged save
	tests/server/up
	$(TLS_SERVER) tests/server/up || { tests/server/down; exit 1; }
	status=0; $(MAKE) --no-print-directory test-all || status=$$?; \
	tests/server/down; $(TLS_SERVER) tests/server/down; COLONYKIT_INSTANCE=cluster tests/server/down; \
	tests/tree/unchanged check || { [ $$status -ne 0 ] || status=1; }; exit $$status

## dist first: the tests (and stubtest) use the packages it builds, nothing is built twice.
test-all: dist lint test-rust test-fuzz test-python test-node test-install test-examples matrix test-tls test-cluster

lint:
	cargo fmt --all -- --check
	cargo clippy --locked $(CARGO_TESTED) --all-targets --quiet -- -D warnings
	$(MAKE) --no-print-directory lint-generated lint-locks lint-python-stubs
	node bindings-node/scripts/version.js check
	@command -v $(ACTIONLINT) >/dev/null || { echo "installing actionlint $(ACTIONLINT_VERSION) (go install)"; \
	  GOBIN=$(CURDIR)/target/tools/bin go install github.com/rhysd/actionlint/cmd/actionlint@$(ACTIONLINT_VERSION); }
	$(ACTIONLINT) .github/workflows/*.yml

## The generated files (the operations in _native.pyi and index.d.ts, from the core's table) are
## regenerated; any change to them is a failure, with the diff.
GENERATED := bindings-python/python/colonykit/_native.pyi bindings-node/index.d.ts
lint-generated:
	COLONYKIT_WRITE_STUBS=1 cargo test --locked --quiet -p colonykit --test signatures
	git diff --exit-code -- $(GENERATED) || { \
	  echo "the files above are generated from the core's table of operations: commit them" >&2; exit 1; }

## mypy's stubtest: the signatures in _native.pyi against the compiled module (the wheel of
## `make dist` when there is one, else a debug build), installed in its own venv,
## target/lint-venv; pinned tools. Allowed differences: bindings-python/stubtest-allowlist.txt.
LINT_VENV := target/lint-venv
lint-python-stubs:
	test -x $(LINT_VENV)/bin/python || python3 -m venv $(LINT_VENV)
	$(LINT_VENV)/bin/python -m pip install --quiet --disable-pip-version-check \
	  "maturin==1.9.6" "mypy==1.15.0" "typing_extensions>=4.7"
	rm -rf target/lint-wheels
	if ls dist/colonykit-*.whl >/dev/null 2>&1; then mkdir -p target/lint-wheels && cp dist/colonykit-*.whl target/lint-wheels/; \
	else $(LINT_VENV)/bin/maturin build --quiet --profile dev -m bindings-python/Cargo.toml -o target/lint-wheels; fi
	$(LINT_VENV)/bin/python -m pip install --quiet --disable-pip-version-check --force-reinstall \
	  --no-deps target/lint-wheels/*.whl
	cd target && $(CURDIR)/$(LINT_VENV)/bin/python -m mypy.stubtest colonykit._native \
	  --allowlist $(CURDIR)/bindings-python/stubtest-allowlist.txt

## The crates outside the workspace (fuzzing, the matrix's Rust roles) have lock files of their
## own: they must agree with their manifests, or --locked builds fail.
LOCKED_ELSEWHERE := core/fuzz/Cargo.toml tests/matrix/rust/Cargo.toml
lint-locks:
	for manifest in $(LOCKED_ELSEWHERE); do \
	  cargo metadata --locked --format-version 1 --manifest-path $$manifest >/dev/null || { \
	    echo "$${manifest%Cargo.toml}Cargo.lock is out of date: run \`cargo metadata --manifest-path $$manifest\` and commit it" >&2; exit 1; }; \
	done

test-rust:
	cargo test --locked $(CARGO_TESTED)

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

## Over TLS, against the TLS instance (a private CA): the bad-TLS catalogue, the resume test and
## the three channel patterns in each language, and programs that trust the CA through
## COLONIES_CA_FILE or SSL_CERT_FILE (after test-python, test-node and test-examples install).
test-tls: tls-server-up
	COLONYKIT_SERVER_ENV=$(TLS_SERVER_ENV) cargo test --locked -p colonykit --test tls --test resume -- --include-ignored
	set -a; . $(TLS_SERVER_ENV); set +a; cargo run --locked --quiet -p colonykit-examples --bin bootstrap -- $(TLS_COLONY_ENV)
	for lang in rust python node; do COLONYKIT_COLONY_ENV=$(TLS_COLONY_ENV) examples/check $$lang; done
	cd bindings-python && COLONYKIT_SERVER_ENV=$(TLS_SERVER_ENV) .venv/bin/python -m pytest -p no:cacheprovider \
	  tests/test_tls.py tests/test_resume.py tests/test_patterns.py
	cd bindings-node && COLONYKIT_SERVER_ENV=$(TLS_SERVER_ENV) node --test --test-concurrency=2 \
	  test/tls.test.mjs test/resume.test.mjs test/patterns.test.mjs

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

## The three-node cluster: the core's cluster tests and the matrix (client and executor given
## different nodes first), then the cluster tests again with the leader alone assigning.
test-cluster: cluster-server-up
	$(CLUSTER_TESTS)
	cd bindings-python && COLONYKIT_SERVER_ENV=$(CLUSTER_SERVER_ENV) .venv/bin/python -m pytest -p no:cacheprovider \
	  tests/test_cluster.py
	cd bindings-node && COLONYKIT_SERVER_ENV=$(CLUSTER_SERVER_ENV) node --test test/cluster.test.mjs
	$(MAKE) --no-print-directory matrix-cluster
	$(CLUSTER_SERVER) COLONYKIT_EXCLUSIVE_ASSIGN=1 tests/server/up
	$(CLUSTER_TESTS)
	COLONYKIT_INSTANCE=cluster tests/server/down

matrix-cluster: cluster-server-up
	$(CLUSTER_SERVER) COLONYKIT_SERVER_ENV=$(CLUSTER_SERVER_ENV) MATRIX_LANGS=rust,python,node tests/matrix/run

## colonykit against pycolonies, the colonyos crate and a raw floor client; bench/results/latest.md.
bench: server-up
	bench/run

## Streams progress entries from a Rust executor to a Rust client through the real server.
demo: bootstrap
	cargo build --locked --quiet -p colonykit-examples
	set -a; . $(COLONY_ENV); set +a; \
	target/debug/progress_client & client=$$!; \
	sleep 1; target/debug/progress_executor; wait $$client

## A fresh colony, executor and user for the examples, in examples/run/colony.env.
bootstrap: server-up
	set -a; . $(SERVER_ENV); set +a; cargo run --locked --quiet -p colonykit-examples --bin bootstrap -- $(COLONY_ENV)

server-up:
	tests/server/up

server-down:
	tests/server/down

tls-server-up:
	$(TLS_SERVER) tests/server/up

tls-server-down:
	$(TLS_SERVER) tests/server/down

cluster-server-up:
	$(CLUSTER_SERVER) tests/server/up

cluster-server-down:
	COLONYKIT_INSTANCE=cluster tests/server/down
