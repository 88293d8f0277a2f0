#!/usr/bin/env python3
"""rsx's user-space hot path against the parse floor on saved pages (build/page_replay), per data
set of bench/run.sh: each result's pages are saved once (parse_floor with PARSE_FLOOR_SAVE), then
decoded and written by rsx and parsed by simdjson's DOM in one process, alternating, with no
network or emulator in between. Started by bench/replay.sh. Far less noisy than whole runs on a
shared machine, so two builds compare well: REPLAY_BASELINE=/path/to/an/older/page_replay adds
its column (runs alternate between the two builds). Also prints what writing the JSON lines
alone to a file costs, against the floor.

ONLY (default mixed,wide,shapes) picks the data sets, as in bench/run.py; ROUNDS (default 11)
and REPEATS (default 3) size each measurement."""
import os
import re
import statistics
import subprocess
import sys


sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import run  # noqa: E402  the data sets, loading and session of bench/run.py

BASELINE = os.environ.get("REPLAY_BASELINE", "")
ROUNDS = os.environ.get("ROUNDS", "11")
REPEATS = int(os.environ.get("REPEATS", 3))


def replay(binary, pages, out_file=None):
    cmd = [binary, pages, ROUNDS] + ([out_file] if out_file else [])
    out = subprocess.run(cmd, capture_output=True, text=True, check=True).stdout
    ratio = float(re.search(r"round-ratio median ([\d.]+)", out).group(1))
    w = re.search(r"write ([\d.]+) MB: median [\d.]+ ms, ([\d.]+) of the floor", out)
    return ratio, (float(w.group(1)), float(w.group(2))) if w else None


def main():
    tables = run.load_profile_sets()
    url = run.ENV["AWS_ENDPOINT_URL"]
    cols = ["data set"] + (["baseline ÷ floor"] if BASELINE else []) + ["rsx ÷ floor", "output MB",
                                                                        "writing it alone ÷ floor"]
    print("| " + " | ".join(cols) + " |")
    print("|" + " --- |" * len(cols))
    for table in tables:
        sid, _ = run.run_sql(f"select * from {table} order by id")
        pages = os.path.join(run.WORK, table, "pages")
        os.makedirs(pages, exist_ok=True)
        for f in os.listdir(pages):
            os.remove(os.path.join(pages, f))
        subprocess.run(["build/parse_floor", url, sid, "json"], env=dict(run.ENV, PARSE_FLOOR_SAVE=pages),
                       cwd=run.ROOT, check=True, stdout=subprocess.DEVNULL)
        out_file = os.path.join(run.WORK, table, "replay.jsonl")
        rsx, base, written = [], [], None
        for _ in range(REPEATS):
            if BASELINE:
                base.append(replay(BASELINE, pages)[0])
            r, written = replay(os.path.join(run.ROOT, "build/page_replay"), pages, out_file)
            rsx.append(r)
        row = ["`%s`" % table] + (["%.2fx" % statistics.median(base)] if BASELINE else [])
        row += ["%.2fx" % statistics.median(rsx), "%.0f" % written[0], "%.2f" % written[1]]
        print("| " + " | ".join(row) + " |", flush=True)


if __name__ == "__main__":
    main()
