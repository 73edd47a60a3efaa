# make run   builds everything and serves the console on http://127.0.0.1:3000
# make test  runs every test: formatting, lints, unit and API tests (SQLite and PostgreSQL),
#            and the browser tests in Chromium
SHELL := /bin/bash
export PATH := $(HOME)/.cargo/bin:$(CURDIR)/node_modules/.bin:$(PATH)

.PHONY: run test tools build lint test-rust test-e2e bench

tools:
	@./scripts/install-tools.sh

build: tools
	cargo leptos build --release

run: tools
	cargo leptos serve --release

lint: tools
	cargo fmt --all -- --check
	cargo clippy --workspace --all-targets -- -D warnings
	cargo clippy -p app --features hydrate --target wasm32-unknown-unknown -- -D warnings

test-rust: tools
	cargo test --workspace

# Builds the release site, starts maildev and the server on a fresh data directory, runs Playwright.
test-e2e: tools
	./scripts/e2e.sh

test: lint test-rust test-e2e

bench: build
	./scripts/bench.sh
