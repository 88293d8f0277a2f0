#!/usr/bin/env python3
"""Runs build/type_bench (per-type decode and encode costs) and prints a Markdown table: per
Redshift type, ns per value for the parse floor (simdjson DOM) and for rsx to JSON lines and to
CSV, and rsx's ratio to the floor. CPU time, medians of REPS runs (default 5).
With BASELINE=/path/to/an/older/type_bench, the older build is run too, alternating with this
one in the same run, and the table shows both side by side.
Usage: [BASELINE=...] python3 bench/type_bench.py [path/to/type_bench]"""
import json
import os
import statistics
import subprocess
import sys

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
BIN = sys.argv[1] if len(sys.argv) > 1 else os.path.join(ROOT, "build", "type_bench")
BASE = os.environ.get("BASELINE")
REPS = int(os.environ.get("REPS", "5"))
ROWS = 2000


def run(binary):
    out = subprocess.run([binary, "--benchmark_format=json",
                          "--benchmark_min_time=%s" % os.environ.get("MIN_TIME", "0.1")],
                         capture_output=True, text=True, check=True)
    ns = {}
    for b in json.loads(out.stdout)["benchmarks"]:
        kind, name = b["name"].split("/", 1)
        scale = {"ns": 1, "us": 1e3, "ms": 1e6}[b["time_unit"]]
        ns[(kind, name)] = b["cpu_time"] * scale / ROWS
    return ns


samples = {"new": [], "base": []}
for _ in range(REPS):
    if BASE:
        samples["base"].append(run(BASE))
    samples["new"].append(run(BIN))
med = {k: {key: statistics.median(s[key] for s in v) for key in v[0]} for k, v in samples.items() if v}
names = []
for kind, name in med["new"]:
    if name not in names:
        names.append(name)
new = med["new"]
if BASE:
    base = med["base"]
    print("| type | floor ns/value | JSONL before | JSONL after | after ÷ floor | CSV before | CSV after | after ÷ floor |")
    print("| --- | --- | --- | --- | --- | --- | --- | --- |")
    for n in names:
        f = new[("Floor", n)]
        print("| %s | %.1f | %.1f | %.1f | %.2fx | %.1f | %.1f | %.2fx |" % (
            n, f, base[("Jsonl", n)], new[("Jsonl", n)], new[("Jsonl", n)] / f,
            base[("Csv", n)], new[("Csv", n)], new[("Csv", n)] / f))
else:
    print("| type | floor ns/value | rsx → JSONL ns/value | ÷ floor | rsx → CSV ns/value | ÷ floor |")
    print("| --- | --- | --- | --- | --- | --- |")
    for n in names:
        f = new[("Floor", n)]
        print("| %s | %.1f | %.1f | %.2fx | %.1f | %.2fx |" % (
            n, f, new[("Jsonl", n)], new[("Jsonl", n)] / f, new[("Csv", n)], new[("Csv", n)] / f))
