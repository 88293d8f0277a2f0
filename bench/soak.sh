#!/usr/bin/env bash
# Soak (not CI): SOAK_MINUTES (default 30) of syncs with random faults and kills; see bench/soak.py.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup
bash scripts/build
export AWS_EC2_METADATA_DISABLED=true
exec python3 bench/soak.py
