#!/usr/bin/env bash
# Installs, only when missing, the tools that build and test the console:
# the wasm32 target, cargo-leptos (no_downloads), wasm-bindgen-cli matching Cargo.lock,
# wasm-opt from npm's binaryen, the npm packages of end2end/, and Debian's Chromium.
set -euo pipefail
cd "$(dirname "$0")/.."

WASM_BINDGEN_VERSION=0.2.130
CARGO_LEPTOS_VERSION=0.3.11
BINARYEN_VERSION=132.0.0
export PATH="$HOME/.cargo/bin:$PWD/node_modules/.bin:$PATH"

say() { printf '==> %s\n' "$*"; }
fail() { printf 'error: %s\n' "$*" >&2; exit 1; }

command -v cargo >/dev/null || fail "cargo is missing: install Rust with rustup first"
command -v npm >/dev/null || fail "npm is missing: install Node.js 20 or newer"

# A faster, still correct build profile for installing tools.
fast_install_env() {
  CARGO_PROFILE_RELEASE_LTO=false CARGO_PROFILE_RELEASE_CODEGEN_UNITS=16 \
    CARGO_PROFILE_RELEASE_OPT_LEVEL=1 "$@"
}

apt_install() {
  if [ "$(id -u)" = 0 ]; then
    say "installing Debian packages: $*"
    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "$@" >/dev/null
  else
    fail "missing Debian packages: run 'sudo apt-get install $*'"
  fi
}

# Fetches a crate's source through cargo (so only the registry is used) and unpacks it.
crate_source() {
  local name=$1 version=$2 dir
  dir=$(mktemp -d)
  mkdir -p "$dir/fetch/src"
  cat >"$dir/fetch/Cargo.toml" <<TOML
[package]
name = "fetch-src"
version = "0.0.0"
edition = "2021"
[dependencies]
$name = "=$version"
TOML
  echo 'fn main() {}' >"$dir/fetch/src/main.rs"
  (cd "$dir/fetch" && cargo fetch -q 2>/dev/null) || true
  local crate
  crate=$(find "$HOME/.cargo/registry/cache" -name "$name-$version.crate" | head -n1)
  [ -n "$crate" ] || fail "could not fetch $name $version from the registry"
  tar -xzf "$crate" -C "$dir"
  echo "$dir/$name-$version"
}

if ! rustup target list --installed 2>/dev/null | grep -q wasm32-unknown-unknown; then
  say "adding the wasm32-unknown-unknown target"
  rustup target add wasm32-unknown-unknown
fi

if ! command -v cargo-leptos >/dev/null || ! cargo-leptos --version | grep -q "$CARGO_LEPTOS_VERSION"; then
  say "installing cargo-leptos $CARGO_LEPTOS_VERSION (no_downloads), several minutes"
  src=$(crate_source cargo-leptos "$CARGO_LEPTOS_VERSION")
  # Its lockfile pins a cargo-util-schemas that needs a newer rustc than this toolchain.
  (cd "$src" && cargo update -q -p cargo-util-schemas --precise 0.14.1 &&
    fast_install_env cargo install -q --locked --path . --features no_downloads)
fi

if ! command -v wasm-bindgen >/dev/null || ! wasm-bindgen --version | grep -q "$WASM_BINDGEN_VERSION"; then
  say "installing wasm-bindgen-cli $WASM_BINDGEN_VERSION"
  src=$(crate_source wasm-bindgen-cli "$WASM_BINDGEN_VERSION")
  # Its lockfile pins a webpki-roots release that the registry no longer serves.
  (cd "$src" && cargo update -q -p webpki-roots --precise 1.0.10 &&
    fast_install_env cargo install -q --locked --path .)
fi

# npm records what it installed in node_modules/.package-lock.json: reinstall when the
# lockfile is newer, or when a tool is missing.
if [ ! -x node_modules/.bin/wasm-opt ] || [ ! -x node_modules/.bin/maildev ] ||
  [ package-lock.json -nt node_modules/.package-lock.json ]; then
  say "installing npm packages (binaryen $BINARYEN_VERSION, Playwright, maildev)"
  PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD=1 npm ci --no-audit --no-fund
fi

if [ ! -x /usr/bin/chromium ]; then
  apt_install chromium
fi

# The API tests start a throwaway PostgreSQL cluster from these binaries.
if [ ! -x /usr/lib/postgresql/15/bin/initdb ] && [ -z "${TEST_DATABASE_URL:-}" ]; then
  apt_install postgresql-15
fi

say "tools ready"
