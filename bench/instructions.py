#!/usr/bin/env python3
"""Instructions (callgrind's Ir, every thread of the process) of `rsx result --format jsonl` and
of the parse floor on the data sets of bench/run.sh, and their ratio. Started by
bench/instructions.sh. Instruction counts do not move with the machine's load, so two builds can
be compared exactly (RSX_BASELINE); CPU time, which also pays for cache misses, branch
mispredictions and the kernel, is what bench/run.sh reports.

ONLY (default mixed,wide,shapes) picks the data sets, as in bench/run.py."""
import os
import re
import subprocess
import sys


sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import run  # noqa: E402  the data sets, loading and session of bench/run.py

BASELINE = os.environ.get("RSX_BASELINE", "")


def instructions(cmd, out_dir, name):
    r = subprocess.run(["valgrind", "--tool=callgrind", "--callgrind-out-file=%s/%s.callgrind" % (out_dir, name)] + cmd,
                       stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True, env=run.ENV, cwd=run.ROOT)
    m = re.search(r"Collected : (\d+)", r.stderr)
    if r.returncode != 0 or not m:
        raise SystemExit("%s failed under valgrind:\n%s" % (" ".join(cmd), r.stderr[-2000:]))
    return int(m.group(1))


def main():
    tables = run.load_profile_sets()
    url = run.ENV["AWS_ENDPOINT_URL"]
    head = "| data set | floor | rsx | rsx ÷ floor |"
    if BASELINE:
        head = "| data set | floor | baseline rsx | baseline ÷ floor | rsx | rsx ÷ floor | rsx ÷ baseline |"
    print(head)
    print("|" + " --- |" * (head.count("|") - 1))
    for table in tables:
        sid, _ = run.run_sql(f"select * from {table} order by id")
        out_dir = os.path.join(run.WORK, table)
        os.makedirs(out_dir, exist_ok=True)
        floor = instructions(["build/parse_floor", url, sid, "json"], out_dir, "floor")
        rsx = instructions([run.RSX, "result", sid, "--format", "jsonl"], out_dir, "rsx")
        if BASELINE:
            base = instructions([BASELINE, "result", sid, "--format", "jsonl"], out_dir, "baseline")
            print("| `%s` | %.0fM | %.0fM | %.2fx | %.0fM | %.2fx | %.2fx |" % (
                table, floor / 1e6, base / 1e6, base / floor, rsx / 1e6, rsx / floor, rsx / base), flush=True)
        else:
            print("| `%s` | %.0fM | %.0fM | %.2fx |" % (table, floor / 1e6, rsx / 1e6, rsx / floor), flush=True)


if __name__ == "__main__":
    main()
