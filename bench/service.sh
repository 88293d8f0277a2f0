#!/usr/bin/env bash
# The rsx serve benchmark: API load on SQLite and PostgreSQL, then 20 concurrent syncs
# (bench/service_bench.py; writes its table into docs/benchmarks.md).
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup
bash scripts/build rsx rsx-emulator >/dev/null
export AWS_EC2_METADATA_DISABLED=true
exec python3 bench/service_bench.py "$@"
