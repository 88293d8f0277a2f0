#!/usr/bin/env bash
# JSON (GetStatementResult) vs CSV (GetStatementResultV2) result format for `rsx query`, side by
# side in one run: 1M rows x 8 mixed columns, RUNS alternating runs each, output to /dev/null;
# prints the median user+sys CPU seconds, wall seconds and peak RSS of the rsx process.
# Usage: bench/result_format_bench.sh [ROWS] [RUNS]
set -euo pipefail
cd "$(dirname "$0")/.."
rows=${1:-1000000}; runs=${2:-5}
. bench/start_emulator.sh
sql="select g as id, (g * 7) % 1000 as small, g::numeric(18,4) / 3 as amount, 'name ' || g || ' ü' as name, timestamp '2020-01-01' + g * interval '1 second' as ts, g % 2 = 0 as flag, (g * 1.5)::float8 as ratio, case when g % 10 = 0 then null else date '2020-01-01' + (g % 1000) end as day from generate_series(1, $rows) g"
echo "machine: $(nproc) cores, $(free -g | awk '/Mem:/{print $2}') GB, $(date -u +%F); rows=$rows runs=$runs"
for i in $(seq 1 "$runs"); do
  for rf in json csv; do
    for fmt in jsonl csv; do
      /usr/bin/time -f "$rf $fmt %U %S %e %M" ./build/rsx query "$sql" --format "$fmt" --result-format "$rf" \
        >/dev/null 2>"$dir/err" || { cat "$dir/err"; exit 1; }
      tail -1 "$dir/err" >>"$dir/times"
    done
  done
done
python3 - "$dir/times" "$rows" <<'PY'
import statistics, sys
rows = int(sys.argv[2]); by = {}
for line in open(sys.argv[1]):
    rf, fmt, u, s, e, m = line.split()
    by.setdefault((rf, fmt), []).append((float(u) + float(s), float(e), int(m)))
print("| result format | output | CPU s (median) | CPU us/row | wall s (median) | peak RSS MB |")
print("| --- | --- | --- | --- | --- | --- |")
for (rf, fmt), v in sorted(by.items()):
    cpu = statistics.median(x[0] for x in v); wall = statistics.median(x[1] for x in v)
    print("| %s | %s | %.2f | %.2f | %.2f | %.1f |" % (rf.upper(), fmt, cpu, cpu / rows * 1e6, wall, max(x[2] for x in v) / 1024))
PY
