"""rsx sync against rsx-emulator: full sync equals psql in both formats; incremental emits
exactly the new and changed rows (boundary ties included); kill -9 and rerun loses nothing;
odd identifiers; bad input."""
import csv
import hashlib
import io
import json
import os
import signal
import subprocess
import tempfile
import time
import unittest

from emulator_fixture import Emulator

RSX = os.environ.get("RSX_BIN", os.path.join(os.path.dirname(__file__), "../../build/rsx"))
EMU = None
TICKIT = ["all_types", "category", "date", "event", "listing", "sales", "users", "venue"]


def setUpModule():
    global EMU
    EMU = Emulator()


def tearDownModule():
    EMU.stop()


def env():
    e = {k: v for k, v in os.environ.items() if not k.startswith(("AWS_", "RSX_"))}
    e.update({k: v for k, v in EMU.env.items() if k != "RSX_EMULATOR_PG_DSN"})
    e.update(AWS_EC2_METADATA_DISABLED="true", HOME="/nonexistent")
    return e


def sync(*args, check=True):
    p = subprocess.run([RSX, "sync"] + list(args), capture_output=True, text=True, env=env(), timeout=600)
    if check and p.returncode != 0:
        raise AssertionError("rsx sync %s exited %d: %s" % (" ".join(args), p.returncode, p.stderr))
    return p


def digest(rows):
    return len(rows), hashlib.sha256("".join("\x1f".join(r) + "\x1e" for r in sorted(rows)).encode()).hexdigest()


def csv_rows(path):
    with open(path, newline="") as f:
        return [r for r in csv.reader(f)][1:]


def psql_rows(sql):
    return [[("" if v == "\\N" else v[2:] if v.startswith("\\x") else v) for v in r] for r in EMU.psql(sql)]


class FullRefresh(unittest.TestCase):
    def test_tickit_equals_psql_in_both_formats(self):
        for fmt in ("csv", "jsonl"):
            with tempfile.TemporaryDirectory() as out:
                streams = [a for t in TICKIT for a in ("--stream", "public." + t)]
                p = sync(*streams, "--to", out, "--format", fmt, "--chunk-rows", "3000", "--parallel", "1")
                manifest = json.load(open(os.path.join(out, "manifest.json")))
                self.assertEqual(sorted(s["stream"] for s in manifest["streams"]), ["public." + t for t in TICKIT])
                for table in TICKIT:
                    expected = EMU.psql("select count(*) from %s" % table)[0][0]
                    entry = [s for s in manifest["streams"] if s["stream"] == "public." + table][0]
                    self.assertEqual(str(entry["rows"]), expected, table)
                    if fmt == "csv" and table != "all_types":
                        self.assertEqual(digest(csv_rows(entry["file"])), digest(psql_rows("select * from %s" % table)), table)
                    if fmt == "jsonl":
                        lines = open(entry["file"]).read().splitlines()
                        self.assertEqual(len(lines), int(expected))
                        ids = [json.loads(l) for l in lines]
                        if table == "sales":
                            self.assertEqual([r["salesid"] for r in ids], list(range(1, 17001)))
                sales = [s for s in manifest["streams"] if s["stream"] == "public.sales"][0]
                self.assertEqual(sales["statements"], 7)  # the key check + 17,000 rows in chunks of 3,000

    def test_parallel_key_ranges_in_key_order(self):
        with tempfile.TemporaryDirectory() as out:
            p = sync("--stream", "public.listing", "--to", out, "--format", "csv", "--chunk-rows", "1500", "--parallel", "4")
            rows = csv_rows(os.path.join(out, "public.listing.csv"))
            self.assertEqual(digest(rows), digest(psql_rows("select * from listing")))
            self.assertEqual([int(r[0]) for r in rows], list(range(1, 20001)))  # written in key order
            manifest = json.load(open(os.path.join(out, "manifest.json")))
            self.assertGreaterEqual(manifest["streams"][0]["statements"], 15)  # key check, probe, 14 ranges
            self.assertEqual([f for f in os.listdir(out) if f.startswith(".rsx-part")], [])
            state = json.load(open(os.path.join(out, ".rsx-state.json")))["streams"]["public.listing"]
            self.assertTrue(state["complete"])

    def test_identifiers_with_quotes_spaces_unicode_and_reserved_words(self):
        EMU.psql('create schema if not exists "Odd Schema"; '
                 'create table "Odd Schema"."select ""from"" Tâble" ("order" int primary key, "a b" text, "ünï" text, "x""y" date); '
                 "insert into \"Odd Schema\".\"select \"\"from\"\" Tâble\" select g, 'v' || g || ''' or 1=1 --', 'ü' || g, date '2020-01-01' + g from generate_series(1, 250) g")
        with tempfile.TemporaryDirectory() as out:
            sync("--stream", 'Odd Schema.select "from" Tâble', "--to", out, "--format", "csv", "--chunk-rows", "40")
            # The file name escapes what is not a letter, digit, _ or - (the manifest keeps the name).
            path = os.path.join(out, 'Odd%20Schema.select%20%22from%22%20Tâble.csv')
            manifest = json.load(open(os.path.join(out, "manifest.json")))
            self.assertEqual(manifest["streams"][0]["stream"], 'Odd Schema.select "from" Tâble')
            self.assertEqual(manifest["streams"][0]["file"], path)
            rows = csv_rows(path)
            self.assertEqual(digest(rows), digest(psql_rows('select * from "Odd Schema"."select ""from"" Tâble"')))
            with open(path) as f:
                self.assertEqual(f.readline().strip(), 'order,a b,ünï,"x""y"')


class Incremental(unittest.TestCase):
    def test_new_changed_and_boundary_rows_exactly_once(self):
        EMU.psql("create table inc_t (id int primary key, updated_at timestamp not null, v text); "
                 "insert into inc_t select g, timestamp '2024-01-01' + (g / 10) * interval '1 hour', 'v' || g "
                 "from generate_series(1, 100) g")
        with tempfile.TemporaryDirectory() as out:
            args = ["--stream", "public.inc_t", "--incremental", "--cursor", "updated_at", "--to", out,
                    "--format", "csv", "--chunk-rows", "7"]
            sync(*args)
            path = os.path.join(out, "public.inc_t.csv")
            first = csv_rows(path)
            self.assertEqual(digest(first), digest(psql_rows("select * from inc_t")))
            boundary = EMU.psql("select max(updated_at) from inc_t")[0][0]
            # Between runs: rows sharing the last cursor value (one with a lower id than those
            # already read), rows with later values, and updates that move the cursor.
            EMU.psql("insert into inc_t values (0, '%s', 'tie-low'), (1000, '%s', 'tie-high'), "
                     "(1001, '%s'::timestamp + interval '1 day', 'later'); "
                     "update inc_t set updated_at = '%s'::timestamp + interval '2 days', v = 'changed' where id in (5, 50)"
                     % (boundary, boundary, boundary, boundary))
            sync(*args)
            second = csv_rows(path)[len(first):]
            self.assertEqual(sorted(r[0] for r in second), sorted(["0", "1000", "1001", "5", "50"]))
            # A third run with nothing new emits nothing.
            sync(*args)
            self.assertEqual(len(csv_rows(path)), len(first) + len(second))

    def test_far_future_state_emits_nothing(self):
        EMU.psql("create table if not exists inc_f (id int primary key, ts timestamp not null); "
                 "insert into inc_f select g, timestamp '2020-01-01' + g * interval '1 day' from generate_series(1, 20) g "
                 "on conflict do nothing")
        with tempfile.TemporaryDirectory() as out:
            state = {"streams": {"public.inc_f": {"mode": "incremental", "cursor": "ts", "complete": True,
                                                  "key_columns": ["ts", "id"], "rows": 0,
                                                  "boundary_cursor": "2999-01-01 00:00:00", "boundary_keys": []}}}
            json.dump(state, open(os.path.join(out, ".rsx-state.json"), "w"))
            sync("--stream", "public.inc_f", "--incremental", "--cursor", "ts", "--to", out, "--format", "csv")
            self.assertEqual(csv_rows(os.path.join(out, "public.inc_f.csv")), [])


class Crash(unittest.TestCase):
    def test_kill_9_then_rerun_loses_nothing(self):
        with tempfile.TemporaryDirectory() as out:
            args = [RSX, "sync", "--stream", "public.listing", "--to", out, "--format", "csv", "--chunk-rows", "500",
                    "--parallel", "1"]
            proc = subprocess.Popen(args, env=env(), stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
            path = os.path.join(out, "public.listing.csv")
            deadline = time.time() + 60
            while time.time() < deadline:
                if os.path.exists(path) and os.path.getsize(path) > 200000:
                    break
                time.sleep(0.02)
            proc.send_signal(signal.SIGKILL)
            proc.wait()
            partial = len(csv_rows(path))
            self.assertGreater(partial, 0)
            self.assertLess(partial, 20000, "the sync finished before it was killed")
            sync("--stream", "public.listing", "--to", out, "--format", "csv", "--chunk-rows", "500", "--parallel", "1")
            rows = csv_rows(path)
            unique = {tuple(r) for r in rows}
            self.assertEqual(digest([list(r) for r in unique]), digest(psql_rows("select * from listing")))
            self.assertLessEqual(len(rows) - len(unique), 500, "at most the chunk in flight repeats")


    def test_injected_fault_then_rerun_loses_nothing(self):
        import urllib.request
        with tempfile.TemporaryDirectory() as out:
            # Statements 1-2 are discovery's (primary keys, row estimates), 3 the key check, 4-6
            # the first three chunks; the 7th (the 4th chunk) fails in the emulator and the sync stops.
            req = urllib.request.Request(EMU.url + "/_emulator/faults", method="POST", data=json.dumps(
                {"operation": "ExecuteStatement", "nth": 7, "action": "fail_statement",
                 "message": "ERROR: injected failure"}).encode())
            urllib.request.urlopen(req).read()
            args = ["--stream", "public.sales", "--to", out, "--format", "csv", "--chunk-rows", "1000", "--parallel", "1"]
            p = sync(*args, check=False)
            self.assertNotEqual(p.returncode, 0)
            self.assertIn("injected failure", p.stderr)
            path = os.path.join(out, "public.sales.csv")
            self.assertEqual(len(csv_rows(path)), 3000)  # three chunks landed and were checkpointed
            sync(*args)
            rows = csv_rows(path)
            self.assertEqual(digest(rows), digest(psql_rows("select * from sales")))  # no duplicates at all


    def test_ctrl_c_cancels_and_keeps_state_consistent(self):
        EMU.psql("create or replace view slow_v as select listid, pg_sleep(0.002)::text as s from listing")
        with tempfile.TemporaryDirectory() as out:
            proc = subprocess.Popen([RSX, "sync", "--stream", "public.slow_v", "--to", out], env=env(),
                                    stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
            data = EMU.data()
            sid, deadline = None, time.time() + 20
            while sid is None and time.time() < deadline:
                running = [s for s in data.list_statements(Status="STARTED")["Statements"] if "slow_v" in s["QueryString"]]
                sid = running[0]["Id"] if running else None
                time.sleep(0.05)
            self.assertIsNotNone(sid)
            t0 = time.time()
            proc.send_signal(signal.SIGINT)
            _, err = proc.communicate(timeout=10)
            self.assertLess(time.time() - t0, 2.0)
            self.assertEqual(proc.returncode, 130, err)
            self.assertEqual(data.describe_statement(Id=sid)["Status"], "ABORTED")
            state_path = os.path.join(out, ".rsx-state.json")
            if os.path.exists(state_path):  # never claims a stream it did not finish
                st = json.load(open(state_path))["streams"].get("public.slow_v", {})
                self.assertFalse(st.get("complete", False))


class BadInput(unittest.TestCase):
    def test_clear_errors_and_nothing_half_written(self):
        with tempfile.TemporaryDirectory() as out:
            cases = [
                (["--stream", "public.nope", "--to", out], "unknown stream 'public.nope'"),
                (["--stream", "public.sales", "--incremental", "--cursor", "nope", "--to", out], "has no cursor column 'nope'"),
                (["--stream", "sales", "--to", out], "must be schema.table"),
                (["--to", out], "--stream"),
                (["--stream", "public.sales", "--to", out, "--format", "xml"], "--format 'xml'"),
            ]
            for args, text in cases:
                p = sync(*args, check=False)
                self.assertNotEqual(p.returncode, 0, args)
                self.assertIn(text, p.stderr, args)
            self.assertEqual(os.listdir(out), [])
            with open(os.path.join(out, ".rsx-state.json"), "w") as f:
                f.write("{not json")
            p = sync("--stream", "public.sales", "--to", out, check=False)
            self.assertNotEqual(p.returncode, 0)
            self.assertIn("is not valid JSON (at byte 3", p.stderr)
            self.assertEqual(open(os.path.join(out, ".rsx-state.json")).read(), "{not json")
        p = sync("--stream", "public.sales", "--to", "/proc/rsx-cannot-write-here", check=False)
        self.assertNotEqual(p.returncode, 0)
        self.assertIn("output folder", p.stderr)


if __name__ == "__main__":
    unittest.main()
