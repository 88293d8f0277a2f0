#!/usr/bin/env bash
# Reproduces the emulator serving benchmark: builds, starts rsx-emulator, assumes the default
# role, runs bench/emulator_serve_bench against it. Usage: bench/run_emulator_bench.sh [ROWS] [RUNS]
set -euo pipefail
cd "$(dirname "$0")/.."
. bench/start_emulator.sh
eval "$(python3 - <<'PY'
import os, boto3
c = boto3.client("sts", endpoint_url=os.environ["AWS_ENDPOINT_URL"], region_name=os.environ["AWS_REGION"]).assume_role(
    RoleArn=os.environ["RSX_ROLE_ARN"], RoleSessionName="bench", ExternalId=os.environ["RSX_EXTERNAL_ID"])["Credentials"]
print("export AWS_ACCESS_KEY_ID=%s AWS_SECRET_ACCESS_KEY=%s AWS_SESSION_TOKEN=%s" % (c["AccessKeyId"], c["SecretAccessKey"], c["SessionToken"]))
PY
)"
echo "machine: $(nproc) cores, $(free -g | awk '/Mem:/{print $2}') GB, $(date -u +%F)"
./build/emulator_serve_bench "$AWS_ENDPOINT_URL" "${1:-1000000}" "${2:-5}"
