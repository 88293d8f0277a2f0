"""Shared by the fault and crash matrices: a table of a few hundred thousand rows, rsx sync
runs against it, and the check that a sync's output is exactly the table."""
import hashlib
import json
import os
import subprocess
import urllib.request

RSX = os.environ.get("RSX_BIN", os.path.join(os.path.dirname(__file__), "../../build/rsx"))
ROWS = int(os.environ.get("RSX_MATRIX_ROWS", "300000"))
TABLE = "public.matrix_t"


def create_table(emu):
    emu.psql("drop table if exists matrix_t; "
             "create table matrix_t (id bigint primary key, ts timestamp not null, v text); "
             "insert into matrix_t select g, timestamp '2024-01-01' + (g / 7) * interval '1 second', "
             "'v' || md5(g::text) from generate_series(1, %d) g" % ROWS)


def env(emu, **extra):
    e = {k: v for k, v in os.environ.items() if not k.startswith(("AWS_", "RSX_"))}
    e.update({k: v for k, v in emu.env.items() if k != "RSX_EMULATOR_PG_DSN"})
    e.update(AWS_EC2_METADATA_DISABLED="true", HOME="/nonexistent")
    e.update(extra)
    return e


MODES = {
    "full": ["--parallel", "1", "--chunk-rows", "40000"],
    "parallel": ["--parallel", "4", "--chunk-rows", "40000"],
    "incremental": ["--incremental", "--cursor", "ts", "--parallel", "1", "--chunk-rows", "40000"],
}


def sync_args(mode, out):
    return [RSX, "sync", "--stream", TABLE, "--to", out, "--statement-timeout", "20s"] + MODES[mode]


def expected_digest():
    h = hashlib.sha256()
    for i in range(1, ROWS + 1):
        h.update(b"%d\n" % i)
    return h.hexdigest()


def output_ids(out):
    """Every line of the stream's file must parse; returns the ids in file order."""
    ids = []
    with open(os.path.join(out, "public.matrix_t.jsonl")) as f:
        for n, line in enumerate(f, 1):
            try:
                ids.append(json.loads(line)["id"])
            except ValueError as e:
                raise AssertionError("line %d does not parse (%s): %r" % (n, e, line[:120]))
    return ids


def digest(ids):
    h = hashlib.sha256()
    for i in sorted(ids):
        h.update(b"%d\n" % i)
    return h.hexdigest()


def control(emu, path, body=None, method="GET"):
    data = json.dumps(body).encode() if body is not None else None
    req = urllib.request.Request(emu.url + path, method=method, data=data)
    return json.load(urllib.request.urlopen(req))


def fired(emu):
    return control(emu, "/_emulator/stats").get("faults_fired", {})


def report(line):
    """Prints a matrix's summary, and appends it to $RSX_MATRIX_REPORT (scripts/test prints that
    file after ctest, which hides the output of passing tests)."""
    print("\n" + line)
    path = os.environ.get("RSX_MATRIX_REPORT")
    if path:
        with open(path, "a") as f:
            f.write(line + "\n")
