#!/usr/bin/env bash
# Checks and tests the Rust SDK: generator drift, clippy, rustfmt, then cargo test.
# The server tests (sdk/tests/server.rs) need a node: run this through the repo's
#   ./scripts/with-server sdks/rust/test.sh
# Extra arguments go to `cargo test`.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")"
# Reuse the platform's compiled dependencies (same versions, pinned in Cargo.lock).
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-$(cd ../.. && pwd)/target}"

step() { printf '\n== %s\n' "$*" >&2; }

step "generator --check (sdk/src/generated.rs is what progenitor makes of openapi/v1.json)"
cargo run --locked -q -p atelier-sdk-generator -- --check
step "cargo clippy --all-targets -- -D warnings"
cargo clippy --locked -q --all-targets -- -D warnings
step "cargo fmt --check"
cargo fmt --check
step "cargo test"
if [[ -z "${ATELIER_BASE_URL:-}" || -z "${ATELIER_API_KEY:-}" ]]; then
    echo "note: ATELIER_BASE_URL/ATELIER_API_KEY not set: the server tests will fail; use ./scripts/with-server sdks/rust/test.sh" >&2
fi
cargo test --locked "$@"
if [[ -n "${ATELIER_BASE_URL:-}" && -n "${ATELIER_API_KEY:-}" ]]; then
    step "cargo run --example quickstart (the README's quick start, against the server)"
    cargo run --locked -q --example quickstart
fi
