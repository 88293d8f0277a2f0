#!/usr/bin/env bash
# The one benchmark command: builds rsx, starts rsx-emulator, loads the data sets and measures
# rsx against the boto3 loop, the AWS CLI and the parse floor side by side, plus small-query
# latency, micro-benchmarks and sync; writes the results into docs/benchmarks.md.
# See bench/run.py for what is measured and the size knobs (MIXED_ROWS, RUNS, ...).
# The full run takes about 45 minutes on 2 cores.
set -euo pipefail
cd "$(dirname "$0")/.."
if [ -z "${RSX_NO_BUILD:-}" ]; then bash scripts/setup >/dev/null; fi
. bench/start_emulator.sh
python3 bench/run.py "$dir"
