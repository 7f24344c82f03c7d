#!/usr/bin/env bash
# Drift test: regenerates the client into a temporary directory and fails if it differs from
# the committed atelier_client/ (run ./generate.sh after changing openapi/v1.json).
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
tmp="$(mktemp -d)"
trap 'rm -rf "$tmp"' EXIT
"$here/generate.sh" "$tmp/atelier_client" >"$tmp/generate.log" 2>&1 ||
    { cat "$tmp/generate.log" >&2; exit 1; }
if ! diff -r -u -x __pycache__ -x .ruff_cache "$here/atelier_client" "$tmp/atelier_client" >"$tmp/diff"; then
    head -n 200 "$tmp/diff" >&2
    echo "check_generated.sh: atelier_client/ is out of date with openapi/v1.json; run sdks/python/generate.sh" >&2
    exit 1
fi
echo "check_generated.sh: atelier_client/ matches openapi/v1.json"
