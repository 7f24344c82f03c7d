#!/usr/bin/env bash
# CI entry point: `scripts/with-server sdks/python/test.sh` (from the repo root).
# Creates/updates .venv from requirements-dev.txt, runs the drift test, then pytest against the
# node named by ATELIER_BASE_URL / ATELIER_API_KEY. Extra arguments go to pytest.
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
cd "$here"
python="${PYTHON:-python3.11}"
stamp=.venv/.requirements-dev.txt
if [[ ! -x .venv/bin/python ]]; then
    "$python" -m venv .venv
fi
if ! cmp -s requirements-dev.txt "$stamp"; then
    .venv/bin/python -m pip install -q --disable-pip-version-check -r requirements-dev.txt
    cp requirements-dev.txt "$stamp"
fi
./check_generated.sh
exec .venv/bin/python -m pytest "$@"
