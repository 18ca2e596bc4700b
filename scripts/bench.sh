#!/usr/bin/env bash
# Whole-run benchmark. Generates a learner export once (bench-data/, seed 42), then loads it to
# neo4j-admin import files BENCH_RUNS times (default 3) and prints rows/s and peak memory per run
# and the median. Usage: scripts/bench.sh [ROWS]   (default 1700000)
set -euo pipefail
rows=${1:-1700000}
runs=${BENCH_RUNS:-3}
cd "$(dirname "$0")/.."

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
read -r _ scan_s scan_rps <<<"$("$target_dir/release/examples/bare_scan" "$export_file")"
echo "bare scan with the csv crate (the floor): $scan_rps rows/s, $scan_s s"
results=()
for i in $(seq 1 "$runs"); do
  # Exit code 3 means "finished with quarantined rows", which a generated export always has.
  "$bin" load "$export_file" --target "import-dir:$data/import" --report-dir "$data/run" --quiet || [ $? -eq 3 ]
  line=$(python3 - "$data/run/report.json" <<'PY'
import json, sys
r = json.load(open(sys.argv[1]))
t = r["timings"]
assert r["rows"]["balanced"], "row accounting does not balance"
print(f'{t["rows_per_s"]:.0f} {t["total_s"]:.2f} {t["prescan_s"]:.2f} {t["load_s"]:.2f} {t["peak_rss_mib"]:.0f} '
      f'{t["read_busy_s"]:.1f} {t["transform_busy_s"]:.1f} {t["write_busy_s"]:.1f}')
PY
)
  read -r rps total prescan load peak rb tb wb <<<"$line"
  ratio=$(echo "scale=2; $total / $scan_s" | bc)
  echo "run $i: import-dir  $rps rows/s  ${total} s = ${ratio}x the bare scan (prescan ${prescan} s + load ${load} s)  peak ${peak} MiB  busy: read ${rb} s, transform ${tb} s, write ${wb} s"
  results+=("$rps")
done
median=$(printf '%s\n' "${results[@]}" | sort -n | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}')
echo "median: import-dir $median rows/s"
