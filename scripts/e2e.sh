#!/usr/bin/env bash
# Browser tests: a real SMTP server (maildev) for the console's mail, a real OpenID Connect
# provider standing in for Google, the release build of the console on a fresh data
# directory, and Playwright in Chromium (through cargo-leptos).
set -euo pipefail
cd "$(dirname "$0")/.."
export PATH="$HOME/.cargo/bin:$PWD/node_modules/.bin:$PATH"

SMTP_PORT=${E2E_SMTP_PORT:-1925}
WEB_PORT=${E2E_MAILDEV_PORT:-1980}
OIDC_PORT=${E2E_OIDC_PORT:-1990}
OIDC_CONTROL_PORT=${E2E_OIDC_CONTROL_PORT:-1991}
DATA=target/e2e-data
rm -rf "$DATA"

maildev --ip 127.0.0.1 --web-ip 127.0.0.1 -s "$SMTP_PORT" -w "$WEB_PORT" >/dev/null 2>&1 &
MAILDEV=$!
node end2end/oidc-provider.mjs "$OIDC_PORT" "$OIDC_CONTROL_PORT" >/dev/null &
OIDC=$!
trap 'kill $MAILDEV $OIDC 2>/dev/null || true' EXIT
for _ in $(seq 100); do curl -fs "http://127.0.0.1:$WEB_PORT/api/email" >/dev/null && break; sleep 0.1; done
for _ in $(seq 100); do
  curl -fs "http://127.0.0.1:$OIDC_PORT/.well-known/openid-configuration" >/dev/null && break
  sleep 0.1
done

export DATA_DIR="$DATA" SMTP_URL="smtp://127.0.0.1:$SMTP_PORT" MAILDEV_URL="http://127.0.0.1:$WEB_PORT"
export GOOGLE_CLIENT_ID=console-e2e GOOGLE_CLIENT_SECRET=console-e2e-secret
export GOOGLE_ISSUER_URL="http://127.0.0.1:$OIDC_PORT" OIDC_CONTROL_URL="http://127.0.0.1:$OIDC_CONTROL_PORT"
export RATE_LIMIT_PER_MINUTE=10000 MAIL_PER_ADDRESS_PER_HOUR=3 MAIL_RETRY_BASE_SECONDS=1
cargo leptos end-to-end --release
