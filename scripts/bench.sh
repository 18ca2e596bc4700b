#!/usr/bin/env bash
# Whole-run benchmark. Generates a learner export once (bench-data/, seed 42), measures the floor (a
# bare scan with the csv crate, the median of three), then loads the export BENCH_RUNS times
# (default 3) into each of BENCH_TARGETS (default: "import-dir embedded"; the embedded database is
# emptied before each run, then loaded a second time unchanged), and prints rows/s, the ratio to the
# bare scan and peak memory per run, and the median per target. The target "bolt" starts a local
# ArcadeDB (scripts/arcadedb.sh) and loads a fresh database with one writer (the straightforward
# baseline), then another with BENCH_WRITERS parallel writers (default 4), and prints the ratio of
# the two; both databases are laid out with BENCH_BUCKETS buckets per type chosen by server thread
# (default BENCH_WRITERS; 0 keeps ArcadeDB's default layout). The target "polars" runs the Polars
# peer of issue 8 (benches/polars_peer.py, Polars from PyPI in a cached venv) on the same file, then
# the load to import files, and prints the ratio of the two. The target "polars-bolt" runs the
# peer's Bolt mode against the same local ArcadeDB as "bolt" (a fresh database each, laid out
# alike), with one session and with four (BENCH_PEER_SESSIONS, default "1 4"; the four sessions take
# twenty minutes), then learngraph with BENCH_WRITERS writers, and prints the ratios in input rows/s
# and in records written/s (the peer writes learners, skills and HAS_SKILL only). The target
# "resume" loads the embedded database once uninterrupted, then again from empty with a SIGKILL
# halfway (BENCH_KILL_AT, a share of the clean run's time) followed by `--resume`, and prints the
# time of each part. Checkpoints cost: LEARNGRAPH_PIPELINE__CHECKPOINT_INTERVAL_S=1e9 turns them off
# but for the last.
# Usage: scripts/bench.sh [ROWS]   (default 1700000)
set -euo pipefail
rows=${1:-1700000}
runs=${BENCH_RUNS:-3}
targets=${BENCH_TARGETS:-import-dir embedded}
writers=${BENCH_WRITERS:-4}
buckets=${BENCH_BUCKETS:-$writers}
cd "$(dirname "$0")/.."
# shellcheck source=scripts/setup.sh
source scripts/setup.sh

cargo build --release --quiet -p learngraph
target_dir=$(cargo metadata --format-version 1 --no-deps |
  python3 -c 'import json, sys; print(json.load(sys.stdin)["target_directory"])')
bin="$target_dir/release/learngraph"

data=bench-data
mkdir -p "$data"
export_file="$data/learners-$rows.csv"
if [ ! -f "$export_file" ]; then
  echo "generating $rows rows into $export_file" >&2
  start=$(date +%s.%N)
  "$bin" generate --rows "$rows" --seed 42 --out "$export_file" --quiet
  echo "generated in $(echo "$(date +%s.%N) - $start" | bc) s" >&2
fi

echo "machine: $(nproc) cores, $(free -g | awk '/Mem:/ {print $2}') GiB; input: $(du -m "$export_file" | cut -f1) MB, $rows rows"
cargo build --release --quiet -p learngraph-source --example bare_scan
# The floor is the median of three scans: one scan alone can land in a slow second of a shared
# machine and flatter every ratio after it. The file is read once first, so that no scan pays for
# reading it from disk after the build pushed it out of the page cache.
cat "$export_file" >/dev/null
scans=()
for _ in 1 2 3; do
  read -r _ s _ <<<"$("$target_dir/release/examples/bare_scan" "$export_file")"
  scans+=("$s")
done
scan_s=$(printf '%s\n' "${scans[@]}" | sort -n | sed -n 2p)
scan_rps=$(echo "$rows / $scan_s" | bc)
echo "bare scan with the csv crate (the floor, median of ${scans[*]} s): $scan_rps rows/s, $scan_s s"
# One load; prints its figures as one line and leaves report.json in $data/run.
load_once() {
  local label=$1 uri=$2
  # Exit code 3 means "finished with quarantined rows", which a generated export always has.
  "$bin" load "$export_file" --target "$uri" --report-dir "$data/run" --quiet "${@:3}" || [ $? -eq 3 ]
  python3 - "$data/run/report.json" "$label" "$scan_s" <<'PY'
import json, sys
r = json.load(open(sys.argv[1]))
t, g = r["timings"], r["graph"]
assert r["rows"]["balanced"], "row accounting does not balance"
ratio = t["total_s"] / float(sys.argv[3])
print(f'{sys.argv[2]:<18} {t["rows_per_s"]:>8.0f} rows/s  {t["total_s"]:6.2f} s = {ratio:4.2f}x the bare scan '
      f'(prescan {t["prescan_s"]:.2f} s + load {t["load_s"]:.2f} s)  peak {t["peak_rss_mib"]:.0f} MiB  '
      f'busy: read {t["read_busy_s"]:.1f} s, transform {t["transform_busy_s"]:.1f} s, write {t["write_busy_s"]:.1f} s  '
      f'learners written {g["nodes"].get("Learner", 0)}, unchanged {g["learners_unchanged"]}')
PY
}

# The Bolt targets' server: a local ArcadeDB, unless LEARNGRAPH_TEST_BOLT names one already.
start_arcadedb() {
  if [ -z "${LEARNGRAPH_TEST_BOLT:-}" ]; then
    # A larger heap than the tests' 2 GiB: ArcadeDB's page cache is a quarter of it.
    ARCADEDB_HEAP=${ARCADEDB_HEAP:-8g} scripts/arcadedb.sh start >/dev/null
    trap 'scripts/arcadedb.sh stop' EXIT
    # shellcheck source=/dev/null
    source "$(cat "${LEARNGRAPH_CACHE:-$HOME/.cache/learngraph}/arcadedb.state")/env"
  fi
}
# An empty database $1 on that server, laid out with BENCH_BUCKETS buckets per type chosen by
# server thread (default BENCH_WRITERS; 0 leaves ArcadeDB's default layout, one bucket per type).
# The layout keeps the learners' relationships off the hubs, so learngraph writes them without
# hub rounds.
fresh_db() {
  curl -s -u "root:$NEO4J_PASSWORD" -X POST "$ARCADEDB_HTTP/api/v1/server" -d "{\"command\": \"drop database $1\"}" >/dev/null || true
  curl -sf -u "root:$NEO4J_PASSWORD" -X POST "$ARCADEDB_HTTP/api/v1/server" -d "{\"command\": \"create database $1\"}" >/dev/null
  if [ "$buckets" -gt 0 ]; then
    scripts/arcadedb.sh layout "$1" "$buckets"
    export LEARNGRAPH_TARGET__BOLT__HUB_ROUNDS=false
  else
    export LEARNGRAPH_TARGET__BOLT__HUB_ROUNDS=true
  fi
}
# The Polars peer's venv (benches/polars_peer.py), made once.
polars_python() {
  local venv="${LEARNGRAPH_CACHE:-$HOME/.cache/learngraph}/polars-venv"
  if [ ! -x "$venv/bin/python" ] || ! "$venv/bin/python" -c 'import polars, neo4j' 2>/dev/null; then
    python3 -m venv "$venv" >&2 &&
      "$venv/bin/pip" install --quiet --disable-pip-version-check 'polars==2.1.0' 'neo4j==5.28.2' >&2
  fi
  echo "$venv/bin/python"
}
# The value before the word $1 in the line on stdin ("rows/s" → the rate).
field_before() {
  awk -v word="$1" '{for (i = 1; i < NF; i++) if ($(i+1) == word) print $i}'
}

for target in $targets; do
  results=()
  for i in $(seq 1 "$runs"); do
    fresh=""
    case $target in
      import-dir) line=$(load_once "import-dir" "import-dir:$data/import") ;;
      embedded)
        rm -rf "$data/graph.lbdb"
        line=$(load_once "embedded" "embedded:$data/graph.lbdb")
        echo "run $i: $line"
        fresh=$line
        line=$(load_once "embedded (again)" "embedded:$data/graph.lbdb")
        ;;
      bolt)
        start_arcadedb
        fresh_db bench_one
        export NEO4J_DATABASE=bench_one
        line=$(LEARNGRAPH_TARGET__BOLT__WRITERS=1 load_once "bolt, 1 writer" "$LEARNGRAPH_TEST_BOLT")
        echo "run $i: $line"
        single=$(echo "$line" | field_before rows/s)
        fresh_db bench_par
        export NEO4J_DATABASE=bench_par
        line=$(LEARNGRAPH_TARGET__BOLT__WRITERS=$writers load_once "bolt, $writers writers" "$LEARNGRAPH_TEST_BOLT")
        fresh=$line
        par=$(echo "$line" | field_before rows/s)
        line="$line  (ratio to 1 writer: $(echo "scale=2; $par / $single" | bc))"
        ;;
      resume)
        rm -rf "$data/graph.lbdb" "$data/run"
        fresh=$(load_once "embedded" "embedded:$data/graph.lbdb")
        echo "run $i: $fresh"
        clean_s=$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["timings"]["total_s"])' "$data/run/report.json")
        kill_at=$(echo "$clean_s * ${BENCH_KILL_AT:-0.5}" | bc)
        rm -rf "$data/graph.lbdb" "$data/run"
        "$bin" load "$export_file" --target "embedded:$data/graph.lbdb" --report-dir "$data/run" --quiet &
        pid=$!
        sleep "$kill_at"
        kill -9 "$pid" 2>/dev/null || true
        wait "$pid" 2>/dev/null || true
        line=$(load_once "embedded, resumed" "embedded:$data/graph.lbdb" --resume)
        line="$line  (killed at $kill_at s; $(python3 -c 'import json,sys; r=json.load(open(sys.argv[1])).get("resumed") or {}; print(r.get("rows", 0), "rows were committed before")' "$data/run/report.json"))"
        ;;
      polars)
        read -r peer_rps peer_s peer_mib peer_learners _ <<<"$("$(polars_python)" benches/polars_peer.py "$export_file" "$data/polars")"
        echo "run $i: polars peer        $peer_rps rows/s  $peer_s s  peak $peer_mib MiB  ($peer_learners learners)"
        line=$(load_once "import-dir" "import-dir:$data/import")
        ours=$(echo "$line" | field_before rows/s)
        line="$line  (ratio to the Polars peer: $(echo "scale=2; $ours / $peer_rps" | bc))"
        ;;
      polars-bolt)
        start_arcadedb
        python=$(polars_python)
        peer=()
        for sessions in ${BENCH_PEER_SESSIONS:-1 4}; do
          fresh_db "peer_$sessions"
          read -r rps s mib learners records <<<"$(NEO4J_DATABASE="peer_$sessions" "$python" benches/polars_peer.py "$export_file" "$data/polars" --bolt "$LEARNGRAPH_TEST_BOLT" --sessions "$sessions" 2>"$data/polars-bolt.log")"
          retries=$(grep -c 'will be retried' "$data/polars-bolt.log" || true)
          if [ -z "$rps" ]; then
            echo "run $i: polars peer, bolt, $sessions session(s) failed after $retries retried transactions: $(tail -1 "$data/polars-bolt.log")"
            continue
          fi
          echo "run $i: polars peer, bolt, $sessions session(s)  $rps rows/s  $s s  peak $mib MiB  $learners learners, $(echo "$records / $s" | bc) records/s, $retries retried transactions"
          peer+=("$sessions $rps $(echo "$records / $s" | bc)")
        done
        fresh_db bench_par
        line=$(NEO4J_DATABASE=bench_par LEARNGRAPH_TARGET__BOLT__WRITERS=$writers load_once "bolt, $writers writers" "$LEARNGRAPH_TEST_BOLT")
        ours=$(echo "$line" | field_before rows/s)
        ours_records=$(python3 -c 'import json, sys; r = json.load(open(sys.argv[1])); g = r["graph"]; print(int((sum(g["nodes"].values()) + sum(g["relationships"].values())) / r["timings"]["total_s"]))' "$data/run/report.json")
        line="$line  $ours_records records/s"
        for p in "${peer[@]}"; do
          read -r sessions rps rec <<<"$p"
          line="$line  (to the peer with $sessions session(s): $(echo "scale=2; $ours / $rps" | bc) in rows/s, $(echo "scale=2; $ours_records / $rec" | bc) in records/s)"
        done
        ;;
      *) echo "unknown target $target" >&2; exit 2 ;;
    esac
    echo "run $i: $line"
    results+=("$(echo "${fresh:-$line}" | field_before rows/s)")
  done
  median=$(printf '%s\n' "${results[@]}" | sort -n | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}')
  # The polars runs' own figure is learngraph's load to import files beside the peer.
  label=$target
  [ "$target" = polars ] && label="import-dir (beside the Polars peer)"
  [ "$target" = polars-bolt ] && label="bolt, $writers writers (beside the Polars peer)"
  echo "median: $label $median rows/s"
done
