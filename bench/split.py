#!/usr/bin/env python3
"""Where the CPU time of `rsx result --format jsonl` and of the parse floor goes, per data set of
bench/run.sh: perf's cpu-clock samples (10 kHz, every thread) grouped into parsing the pages
(simdjson's stages and rsx's page decoder), encoding the output (rsx's value and row writers),
memcpy, the kernel and the rest. Started by bench/split.sh. Like CPU time, the split moves with
the machine's load; compare runs by their shares, and builds by bench/instructions.sh.

ONLY (default mixed,wide,shapes) picks the data sets, as in bench/run.py."""
import collections
import os
import subprocess
import sys


sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import run  # noqa: E402  the data sets, loading and session of bench/run.py

PARSE = ("stage1", "stage2", "parse_string", "PageDecoder::", "simdjson")
ENCODE = ("WriteJsonValue", "RowEncoder::", "WriteRfc3339", "WriteQuoted", "WriteJsonString", "WriteEscape",
          "to_chars", "JsonlWriter", "OutBuf", "SuperJson", "IsJsonNumber")
GROUPS = ("parse", "encode", "memcpy", "kernel", "other")


def split(cmd, out_path, data_path):
    with open(out_path, "wb") as out:
        subprocess.run(["perf", "record", "-q", "-e", "cpu-clock", "-F", "10000", "-o", data_path] + cmd,
                       stdout=out, stderr=subprocess.DEVNULL, env=run.ENV, cwd=run.ROOT, check=True)
    report = subprocess.run(["perf", "report", "-i", data_path, "--no-children", "--sort", "sym",
                             "-F", "period,sym", "--stdio", "-q"], capture_output=True, text=True, check=True).stdout
    ms = collections.Counter()
    for line in report.splitlines():
        parts = line.split(None, 1)
        if len(parts) < 2 or not parts[0].isdigit():
            continue
        ns, sym = int(parts[0]), parts[1]
        if "[k]" in sym:
            ms["kernel"] += ns / 1e6
        elif any(k in sym for k in PARSE):
            ms["parse"] += ns / 1e6
        elif any(k in sym for k in ENCODE):
            ms["encode"] += ns / 1e6
        elif "memmove" in sym or "memcpy" in sym:
            ms["memcpy"] += ns / 1e6
        else:
            ms["other"] += ns / 1e6
    return ms


def main():
    tables = run.load_profile_sets()
    url = run.ENV["AWS_ENDPOINT_URL"]
    print("| data set | program | total ms | " + " | ".join(GROUPS) + " | rsx parse ÷ floor parse |")
    print("|" + " --- |" * (len(GROUPS) + 4))
    for table in tables:
        sid, _ = run.run_sql(f"select * from {table} order by id")
        work = os.path.join(run.WORK, table)
        os.makedirs(work, exist_ok=True)
        floor = split(["build/parse_floor", url, sid, "json"], os.devnull, os.path.join(work, "floor.perf"))
        rsx = split([run.RSX, "result", sid, "--format", "jsonl"], os.path.join(work, "out.jsonl"),
                    os.path.join(work, "rsx.perf"))
        for name, ms in (("floor", floor), ("rsx", rsx)):
            ratio = "%.2fx" % (rsx["parse"] / floor["parse"]) if name == "rsx" and floor["parse"] else ""
            print("| `%s` | %s | %.0f | %s | %s |" % (table, name, sum(ms.values()),
                                                      " | ".join("%.0f" % ms[g] for g in GROUPS), ratio), flush=True)


if __name__ == "__main__":
    main()
