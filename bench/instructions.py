#!/usr/bin/env python3
"""Instructions (callgrind's Ir, every thread of the process) of `rsx result --format jsonl` and
of the parse floor on the data sets of bench/run.sh, their ratio, and where each program's
instructions go (GROUPS). Started by
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


# Where a program's instructions go, by function (inclusive): start-up (the dynamic loader's
# relocations and the libraries' constructors), parsing the pages (the floor's DOM parse; rsx's
# page decoder, which includes simdjson's stage 1), and encoding the output (rsx's JSON-lines
# writer; the floor has none). The rest is HTTP, signing, threads and exit.
GROUPS = {
    "start-up": ["_dl_start", "_dl_init"],
    "parse": ["dom_parser_implementation::parse(", "rsx::PageDecoder::DecodeJson("],
    "encode": ["JsonlWriter::OnPage("],
}


def split(out_dir, name, total):
    r = subprocess.run(["callgrind_annotate", "--inclusive=yes", "--threshold=100",
                        "%s/%s.callgrind" % (out_dir, name)], capture_output=True, text=True)
    got = {}
    for g, needles in GROUPS.items():
        got[g] = 0
        for needle in needles:
            best = 0
            for line in r.stdout.splitlines():
                if needle in line and not line.lstrip().startswith(("<", ">")):
                    m = re.match(r"\s*([\d,]+)", line)
                    if m:
                        best = max(best, int(m.group(1).replace(",", "")))
            got[g] += best
    got["rest"] = total - sum(got.values())
    return got


def main():
    tables = run.load_profile_sets()
    url = run.ENV["AWS_ENDPOINT_URL"]
    head = "| data set | floor | rsx | rsx ÷ floor |"
    if BASELINE:
        head = "| data set | floor | baseline rsx | baseline ÷ floor | rsx | rsx ÷ floor | rsx ÷ baseline |"
    print(head)
    print("|" + " --- |" * (head.count("|") - 1))
    splits = []
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
        splits.append((table, floor, rsx, split(out_dir, "floor", floor), split(out_dir, "rsx", rsx)))
    print("\nWhere the instructions go, in units of the floor's whole run (the floor encodes nothing):\n")
    print("| data set | floor: start-up, parse, rest | rsx: start-up, parse, encode, rest | "
          "rsx parse ÷ floor parse | rsx ÷ floor | without encoding |")
    print("|" + " --- |" * 6)
    for table, floor, rsx, f, r in splits:
        print("| `%s` | %.2f, %.2f, %.2f | %.2f, %.2f, %.2f, %.2f | %.2fx | %.2fx | %.2fx |" % (
            table, f["start-up"] / floor, f["parse"] / floor, f["rest"] / floor, r["start-up"] / floor,
            r["parse"] / floor, r["encode"] / floor, r["rest"] / floor, r["parse"] / f["parse"], rsx / floor,
            (rsx - r["encode"]) / floor), flush=True)


if __name__ == "__main__":
    main()
