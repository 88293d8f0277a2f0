#!/usr/bin/env bash
# rsx sync of a 10M-row table (id bigint primary key, numeric, varchar, timestamp) from
# rsx-emulator to JSONL, with --parallel 1 and 4 side by side: statements, peak RSS, rows/s. Usage: bench/sync_10m.sh [ROWS] [CHUNK]
set -euo pipefail
cd "$(dirname "$0")/.."
rows=${1:-10000000}; chunk=${2:-500000}
. bench/start_emulator.sh
psql "$RSX_EMULATOR_PG_DSN" -X -q -c "create table big (id bigint primary key, amount numeric(18,4), name varchar(64), ts timestamp);
  insert into big select g, g / 7.0, 'row ' || g, timestamp '2020-01-01' + g * interval '1 second' from generate_series(1, $rows) g; analyze big;"
echo "machine: $(nproc) cores, $(free -g | awk '/Mem:/{print $2}') GB, $(date -u +%F); rows=$rows chunk=$chunk"
for parallel in 1 4; do
  rm -rf "$dir/out"
  /usr/bin/time -f "rsx --parallel $parallel: user %U s, sys %S s, wall %e s, peak RSS %M KB" \
    ./build/rsx sync --stream public.big --to "$dir/out" --chunk-rows "$chunk" --parallel "$parallel" 2>&1 | tail -2
  python3 -c "import json; m=json.load(open('$dir/out/manifest.json')); s=m['streams'][0]; print('  rows', s['rows'], 'statements', s['statements'])"
done
