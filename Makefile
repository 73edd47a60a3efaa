# make run   builds everything and serves the console on http://127.0.0.1:3000
# make test  runs every test: formatting, lints, unit and API tests (SQLite and PostgreSQL),
#            and the browser tests in Chromium
SHELL := /bin/bash
export PATH := $(HOME)/.cargo/bin:$(CURDIR)/node_modules/.bin:$(PATH)
E2E_DATA := target/e2e-data

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

test-rust: tools
	cargo test --workspace

# Builds the release site, starts the server on a fresh data directory, runs Playwright.
test-e2e: tools
	rm -rf $(E2E_DATA)
	DATA_DIR=$(E2E_DATA) RATE_LIMIT_PER_MINUTE=10000 cargo leptos end-to-end --release

test: lint test-rust test-e2e

bench: build
	./scripts/bench.sh
