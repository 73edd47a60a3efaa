#!/usr/bin/env bash
# Measures the release server on SQLite with production Argon2 parameters, driven by wrk
# from a second process, and prints one table. Run through `make bench` (it builds first).
set -euo pipefail
cd "$(dirname "$0")/.."

PORT=${BENCH_PORT:-3917}
BASE="http://127.0.0.1:$PORT"
DURATION=${BENCH_SECONDS:-10}
CORES=$(nproc)
BIN=target/release/server
[ -x "$BIN" ] || { echo "error: $BIN is missing: run 'make build' first" >&2; exit 1; }
if ! command -v wrk >/dev/null; then
  if [ "$(id -u)" = 0 ]; then
    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq wrk >/dev/null
  else
    echo "error: wrk is missing: run 'sudo apt-get install wrk'" >&2; exit 1
  fi
fi

WORK=$(mktemp -d)
cleanup() { [ -n "${SERVER_PID:-}" ] && kill "$SERVER_PID" 2>/dev/null; rm -rf "$WORK"; }
trap cleanup EXIT

START_NS=$(date +%s%N)
DATA_DIR="$WORK/data" LEPTOS_SITE_ADDR="127.0.0.1:$PORT" LEPTOS_SITE_ROOT=target/site \
  RATE_LIMIT_PER_MINUTE=100000000 LOCKOUT_THRESHOLD=1000000000 MAIL_PER_ADDRESS_PER_HOUR=1000 \
  RUST_LOG=warn "$BIN" >"$WORK/server.log" 2>&1 &
SERVER_PID=$!
for _ in $(seq 1000); do curl -fs "$BASE/healthz" >/dev/null && break; sleep 0.01; done
STARTUP_MS=$(( ($(date +%s%N) - START_NS) / 1000000 ))

rss_kb() { awk '/VmRSS/ {print $2}' "/proc/$SERVER_PID/status"; }

# A verified account, through the API and the dev mailbox.
EMAIL=bench@example.com
PASSWORD='a long benchmark passphrase'
curl -fs "$BASE/api/auth/signup" -H 'content-type: application/json' \
  -d "{\"email\":\"$EMAIL\",\"password\":\"$PASSWORD\"}" >/dev/null
TOKEN=""
for _ in $(seq 50); do
  TOKEN=$(curl -fs "$BASE/dev/mailbox" | grep -o 'verify-email?token=[0-9a-f]*' | head -n1 | cut -d= -f2 || true)
  [ -n "$TOKEN" ] && break
  sleep 0.1
done
curl -fs "$BASE/api/auth/verify-email" -H 'content-type: application/json' -d "{\"token\":\"$TOKEN\"}" >/dev/null
JWT=$(curl -fs "$BASE/api/auth/login" -H 'content-type: application/json' \
  -d "{\"email\":\"$EMAIL\",\"password\":\"$PASSWORD\"}" | sed 's/.*"token":"\([^"]*\)".*/\1/')

APIKEY=$(curl -fs "$BASE/api/keys" -H 'content-type: application/json' -H "Authorization: Bearer $JWT" \
  -d '{"name":"bench","expiresInDays":1}' | sed 's/.*"key":"\([^"]*\)".*/\1/')

cat >"$WORK/login.lua" <<LUA
wrk.method = "POST"
wrk.headers["Content-Type"] = "application/json"
wrk.body = '{"email":"$EMAIL","password":"$PASSWORD"}'
LUA

sleep 2
IDLE_RSS=$(rss_kb)

rps() { awk '/Requests\/sec/ {print $2}'; }
p99_ms() {
  awk '/ 99%/ { v=$2; if (v ~ /us$/) { sub(/us/,"",v); v=v/1000 } else if (v ~ /ms$/) { sub(/ms/,"",v) } else if (v ~ /s$/) { sub(/s/,"",v); v=v*1000 } print v }'
}

HEALTH=$(wrk -t2 -c64 -d"${DURATION}s" "$BASE/healthz" | rps)
ME=$(wrk -t2 -c64 -d"${DURATION}s" -H "Authorization: Bearer $JWT" "$BASE/api/auth/me" | rps)
ME_KEY=$(wrk -t2 -c64 -d"${DURATION}s" -H "Authorization: Bearer $APIKEY" "$BASE/api/auth/me" | rps)
LOGINS=$(wrk -t2 -c16 -d"${DURATION}s" -s "$WORK/login.lua" "$BASE/api/auth/login" | rps)

# 500 connections hammer login while /me is measured beside them.
wrk -t1 -c500 -d"$((DURATION + 4))s" -s "$WORK/login.lua" "$BASE/api/auth/login" >"$WORK/flood.txt" 2>&1 &
FLOOD=$!
sleep 2
PEAK=0
( while kill -0 $FLOOD 2>/dev/null; do r=$(rss_kb); [ "$r" -gt "$(cat "$WORK/peak" 2>/dev/null || echo 0)" ] && echo "$r" >"$WORK/peak"; sleep 0.2; done ) &
SAMPLER=$!
ME_P99=$(wrk -t1 -c8 -d"${DURATION}s" --latency -H "Authorization: Bearer $JWT" "$BASE/api/auth/me" | p99_ms)
wait $FLOOD || true
wait $SAMPLER 2>/dev/null || true
PEAK=$(cat "$WORK/peak" 2>/dev/null || echo 0)
FLOOD_OK=$(awk '/Requests\/sec/ {print $2}' "$WORK/flood.txt")
FLOOD_NON2XX=$(awk '/Non-2xx/ {print $NF}' "$WORK/flood.txt")

INTERACTIVE=$(PATH="$PWD/node_modules/.bin:$PATH" node end2end/bench/interactive.mjs "$BASE/login" |
  sed 's/.*"median_ms":\([0-9]*\).*/\1/')
# Two million distinct limiter keys (addresses and IPv6 /64s) in one process.
LIMITER=$(cargo run -q --release -p server --example limiter_memory)
LIMITER_RSS=$(echo "$LIMITER" | sed 's/.*rss_after_kb=\([0-9]*\).*/\1/')
LIMITER_HELD=$(echo "$LIMITER" | sed 's/.*held=\([0-9]*\).*/\1/')

WASM=target/site/pkg/console.wasm
WASM_RAW=$(stat -c %s "$WASM")
WASM_GZ=$(gzip -9 -c "$WASM" | wc -c)

awk -v cores="$CORES" -v logins="$LOGINS" -v me="$ME" -v mekey="$ME_KEY" -v health="$HEALTH" -v idle="$IDLE_RSS" \
    -v peak="$PEAK" -v p99="$ME_P99" -v flood="$FLOOD_OK" -v shed="${FLOOD_NON2XX:-0}" \
    -v interactive="$INTERACTIVE" -v wraw="$WASM_RAW" -v wgz="$WASM_GZ" \
    -v startup="$STARTUP_MS" -v lrss="$LIMITER_RSS" -v lheld="$LIMITER_HELD" 'BEGIN {
  printf "%-46s %14s %12s\n", "measure", "value", "target"
  printf "%-46s %14.1f %12s\n", "password logins / s / core (Argon2id m=19456,t=2)", logins / cores, ">= 30"
  printf "%-46s %14.0f %12s\n", "GET /healthz requests / s", health, ""
  printf "%-46s %14.0f %12s\n", "GET /api/auth/me requests / s", me, ""
  printf "%-46s %14.2f %12s\n", "/me throughput as a ratio of /healthz", me / health, ">= 0.6"
  printf "%-46s %14.0f %12s\n", "GET /api/auth/me with an API key, requests / s", mekey, ""
  printf "%-46s %11.0f ms %12s\n", "start-up to first answer (password list loaded)", startup, ""
  printf "%-46s %12.1f MB %12s\n", "idle RSS", idle / 1024, "< 30 MB"
  printf "%-46s %12.1f MB %12s\n", "limiter RSS after 2 million distinct keys", lrss / 1024, "< 64 MB"
  printf "%-46s %14s %12s\n", "limiter keys held after them (bounded)", lheld, ""
  printf "%-46s %12.1f MB %12s\n", "peak RSS under a 500-connection login flood", peak / 1024, "< 256 MB"
  printf "%-46s %11.1f ms %12s\n", "/api/auth/me p99 during that flood", p99, "< 50 ms"
  printf "%-46s %14.0f %12s\n", "flood answers / s (logins + shed 503s)", flood, ""
  printf "%-46s %14s %12s\n", "flood answers shed (non-2xx)", shed, ""
  printf "%-46s %11.0f ms %12s\n", "/login interactive in headless Chromium (median)", interactive, ""
  printf "%-46s %11.0f KB %12s\n", "release WASM, raw", wraw / 1024, ""
  printf "%-46s %11.0f KB %12s\n", "release WASM, gzip -9", wgz / 1024, ""
  printf "(%d cores; wrk runs on the same machine)\n", cores
}'
