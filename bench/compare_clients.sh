#!/usr/bin/env bash
# rsx against what users would otherwise use, on the same completed statement, side by side in
# one run: a boto3 paginator loop writing JSON lines, `aws redshift-data get-statement-result`
# (automatic pagination) to a file, and rsx reading the same result. Rows are checked equal
# before any timing is reported. Usage: bench/compare_clients.sh [ROWS] [RUNS]
set -euo pipefail
cd "$(dirname "$0")/.."
rows=${1:-200000}; runs=${2:-3}
. bench/start_emulator.sh
eval "$(python3 - <<'PY'
import os, boto3
c = boto3.client("sts").assume_role(RoleArn=os.environ["RSX_ROLE_ARN"], RoleSessionName="bench",
                                    ExternalId=os.environ["RSX_EXTERNAL_ID"])["Credentials"]
print("export AWS_ACCESS_KEY_ID=%s AWS_SECRET_ACCESS_KEY=%s AWS_SESSION_TOKEN=%s AWS_DEFAULT_REGION=%s" %
      (c["AccessKeyId"], c["SecretAccessKey"], c["SessionToken"], os.environ["AWS_REGION"]))
PY
)"
unset RSX_ROLE_ARN RSX_EXTERNAL_ID   # rsx below uses the same session credentials directly
sql="select g as id, (g * 7) % 1000 as small, g::numeric(18,4) / 3 as amount, 'name ' || g || ' ü' as name, timestamp '2020-01-01' + g * interval '1 second' as ts, g % 2 = 0 as flag, (g * 1.5)::float8 as ratio, case when g % 10 = 0 then null else date '2020-01-01' + (g % 1000) end as day from generate_series(1, $rows) g"
# One completed statement for the peers (they read a finished result).
sid=$(python3 -c "
import boto3, sys, time
c = boto3.client('redshift-data')
i = c.execute_statement(WorkgroupName='$RSX_WORKGROUP', Database='$RSX_DATABASE', Sql=sys.argv[1])['Id']
while c.describe_statement(Id=i)['Status'] not in ('FINISHED', 'FAILED', 'ABORTED'): time.sleep(0.05)
print(i)" "$sql")
echo "machine: $(nproc) cores, $(free -g | awk '/Mem:/{print $2}') GB, $(date -u +%F); rows=$rows runs=$runs"
times="$dir/times"
for i in $(seq 1 "$runs"); do
  /usr/bin/time -f "boto3 %U %S %e %M" python3 bench/boto3_loop.py "$sid" "$dir/boto3.jsonl" >/dev/null 2>>"$times"
  /usr/bin/time -f "awscli %U %S %e %M" aws --endpoint-url "$AWS_ENDPOINT_URL" redshift-data get-statement-result \
    --id "$sid" --output json >"$dir/cli.json" 2>>"$times"
  # rsx runs the statement itself (submit, poll, stream): its time includes that wait.
  /usr/bin/time -f "rsx-jsonl %U %S %e %M" ./build/rsx query "$sql" --format jsonl >"$dir/rsx.jsonl" 2>>"$times"
  /usr/bin/time -f "rsx-csv %U %S %e %M" ./build/rsx query "$sql" --format csv --result-format csv >"$dir/rsx.csv" 2>>"$times"
done
python3 - "$dir" "$rows" <<'PY'
import json, statistics, sys
d, rows = sys.argv[1], int(sys.argv[2])
# The same rows, before any timing is trusted.
boto = sum(1 for _ in open(d + "/boto3.jsonl"))
cli = len(json.load(open(d + "/cli.json"))["Records"])
rj = sum(1 for _ in open(d + "/rsx.jsonl"))
rc = sum(1 for _ in open(d + "/rsx.csv")) - 1
assert boto == cli == rj == rc == rows, (boto, cli, rj, rc, rows)
ids_boto = [json.loads(l)["id"] for l in open(d + "/boto3.jsonl")]
ids_rsx = [json.loads(l)["id"] for l in open(d + "/rsx.jsonl")]
assert ids_boto == ids_rsx
by = {}
for line in open(d + "/times"):
    parts = line.split()
    if len(parts) == 5 and parts[0] in ("boto3", "awscli", "rsx-jsonl", "rsx-csv"):
        name, u, s, e, m = parts
        by.setdefault(name, []).append((float(u) + float(s), float(e), int(m)))
med = {k: (statistics.median(x[0] for x in v), statistics.median(x[1] for x in v), max(x[2] for x in v)) for k, v in by.items()}
print("| client | CPU s | CPU us/row | wall s | rows/s | peak RSS MB | CPU vs rsx-jsonl |")
print("| --- | --- | --- | --- | --- | --- | --- |")
for k in ("boto3", "awscli", "rsx-jsonl", "rsx-csv"):
    cpu, wall, rss = med[k]
    print("| %s | %.2f | %.2f | %.2f | %.0f | %.0f | %.1fx |" % (k, cpu, cpu / rows * 1e6, wall, rows / wall, rss / 1024, cpu / med["rsx-jsonl"][0]))
print("rows checked equal: %d from each client" % rows)
PY
