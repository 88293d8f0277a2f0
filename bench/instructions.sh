#!/usr/bin/env bash
# Instructions executed (valgrind's callgrind; exact and repeatable, unlike CPU time on a shared
# machine) by `rsx result` to JSONL and by the parse floor, per data set of bench/run.sh: builds
# rsx, starts rsx-emulator, runs bench/instructions.py and prints two Markdown tables: the totals,
# and where each program's instructions go (start-up, parsing, rsx's encoding, the rest).
# RSX_BASELINE=/path/to/an/older/rsx adds a column for that build; SHAPE_ROWS, MIXED_ROWS and
# WIDE_ROWS size the data sets as in bench/run.sh. About 10 minutes on 2 cores.
set -euo pipefail
cd "$(dirname "$0")/.."
if [ -z "${RSX_NO_BUILD:-}" ]; then bash scripts/setup >/dev/null; fi
# --split (bench/split.sh) runs bench/split.py under perf instead; --replay (bench/replay.sh)
# runs bench/replay.py.
script=bench/instructions.py tool=valgrind package=valgrind
if [ "${1:-}" = --split ]; then script=bench/split.py tool=perf package=linux-perf; fi
if [ "${1:-}" = --replay ]; then script=bench/replay.py tool=python3 package=python3; fi
command -v $tool >/dev/null || { echo "$0: needs $tool (apt-get install $package)" >&2; exit 1; }
. bench/start_emulator.sh
python3 $script "$dir"
