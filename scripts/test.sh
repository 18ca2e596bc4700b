#!/usr/bin/env bash
# The project's checks, as CI runs them: formatting, lints, docs, and every test (the Bolt tests
# against a local ArcadeDB server, the embedded ones against LadybugDB). Arguments go to
# `cargo test`: scripts/test.sh --test resume embedded
set -euo pipefail
cd "$(dirname "$0")/.."
# shellcheck source=scripts/setup.sh
source scripts/setup.sh

cargo fmt --all --check
cargo clippy --workspace --all-targets --locked -- -D warnings
RUSTDOCFLAGS="-D warnings" cargo doc --workspace --no-deps --locked --quiet
log=$(mktemp)
trap 'rm -f "$log"' EXIT
# The Bolt tests need a real server: ArcadeDB with its Bolt plugin, started for the run and
# stopped after it whatever happens.
scripts/arcadedb.sh run cargo test --workspace --locked "$@" 2>&1 | tee "$log"
# One closing line for the whole workspace (cargo prints one per test binary, the last often empty).
awk '/^test result:/ { p += $4; f += $6 } END { printf "tests: %d passed, %d failed\n", p, f; exit (f > 0) }' "$log"
