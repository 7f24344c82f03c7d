#!/usr/bin/env bash
# Regenerates atelier_client/ (the generated client) from ../../openapi/v1.json with the pinned
# openapi-python-client (requirements-dev.txt). Usage: ./generate.sh [OUTPUT_DIR]
# (default: atelier_client). Needs the venv (./test.sh creates it).
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
out="${1:-$here/atelier_client}"
venv="${ATELIER_SDK_VENV:-$here/.venv}"
[[ -x "$venv/bin/openapi-python-client" ]] ||
    { echo "generate.sh: $venv/bin/openapi-python-client missing; run ./test.sh or pip install -r requirements-dev.txt" >&2; exit 1; }
# The generator formats its output with ruff (pinned too): it must be on PATH.
export PATH="$venv/bin:$PATH"
openapi-python-client generate \
    --path "$here/../../openapi/v1.json" \
    --config "$here/openapi-python-client.yaml" \
    --meta none \
    --output-path "$out" \
    --overwrite
# The generator leaves ruff's cache in the package.
rm -rf "$out/.ruff_cache"
