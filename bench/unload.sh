#!/usr/bin/env bash
# UNLOAD against pages on one table, side by side, at 0 and LATENCY_MS (20) ms of added latency:
# builds rsx, starts rsx-emulator, runs bench/unload.py and prints a Markdown table (the one in
# docs/benchmarks.md, "UNLOAD versus pages"). UNLOAD_ROWS (default 10,000,000) and RUNS (3)
# set the size; with RUNS=2 the run took 10 minutes on 2 cores (2026-11-30).
set -euo pipefail
cd "$(dirname "$0")/.."
if [ -z "${RSX_NO_BUILD:-}" ]; then bash scripts/setup >/dev/null; fi
. bench/start_emulator.sh
python3 bench/unload.py "$dir"
