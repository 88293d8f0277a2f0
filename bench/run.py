#!/usr/bin/env python3
"""The benchmark run behind docs/benchmarks.md; start it with bench/run.sh (which builds rsx and
starts rsx-emulator). In one run, on one machine:

1. loads three data sets into rsx-emulator (through the Data API): `bench_mixed` (1M rows of
   int8, int4, numeric(18,4), varchar with unicode, timestamp, timestamptz, bool, date, float8,
   with NULLs), `bench_narrow` (10M rows of int8, int4) and `bench_wide` (10k rows x 200 columns);
2. runs `select *` of each once per result format (JSON and CSV), and reads those completed
   statements with every client, RUNS times, alternating: the boto3 paginator loop, the AWS CLI,
   `rsx result` (JSONL and CSV output, on JSON and on CSV results) and the floor (libcurl +
   simdjson DOM parse, no output);
3. checks that every client returned the same rows (values compared by column type) before any
   time is kept;
4. measures small-query latency (`rsx query "select 1"`, LATENCY_RUNS times), the Google
   Benchmark micro-benchmarks, and `rsx sync` of the narrow table (--parallel 1 and 4);
5. writes the tables into docs/benchmarks.md between the bench/run.sh markers.

Sizes and repetitions come from the environment: MIXED_ROWS, NARROW_ROWS, WIDE_ROWS, RUNS,
LATENCY_RUNS, PEERS_ON_NARROW=1 (boto3 and the CLI also read the 10M-row table; hours),
PEERS=0 (rsx and the floor only), ONLY=mixed,wide,narrow,shapes,latency,micro,sync (a subset;
shapes is the column-shape matrix: timestamps, decimals, long text, NULLs, SHAPE_ROWS rows each),
BENCH_DOCS=0 (print only), RSX_BASELINE=/path/to/an/older/rsx (timed side by side with
build/rsx on the same results, to compare two builds in one run).
"""
import csv
import datetime
import json
import os
import re
import statistics
import subprocess
import sys
import time
from decimal import Decimal

import boto3

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from boto3_loop import value as field_value  # noqa: E402  the same Field -> value as the boto3 loop

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), ".."))
RSX = os.path.join(ROOT, "build/rsx")
WORK = sys.argv[1] if len(sys.argv) > 1 else None  # a scratch folder
E = os.environ
MIXED_ROWS = int(E.get("MIXED_ROWS", 1_000_000))
NARROW_ROWS = int(E.get("NARROW_ROWS", 10_000_000))
WIDE_ROWS = int(E.get("WIDE_ROWS", 10_000))
SHAPE_ROWS = int(E.get("SHAPE_ROWS", 300_000))
RUNS = int(E.get("RUNS", 5))
LATENCY_RUNS = int(E.get("LATENCY_RUNS", 50))
PEERS_ON_NARROW = E.get("PEERS_ON_NARROW") == "1"
PEERS = E.get("PEERS", "1") == "1"  # 0: rsx and the floor only (for quick iterations)
ONLY = E.get("ONLY", "mixed,wide,narrow,shapes,latency,micro,sync").split(",")
# The column-shape matrix: data sets heavy in one kind of value each (SHAPE_ROWS rows, an int8 id
# plus these columns), to see which types keep rsx away from the floor.
SHAPES = {
    "bench_ts": "timestamp '2020-01-01' + g * interval '1.5 second' as t1, "
                "timestamptz '2020-01-01 00:00:00+00' + g * interval '1 minute' as t2, "
                "timestamp '2021-06-01 12:00:00.123456' + g * interval '1 millisecond' as t3, "
                "timestamptz '2019-01-01 00:00:00+00' - g * interval '1 hour' as t4",
    "bench_dec": "(g::numeric(38,10) / 7)::numeric(38,10) as d1, (g::numeric(12,2) / 3)::numeric(12,2) as d2, "
                 "(g * 12345.678901)::numeric(24,6) as d3, ((-g)::numeric(18,4) / 11)::numeric(18,4) as d4",
    "bench_text": "repeat('text, \"quoted\" ' || g || ' ', 12)::varchar(400) as t1, "
                  "(md5(g::text) || repeat('ü日', 20))::varchar(200) as t2",
    "bench_nulls": ", ".join("case when g %% 10 = %d then %s end as n%d" % (i, v, i) for i, v in enumerate(
        ["g::int8", "'v' || g", "(g * 1.5)::float8", "(g % 2 = 0)", "date '2020-01-01' + (g % 1000)",
         "(g::numeric(12,2) / 3)::numeric(12,2)", "timestamp '2020-01-01' + g * interval '1 second'", "(g % 100)::int4"])),
}
BASELINE = E.get("RSX_BASELINE", "")


def log(*a):
    print(*a, file=sys.stderr, flush=True)


# ---------------------------------------------------------------- credentials and statements

def session_env():
    """The role session every client uses (they all read statements this session ran)."""
    sts = boto3.client("sts")
    c = sts.assume_role(RoleArn=E["RSX_ROLE_ARN"], RoleSessionName="bench",
                        ExternalId=E["RSX_EXTERNAL_ID"], DurationSeconds=43200)["Credentials"]
    env = {k: v for k, v in E.items() if k not in ("RSX_ROLE_ARN", "RSX_EXTERNAL_ID", "AWS_PROFILE")}
    env.update(AWS_ACCESS_KEY_ID=c["AccessKeyId"], AWS_SECRET_ACCESS_KEY=c["SecretAccessKey"],
               AWS_SESSION_TOKEN=c["SessionToken"], AWS_DEFAULT_REGION=E["AWS_REGION"])
    return env


ENV = {}    # the clients' environment, set by main()
DATA = None  # a boto3 redshift-data client of the same session


def run_sql(sql, result_format="JSON"):
    sid = DATA.execute_statement(WorkgroupName=E["RSX_WORKGROUP"], Database=E["RSX_DATABASE"], Sql=sql,
                                 ResultFormat=result_format)["Id"]
    while True:
        d = DATA.describe_statement(Id=sid)
        if d["Status"] == "FINISHED":
            return sid, d
        if d["Status"] in ("FAILED", "ABORTED"):
            raise SystemExit("statement failed: %s\n%s" % (d.get("Error"), sql[:300]))
        time.sleep(0.05)


def load_profile_sets():
    """For the profiling scripts (instructions.py, split.py): opens the session, loads the data
    sets ONLY names (default mixed,wide,shapes) and returns their tables."""
    global DATA, ONLY
    ENV.update(session_env())
    DATA = boto3.client("redshift-data", aws_access_key_id=ENV["AWS_ACCESS_KEY_ID"],
                        aws_secret_access_key=ENV["AWS_SECRET_ACCESS_KEY"],
                        aws_session_token=ENV["AWS_SESSION_TOKEN"])
    ONLY = os.environ.get("ONLY", "mixed,wide,shapes").split(",")
    load_data()
    tables = [t for t, key in (("bench_mixed", "mixed"), ("bench_wide", "wide")) if key in ONLY]
    if "shapes" in ONLY:
        tables += list(SHAPES)
    return tables


def load_data():
    t = time.time()
    run_sql("drop table if exists bench_mixed, bench_narrow, bench_wide")
    run_sql(f"""create table bench_mixed as select g::int8 as id, ((g * 7) % 1000)::int4 as small,
        (g::numeric(18,4) / 3)::numeric(18,4) as amount,
        case when g % 13 = 0 then null else 'name ' || g || ' ü 日本 😀' end::varchar(64) as name,
        timestamp '2020-01-01' + g * interval '1.5 second' as ts,
        timestamptz '2020-01-01 00:00:00+00' + g * interval '1 minute' as tstz,
        case when g % 7 = 0 then null else g % 2 = 0 end as flag,
        case when g % 10 = 0 then null else date '2020-01-01' + (g % 1000) end as day,
        (g * 1.25)::float8 as ratio
        from generate_series(1, {MIXED_ROWS}) g""")
    if "narrow" in ONLY or "sync" in ONLY:
        load_narrow()
    if "wide" in ONLY:
        load_wide()
    if "shapes" in ONLY:
        for table, select in SHAPES.items():
            run_sql(f"drop table if exists {table}")
            run_sql(f"create table {table} as select g::int8 as id, {select} from generate_series(1, {SHAPE_ROWS}) g")
    log("loaded data sets in %.0f s" % (time.time() - t))


def load_narrow():
    run_sql(f"create table bench_narrow as select g::int8 as id, (g % 1000)::int4 as v "
            f"from generate_series(1, {NARROW_ROWS}) g")
    run_sql("alter table bench_narrow add primary key (id)")


def load_wide():
    cols = []
    for i in range(200):  # a rotation of integer, numeric, text, timestamp and boolean columns
        kind = i % 5
        cols.append([f"(g + {i})::int8", f"((g * {i + 1}) % 100000)::numeric(12,2) / 7",
                     f"'c{i}-' || g", f"timestamp '2021-01-01' + (g + {i}) * interval '1 minute'",
                     f"(g + {i}) % 3 = 0"][kind] + f" as c{i:03d}")
    run_sql("create table bench_wide as select g::int8 as id, " + ", ".join(cols) +
            f" from generate_series(1, {WIDE_ROWS}) g")


# ---------------------------------------------------------------------------- measuring

def measure(cmd, out_path):
    """Runs cmd with stdout to out_path (to /dev/null when it ends in ".devnull", its .time and
    .err files beside it); returns (cpu s, wall s, peak RSS MB).

    CPU comes from wait4 (user+sys of the command, through GNU time). Peak RSS comes from GNU
    time, which forks the command from a small process: Linux carries the exec-ing process's
    high-water mark into ru_maxrss, so a child forked from this Python would report its size."""
    tfile = out_path + ".time"
    target = os.devnull if out_path.endswith(".devnull") else out_path
    with open(target, "wb") as out, open(out_path + ".err", "wb") as err:
        t = time.perf_counter()
        p = subprocess.Popen(["/usr/bin/time", "-f", "%M", "-o", tfile] + cmd, stdout=out, stderr=err,
                             env=ENV, cwd=ROOT)
        _, status, ru = os.wait4(p.pid, 0)
        wall = time.perf_counter() - t
    if os.waitstatus_to_exitcode(status) != 0:
        raise SystemExit("%s failed:\n%s" % (" ".join(cmd), open(out_path + ".err").read()[-2000:]))
    rss_kb = int(open(tfile).read().split()[-1])
    return ru.ru_utime + ru.ru_stime, wall, rss_kb / 1024


def clients(sid_json, sid_csv, peers):
    url = ENV["AWS_ENDPOINT_URL"]
    c = []
    if peers:
        c.append(("boto3 loop (JSON lines)", "boto3.jsonl", ["python3", "bench/boto3_loop.py", sid_json]))
        c.append(("AWS CLI get-statement-result", "cli.json",
                  ["aws", "--endpoint-url", url, "redshift-data", "get-statement-result", "--id", sid_json,
                   "--output", "json"]))
    c += [("rsx, JSON results -> JSONL", "rsx_json.jsonl", [RSX, "result", sid_json, "--format", "jsonl"]),
          # The same, written to /dev/null: the difference is what writing the lines into a file
          # costs (the kernel's copy into the page cache), which the floor never pays.
          ("rsx, JSON results -> JSONL to /dev/null", "rsx_json.devnull",
           [RSX, "result", sid_json, "--format", "jsonl"]),
          ("rsx, JSON results -> CSV", "rsx_json.csv", [RSX, "result", sid_json, "--format", "csv"]),
          ("rsx, CSV results -> JSONL", "rsx_csv.jsonl", [RSX, "result", sid_csv, "--format", "jsonl"]),
          ("rsx, CSV results -> CSV", "rsx_csv.csv", [RSX, "result", sid_csv, "--format", "csv"]),
          ("floor, JSON results (curl + simdjson)", "floor_json.txt", ["build/parse_floor", url, sid_json, "json"]),
          ("floor, CSV results (curl + simdjson)", "floor_csv.txt", ["build/parse_floor", url, sid_csv, "csv"])]
    if BASELINE:
        c += [("baseline rsx, JSON results -> JSONL", "base_json.jsonl", [BASELINE, "result", sid_json, "--format", "jsonl"]),
              ("baseline rsx, CSV results -> CSV", "base_csv.csv", [BASELINE, "result", sid_csv, "--format", "csv"])]
    return c


# ---------------------------------------------------------------------- same rows check

def canon(value, type_name):
    """One comparable form per column type, whichever client wrote the value."""
    if value is None:
        return None
    if type_name in ("int2", "int4", "int8", "bool"):
        return value
    if type_name == "numeric":
        return Decimal(str(value))
    if type_name == "float8":
        return float(value)
    if type_name in ("timestamp", "timestamptz"):
        return datetime.datetime.fromisoformat(str(value))
    return value


def check_same_rows(folder, columns, rows, peers):
    """Streams every client's output in lockstep; stops at the first difference."""
    names = [c["name"] for c in columns]
    types = [c["typeName"] for c in columns]

    def jsonl(path):
        with open(path, encoding="utf-8") as f:
            for line in f:
                r = json.loads(line, parse_float=Decimal)
                yield [canon(r[n], t) for n, t in zip(names, types)]

    def csv_rows(path):
        with open(path, encoding="utf-8", newline="") as f:
            yield from typed_csv(path, csv.reader(f))

    def typed_csv(path, reader):
        if next(reader) != names:
            raise SystemExit("%s: the CSV header is not the column names" % path)
        for r in reader:
            out = []
            for v, t in zip(r, types):
                if v == "":
                    out.append(None)  # no empty strings in these data sets
                elif t in ("int2", "int4", "int8"):
                    out.append(int(v))
                elif t == "bool":
                    out.append(v == "t")
                else:
                    out.append(canon(v, t))
            yield out

    sources = {"rsx_json.jsonl": jsonl(folder + "/rsx_json.jsonl"),
               "rsx_csv.jsonl": jsonl(folder + "/rsx_csv.jsonl"),
               "rsx_json.csv": csv_rows(folder + "/rsx_json.csv"),
               "rsx_csv.csv": csv_rows(folder + "/rsx_csv.csv")}
    if peers:
        sources["boto3.jsonl"] = jsonl(folder + "/boto3.jsonl")
        with open(folder + "/cli.json") as f:
            cli = json.load(f)
        if [c["name"] for c in cli["ColumnMetadata"]] != names:
            raise SystemExit("the CLI's columns differ")
        sources["cli.json"] = ([canon(field_value(f), t) for f, t in zip(rec, types)] for rec in cli["Records"])
    n = 0
    iters = list(sources.items())
    while True:
        got = [next(it, StopIteration) for _, it in iters]
        ended = [g is StopIteration for g in got]
        if all(ended):
            break
        if any(ended):
            raise SystemExit("row %d: %s ended early" % (n + 1, [k for (k, _), e in zip(iters, ended) if e]))
        for (k, _), g in zip(iters[1:], got[1:]):
            if g != got[0]:
                raise SystemExit("row %d differs: %s has %r, %s has %r" % (n + 1, iters[0][0], got[0], k, g))
        n += 1
    for kind in ("json", "csv"):
        with open(f"{folder}/floor_{kind}.txt") as f:
            floor_rows = int(f.read().split()[0])
        if floor_rows != rows:
            raise SystemExit("the floor read %d rows of the %s result, not %d" % (floor_rows, kind, rows))
    if n != rows:
        raise SystemExit("clients returned %d rows, the statement has %d" % (n, rows))
    return len(sources) + 2


# ------------------------------------------------------------------------- data set runs

def bench_dataset(table, rows, peers):
    folder = os.path.join(WORK, table)
    os.makedirs(folder, exist_ok=True)
    sid_json, d = run_sql(f"select * from {table} order by id")
    sid_csv, _ = run_sql(f"select * from {table} order by id", "CSV")
    columns = DATA.get_statement_result(Id=sid_json)["ColumnMetadata"]
    size = d.get("ResultSize", 0)
    times = {}
    for run in range(RUNS):
        for name, out, cmd in clients(sid_json, sid_csv, peers):
            times.setdefault(name, []).append(measure(cmd, os.path.join(folder, out)))
        if run == 0:
            checked = check_same_rows(folder, columns, rows, peers)
            log("%s: %d rows equal across %d outputs" % (table, rows, checked))
        log("%s: run %d of %d done" % (table, run + 1, RUNS))
    med = {k: (statistics.median(x[0] for x in v), statistics.median(x[1] for x in v), max(x[2] for x in v))
           for k, v in times.items()}
    # Each run's own ratio to the floor of that run, then their median: the load of a shared
    # machine drifts between runs more than within one.
    floor = times["floor, JSON results (curl + simdjson)"]
    ratio = {k: statistics.median(x[0] / f[0] for x, f in zip(v, floor)) for k, v in times.items()}
    return {"table": table, "rows": rows, "columns": len(columns), "result_bytes": size, "med": med,
            "ratio": ratio, "checked": checked}


def dataset_table(r):
    rows = r["rows"]
    rsx = r["med"]["rsx, JSON results -> JSONL"][0]
    floor = r["med"]["floor, JSON results (curl + simdjson)"][0]
    lines = ["| client | CPU s | CPU µs/row | wall s | rows/s | peak RSS MB | CPU ÷ rsx JSONL | CPU ÷ floor |",
             "| --- | --- | --- | --- | --- | --- | --- | --- |"]
    for name, (cpu, wall, rss) in r["med"].items():
        lines.append("| %s | %.2f | %.3f | %.2f | %s | %.0f | %.1fx | %.1fx |" % (
            name, cpu, cpu / rows * 1e6, wall, f"{rows / wall:,.0f}", rss, cpu / rsx, cpu / floor))
    return "\n".join(lines)


# ------------------------------------------------------------------------------ latency

def latency():
    """rsx query "select 1" end to end, three ways side by side (interleaved, LATENCY_RUNS each):
    as before long polling (polling DescribeStatement, assuming the role each time); with long
    polling and a cold credential cache (assuming the role); with long polling and a warm cache."""
    home = os.path.join(WORK, "latency-home")
    os.makedirs(home, exist_ok=True)
    env = dict(E, RSX_HOME=home)
    variants = [("polling, no credential cache (before)", ["--long-polling", "off", "--no-credential-cache"]),
                ("long polling, cold credential cache", ["--no-credential-cache"]),
                ("long polling, warm credential cache", [])]
    pat = re.compile(r"timings: ([\d.]+) ms from the command's start; ([\d.]+) ms inside (\d+) HTTP requests; "
                     r"([\d.]+) ms asleep between \d+ status checks; ([\d.]+) ms other work")
    def spawn(args, out, err):
        # posix_spawn, not fork: forking this Python process would add milliseconds to each run.
        t = time.perf_counter()
        pid = os.posix_spawn(args[0], args, env, file_actions=[
            (os.POSIX_SPAWN_OPEN, 1, out, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600),
            (os.POSIX_SPAWN_OPEN, 2, err, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)])
        _, status, _ = os.wait4(pid, 0)
        if os.waitstatus_to_exitcode(status) != 0:
            raise SystemExit("%s failed: %s" % (args, open(err).read()))
        return (time.perf_counter() - t) * 1000

    out, err = os.path.join(WORK, "select1.out"), os.path.join(WORK, "select1.err")
    spawn([RSX, "query", "select 1"], out, err)  # warms the credential cache
    runs = {name: {"walls": [], "http": [], "asleep": [], "other": [], "totals": [], "requests": []}
            for name, _ in variants}
    starts = []
    for _ in range(LATENCY_RUNS):
        for name, flags in variants:
            r = runs[name]
            r["walls"].append(spawn([RSX, "query", "select 1", "--format", "csv", "--timings"] + flags, out, err))
            m = pat.search(open(err).read())
            if not m or open(out).read().split() != ["?column?", "1"]:
                raise SystemExit("select 1 failed: " + open(err).read())
            r["totals"].append(float(m.group(1)))
            r["http"].append(float(m.group(2)))
            r["requests"].append(int(m.group(3)))
            r["asleep"].append(float(m.group(4)))
            r["other"].append(float(m.group(5)))
        starts.append(spawn([RSX, "--version"], out, err))
    med = statistics.median
    result = {"version": med(starts), "variants": []}
    for name, _ in variants:
        r = runs[name]
        result["variants"].append({
            "name": name, "wall": med(r["walls"]), "http": med(r["http"]), "asleep": med(r["asleep"]),
            "other": med(r["other"]), "own": med([w - h for w, h in zip(r["walls"], r["http"])]),
            "in_main": med([t - h for t, h in zip(r["totals"], r["http"])]),
            "outside_main": med([w - t for w, t in zip(r["walls"], r["totals"])]),
            "requests": "%d-%d" % (min(r["requests"]), max(r["requests"]))
            if min(r["requests"]) != max(r["requests"]) else str(r["requests"][0])})
    return result


# ------------------------------------------------------------------------- micro benches

def micro():
    p = subprocess.run([os.path.join(ROOT, "build/micro_bench"), "--benchmark_repetitions=%d" % max(RUNS, 5),
                        "--benchmark_min_time=0.2", "--benchmark_format=json"],
                       capture_output=True, text=True, check=True)
    out = {}
    for b in json.loads(p.stdout)["benchmarks"]:
        if b.get("aggregate_name") == "median":
            out[b["run_name"]] = b
    return out


def micro_table(m):
    rows = 2000
    floor = m["BM_SimdjsonDomParse"]["cpu_time"]
    lines = ["| benchmark | CPU per iteration | CPU µs/row | MB/s | ÷ simdjson DOM parse |",
             "| --- | --- | --- | --- | --- |"]
    for name, b in m.items():
        unit = b["time_unit"]
        ns = b["cpu_time"] * {"ns": 1, "us": 1e3, "ms": 1e6}[unit]
        per_row = "" if name == "BM_SignV4" else "%.3f" % (ns / 1000 / rows)
        mbs = "%.0f" % (b["bytes_per_second"] / 1e6) if "bytes_per_second" in b else ""
        ratio = "" if name == "BM_SignV4" else "%.2fx" % (b["cpu_time"] / floor)
        lines.append("| %s | %.1f µs | %s | %s | %s |" % (name[3:], ns / 1000, per_row, mbs, ratio))
    return "\n".join(lines)


# ---------------------------------------------------------------------------------- sync

def sync():
    out = {}
    for parallel in (1, 4):
        res = []
        for run in range(RUNS):
            folder = os.path.join(WORK, "sync-%d" % parallel)
            subprocess.run(["rm", "-rf", folder], check=True)
            cpu, wall, rss = measure([RSX, "sync", "--stream", "public.bench_narrow", "--to", folder,
                                      "--chunk-rows", "500000", "--parallel", str(parallel)],
                                     os.path.join(WORK, "sync.log"))
            m = json.load(open(os.path.join(folder, "manifest.json")))["streams"][0]
            if m["rows"] != NARROW_ROWS:
                raise SystemExit("sync wrote %d rows, not %d" % (m["rows"], NARROW_ROWS))
            res.append((cpu, wall, rss, m["statements"]))
        out[parallel] = (statistics.median(r[0] for r in res), statistics.median(r[1] for r in res),
                         max(r[2] for r in res), res[0][3])
    return out


# ----------------------------------------------------------------------------------- main

def machine():
    model = next((l.split(":", 1)[1].strip() for l in open("/proc/cpuinfo") if l.startswith("model name")), "?")
    mem = int(next(l.split()[1] for l in open("/proc/meminfo") if l.startswith("MemTotal"))) / 1024 / 1024
    return "%s, %d cores, %.0f GB, Debian %s" % (model, os.cpu_count(), mem, open("/etc/debian_version").read().strip())


def main():
    global DATA
    started = time.time()
    ENV.update(session_env())
    DATA = boto3.client("redshift-data", aws_access_key_id=ENV["AWS_ACCESS_KEY_ID"],
                        aws_secret_access_key=ENV["AWS_SECRET_ACCESS_KEY"],
                        aws_session_token=ENV["AWS_SESSION_TOKEN"])
    load_data()
    results = []
    if "mixed" in ONLY:
        results.append(bench_dataset("bench_mixed", MIXED_ROWS, PEERS))
    if "wide" in ONLY:
        results.append(bench_dataset("bench_wide", WIDE_ROWS, PEERS))
    if "narrow" in ONLY:
        results.append(bench_dataset("bench_narrow", NARROW_ROWS, PEERS and PEERS_ON_NARROW))
    if "shapes" in ONLY:
        for table in SHAPES:
            results.append(bench_dataset(table, SHAPE_ROWS, PEERS))
    lat = latency() if "latency" in ONLY else None
    mic = micro() if "micro" in ONLY else None
    syn = sync() if "sync" in ONLY else {}
    took = (time.time() - started) / 60
    md = ["<!-- bench/run.sh begin: generated, do not edit by hand -->",
          "%s UTC on %s; RUNS=%d (medians; peak RSS is the maximum), the run took %.0f min." % (
              datetime.datetime.utcnow().strftime("%Y-%m-%d %H:%M"), machine(), RUNS, took), ""]
    for r in results:
        md += ["### `%s`: %s rows × %d columns, %.0f MB of JSON result" % (
            r["table"], f"{r['rows']:,}", r["columns"], r["result_bytes"] / 1e6), "",
            "Rows checked equal across %d outputs before timing was kept." % r["checked"], "",
            dataset_table(r), ""]
    if results:
        md += ["### Every data set: rsx (JSON results -> JSONL) against the floor and boto3", "",
               "rsx writes its lines to a file; the floor writes nothing. The same rsx run with its "
               "lines sent to /dev/null shows what the file write alone costs, in units of the floor. "
               "Ratios are the median of each run's own ratio (rsx and the floor of the same run).", "",
               "| data set | rows × columns | rsx CPU µs/row | rsx ÷ floor | rsx to /dev/null ÷ floor | "
               "file write ÷ floor | boto3 ÷ rsx |", "| --- | --- | --- | --- | --- | --- | --- |"]
        for r in results:
            m, q = r["med"], r["ratio"]
            rsx_cpu = m["rsx, JSON results -> JSONL"][0]
            boto = m.get("boto3 loop (JSON lines)")
            to_file, to_null = q["rsx, JSON results -> JSONL"], q["rsx, JSON results -> JSONL to /dev/null"]
            md.append("| `%s` | %s × %d | %.3f | %.2fx | %.2fx | %.2f | %s |" % (
                r["table"], f"{r['rows']:,}", r["columns"], rsx_cpu / r["rows"] * 1e6, to_file, to_null,
                to_file - to_null, "%.0fx" % (boto[0] / rsx_cpu) if boto else "not run"))
        md.append("")
    if lat:
        md += ["### Small-query latency: `rsx query \"select 1\"`, median of %d, the three ways interleaved" % LATENCY_RUNS, "",
           "| how rsx waits and gets the role | HTTP requests | end to end | inside HTTP requests | rsx's own | "
           "of which in main (asleep + other work) | of which asleep polling | of which process start and exit |",
           "| --- | --- | --- | --- | --- | --- | --- | --- |"]
        for v in lat["variants"]:
            md.append("| %s | %s | %.1f ms | %.1f ms | %.1f ms | %.1f ms | %.1f ms | %.1f ms |" % (
                v["name"], v["requests"], v["wall"], v["http"], v["own"], v["in_main"], v["asleep"], v["outside_main"]))
        md += ["", "`rsx --version` (process start and exit alone): %.1f ms." % lat["version"], ""]
    if mic:
        md += ["### Micro-benchmarks (Google Benchmark, median of %d repetitions; pages of 2,000 rows × 8 columns)" % max(RUNS, 5),
           "", micro_table(mic), ""]
    if syn:
        md += ["### `rsx sync` of `bench_narrow` (%s rows, --chunk-rows 500000) to JSONL" % f"{NARROW_ROWS:,}", "",
           "| mode | statements | wall s | rows/s | rsx CPU s | peak RSS MB |", "| --- | --- | --- | --- | --- | --- |"]
    for parallel, (cpu, wall, rss, statements) in syn.items():
        md.append("| --parallel %d | %d | %.1f | %s | %.1f | %.0f |" % (
            parallel, statements, wall, f"{NARROW_ROWS / wall:,.0f}", cpu, rss))
    md.append("<!-- bench/run.sh end -->")
    text = "\n".join(md)
    print(text)
    if E.get("BENCH_DOCS", "1") == "1":
        path = os.path.join(ROOT, "docs/benchmarks.md")
        doc = open(path, encoding="utf-8").read()
        begin, end = doc.index("<!-- bench/run.sh begin"), doc.index("<!-- bench/run.sh end -->")
        doc = doc[:begin] + text + doc[end + len("<!-- bench/run.sh end -->"):]
        open(path, "w", encoding="utf-8").write(doc)
        log("wrote docs/benchmarks.md")


if __name__ == "__main__":
    main()
