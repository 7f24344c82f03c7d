#!/usr/bin/env bash
# The real token-expiry tests (HTTP refresh-and-retry, realtime 4001 reconnect), against a node
# whose access tokens live 2 s; scripts/test runs it after the main suite:
#   ATELIER_IDENTITY_ACCESS_TOKEN_TTL=2s ATELIER_IDENTITY_LEEWAY=0s \
#     scripts/with-server sdks/typescript/test-expiry.sh
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")"
[[ -d node_modules ]] || npm ci --no-audit --no-fund
npm run -s build
# Set, the expiry tests fail instead of skipping when tokens live longer than 5 s.
export ATELIER_TEST_EXPECT_SHORT_TOKENS=1
node --test --test-name-pattern="real expiry|4001" dist/test/*.test.js
