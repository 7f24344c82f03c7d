#!/usr/bin/env bash
# CI entry point for the TypeScript SDK, run against a throwaway server:
#   scripts/with-server sdks/typescript/test.sh
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")"
npm ci --no-audit --no-fund          # also builds (the `prepare` script)
npm run check-generated              # src/schema.d.ts matches ../../openapi/v1.json
npm run typecheck                    # tsc --strict over src, test and examples
npm test                             # node:test against $ATELIER_BASE_URL
npm run quickstart                   # the README's quick start, as written
npm run realtime-example             # the README's realtime example, as written
