#!/usr/bin/env bash
# The main job: installs what is missing (Debian packages, LadybugDB's library, built once), builds
# learngraph and loads a learner export into the default target, the embedded database
# ./learngraph.lbdb; `learngraph query --preset list` then shows what to ask it.
# Usage: scripts/run.sh [EXPORT.csv ...]
# Without an export, it generates the 1.7M-row sample once (data/learners.csv, seed 42).
set -euo pipefail
cd "$(dirname "$0")/.."

if ! command -v cargo >/dev/null 2>&1; then
  echo "learngraph needs the Rust toolchain (cargo, Rust 1.85 or newer); install it with rustup." >&2
  exit 1
fi
# shellcheck source=scripts/setup.sh
source scripts/setup.sh
cargo build --release --quiet -p learngraph
target_dir=$(cargo metadata --format-version 1 --no-deps |
  python3 -c 'import json, sys; print(json.load(sys.stdin)["target_directory"])')
bin="$target_dir/release/learngraph"

inputs=("$@")
if [ ${#inputs[@]} -eq 0 ]; then
  mkdir -p data
  if [ ! -f data/learners.csv ]; then
    "$bin" generate --rows "${ROWS:-1700000}" --seed 42 --out data/learners.csv
  fi
  inputs=(data/learners.csv)
fi
# Exit code 3 means the run finished and quarantined some rows: the summary says which.
"$bin" load "${inputs[@]}" || { code=$?; [ "$code" -eq 3 ] || exit "$code"; }
