#!/usr/bin/env python3
"""`rsx sync --via pages --parallel 4` against `rsx sync --via unload` on one table, side by
side in one run, with no added latency and with LATENCY_MS (default 20) added before every AWS
answer (Data API, STS and S3 alike; POST /_emulator/latency). Start it with bench/unload.sh,
which builds rsx and starts rsx-emulator.

The table is the odd-types table of tests/emulator/test_sync_unload.py (numeric(38,10),
timestamptz, unicode and quotes/newlines/delimiters in text, NULL and '', float8 with NaN,
boolean, date, SUPER, VARBYTE) with UNLOAD_ROWS rows (default 10,000,000). For each latency,
the two paths run RUNS times alternating; each run's output is checked against the first
pages run (row count equal to psql's, and the multiset of lines equal: an order-free hash of
every line) before its time is kept. Prints a Markdown table: wall time, rows/s, rsx CPU
(user+sys) and peak RSS, medians; and whether the staged files were removed.
"""
import hashlib
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), ".."))
sys.path.insert(0, os.path.join(ROOT, "tests/emulator"))
from test_sync_unload import ODD_TABLE  # noqa: E402  the same table as the equality tests

RSX = os.path.join(ROOT, "build/rsx")
E = os.environ
ROWS = int(E.get("UNLOAD_ROWS", 10_000_000))
RUNS = int(E.get("RUNS", 3))
LATENCIES = [0, int(E.get("LATENCY_MS", 20))]
COMPRESSION = E.get("UNLOAD_COMPRESSION", "zstd")
WORK = sys.argv[1] if len(sys.argv) > 1 else tempfile.mkdtemp()
URL = E["AWS_ENDPOINT_URL"]
ENV = dict(E, HOME=os.path.join(WORK, "home"))


def psql(sql):
    out = subprocess.run(["psql", E["RSX_EMULATOR_PG_DSN"], "-X", "-A", "-t", "-v", "ON_ERROR_STOP=1", "-c", sql],
                         capture_output=True, text=True, check=True)
    return out.stdout.strip()


def set_latency(ms):
    req = urllib.request.Request(URL + "/_emulator/latency", method="POST", data=json.dumps({"ms": ms}).encode())
    urllib.request.urlopen(req).read()


def multiset(path):
    """(lines, an order-free digest of them)."""
    n, acc = 0, 0
    with open(path, "rb") as f:
        for line in f:
            acc = (acc + int.from_bytes(hashlib.blake2b(line, digest_size=16).digest(), "little")) % (1 << 128)
            n += 1
    return n, acc


def run(via, out):
    shutil.rmtree(out, ignore_errors=True)
    cmd = [RSX, "sync", "--stream", "public.odd", "--to", out, "--via", via]
    if via == "pages":
        cmd += ["--parallel", "4"]
    else:
        cmd += ["--unload-compression", COMPRESSION]
    tfile = out + ".time"
    t = time.perf_counter()
    p = subprocess.Popen(["/usr/bin/time", "-f", "%M", "-o", tfile] + cmd, stdout=subprocess.DEVNULL,
                         stderr=subprocess.PIPE, env=ENV)
    _, status, ru = os.wait4(p.pid, 0)
    wall = time.perf_counter() - t
    err = p.stderr.read().decode()
    if os.waitstatus_to_exitcode(status) != 0:
        raise SystemExit("%s failed:\n%s" % (" ".join(cmd), err[-2000:]))
    with open(tfile) as f:
        rss = int(f.read().split()[-1]) / 1024
    with open(os.path.join(out, "manifest.json")) as f:
        stream = json.load(f)["streams"][0]
    return wall, ru.ru_utime + ru.ru_stime, rss, stream.get("unload_seconds"), stream.get("download_seconds")


def staged_objects():
    out = subprocess.run(["aws", "s3", "ls", "--recursive", "s3://rsx-stage/unload/"], capture_output=True, text=True,
                         env=dict(E, AWS_ACCESS_KEY_ID=ENV["READER_KEY"], AWS_SECRET_ACCESS_KEY=ENV["READER_SECRET"],
                                  AWS_SESSION_TOKEN=ENV["READER_TOKEN"]))
    return [l for l in out.stdout.splitlines() if l.strip()]


def main():
    os.makedirs(WORK, exist_ok=True)
    t = time.perf_counter()
    psql("drop table if exists odd")
    psql(ODD_TABLE.replace("{ROWS}", str(ROWS)) + "; analyze odd")
    print("loaded %d rows in %.0f s" % (ROWS, time.perf_counter() - t), file=sys.stderr)
    count = int(psql("select count(*) from odd"))
    assert count == ROWS
    # What PostgreSQL alone takes to produce the rows as text (one backend, no file, no network):
    # the least the emulator's UNLOAD statement can take on this machine.
    copies = []
    for _ in range(2):
        t = time.perf_counter()
        psql("copy (select * from odd) to '/dev/null'")
        copies.append(time.perf_counter() - t)
    copy_s = min(copies)
    creds = json.loads(subprocess.run(
        ["aws", "sts", "assume-role", "--role-arn", E["RSX_ROLE_ARN"], "--role-session-name", "bench",
         "--external-id", E["RSX_EXTERNAL_ID"]], capture_output=True, text=True, check=True).stdout)["Credentials"]
    ENV.update(READER_KEY=creds["AccessKeyId"], READER_SECRET=creds["SecretAccessKey"],
               READER_TOKEN=creds["SessionToken"])
    reference = None
    results = []
    for ms in LATENCIES:
        set_latency(ms)
        times = {"pages": [], "unload": []}
        for i in range(RUNS):
            for via in ("pages", "unload"):
                out = os.path.join(WORK, via)
                wall, cpu, rss, unload_s, download_s = run(via, out)
                got = multiset(os.path.join(out, "public.odd.jsonl"))
                if reference is None:
                    reference = got
                    assert got[0] == count, "pages wrote %d rows, psql counts %d" % (got[0], count)
                if got != reference:
                    raise SystemExit("%s at %d ms wrote other rows than pages: %r vs %r" % (via, ms, got, reference))
                if via == "unload":
                    left = staged_objects()
                    if left:
                        raise SystemExit("staged files left behind: %r" % left[:5])
                times[via].append((wall, cpu, rss, unload_s or 0, download_s or 0))
                print("%4d ms %-6s run %d: %.1f s wall, %.1f s CPU, %.0f MB%s" % (
                    ms, via, i + 1, wall, cpu, rss,
                    ", UNLOAD %.1f s + download %.1f s" % (unload_s, download_s) if via == "unload" else ""),
                    file=sys.stderr)
        for via in ("pages", "unload"):
            w = statistics.median(x[0] for x in times[via])
            c = statistics.median(x[1] for x in times[via])
            r = max(x[2] for x in times[via])
            u = statistics.median(x[3] for x in times[via])
            d = statistics.median(x[4] for x in times[via])
            results.append((ms, via, w, count / w, c, r, u, d))
    set_latency(0)
    print("| added latency | path | wall s (median of %d) | of which: UNLOAD statement / download | rows/s | "
          "rsx CPU s | peak RSS MB |" % RUNS)
    print("|---|---|---|---|---|---|---|")
    for ms, via, w, rate, c, r, u, d in results:
        label = "`--via pages --parallel 4`" if via == "pages" else "`--via unload` (%s)" % COMPRESSION
        split = "%.1f / %.1f" % (u, d) if via == "unload" else ""
        print("| %d ms | %s | %.1f | %s | %s | %.1f | %.0f |" % (ms, label, w, split, format(int(rate), ","), c, r))
    for ms in LATENCIES:
        p = [x for x in results if x[0] == ms and x[1] == "pages"][0]
        u = [x for x in results if x[0] == ms and x[1] == "unload"][0]
        print("\nAt %d ms: unload is %.2fx faster than pages (wall), %.2fx the CPU." % (ms, p[2] / u[2], u[4] / p[4]))
    print("\nEvery run wrote the same multiset of %d lines; no staged file was left." % count)
    print("PostgreSQL's own COPY of the table to /dev/null (the least an UNLOAD statement takes here): %.1f s"
          % copy_s)


if __name__ == "__main__":
    main()
