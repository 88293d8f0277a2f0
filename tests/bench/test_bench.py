"""The benchmark command must keep working and its same-rows check must catch differences:
a check that cannot fail would make every number in docs/benchmarks.md untrustworthy."""
import json
import os
import shutil
import subprocess
import sys
import tempfile
import unittest

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "../.."))
sys.path.insert(0, os.path.join(ROOT, "bench"))
import run  # noqa: E402  bench/run.py

COLUMNS = [{"name": "id", "typeName": "int8"}, {"name": "amount", "typeName": "numeric"},
           {"name": "ts", "typeName": "timestamptz"}, {"name": "flag", "typeName": "bool"},
           {"name": "name", "typeName": "varchar"}]


class SameRowsCheck(unittest.TestCase):
    def setUp(self):
        self.dir = tempfile.mkdtemp()
        # The same two rows as each client writes them.
        self.write("rsx_json.jsonl", '{"id":1,"amount":0.3333,"ts":"2020-01-01T00:01:00+00:00","flag":true,"name":"a ü"}\n'
                                     '{"id":2,"amount":10,"ts":"2020-01-01T00:02:00+00:00","flag":null,"name":null}\n')
        self.write("rsx_csv.jsonl", open(self.path("rsx_json.jsonl")).read())
        self.write("rsx_json.csv", 'id,amount,ts,flag,name\n1,0.3333,2020-01-01 00:01:00+00,t,a ü\n'
                                   '2,10.0000,2020-01-01 00:02:00+00,,\n')
        self.write("rsx_csv.csv", open(self.path("rsx_json.csv")).read())
        self.write("boto3.jsonl", '{"id": 1, "amount": "0.3333", "ts": "2020-01-01 00:01:00+00", "flag": true, "name": "a \\u00fc"}\n'
                                  '{"id": 2, "amount": "10.0000", "ts": "2020-01-01 00:02:00+00", "flag": null, "name": null}\n')
        cli = {"ColumnMetadata": COLUMNS, "Records": [
            [{"longValue": 1}, {"stringValue": "0.3333"}, {"stringValue": "2020-01-01 00:01:00+00"},
             {"booleanValue": True}, {"stringValue": "a ü"}],
            [{"longValue": 2}, {"stringValue": "10.0000"}, {"stringValue": "2020-01-01 00:02:00+00"},
             {"isNull": True}, {"isNull": True}]]}
        self.write("cli.json", json.dumps(cli))
        self.write("floor_json.txt", "2 1 100\n")
        self.write("floor_csv.txt", "2 1 80\n")

    def tearDown(self):
        shutil.rmtree(self.dir)

    def path(self, name):
        return os.path.join(self.dir, name)

    def write(self, name, text):
        with open(self.path(name), "w", encoding="utf-8") as f:
            f.write(text)

    def check(self, rows=2):
        return run.check_same_rows(self.dir, COLUMNS, rows, True)

    def test_equal_outputs_pass(self):
        self.assertEqual(self.check(), 8)

    def test_a_differing_value_fails(self):
        for name, old, new in [("boto3.jsonl", '"0.3333"', '"0.3334"'),
                               ("rsx_csv.csv", "00:02:00+00", "00:02:01+00"),
                               ("rsx_json.jsonl", '"name":null', '"name":""'),
                               ("rsx_csv.jsonl", '"flag":true', '"flag":false')]:
            original = open(self.path(name), encoding="utf-8").read()
            self.write(name, original.replace(old, new, 1))
            with self.assertRaises(SystemExit, msg=name) as e:
                self.check()
            self.assertIn("differs", str(e.exception))
            self.write(name, original)

    def test_a_missing_row_or_wrong_count_fails(self):
        self.write("boto3.jsonl", open(self.path("boto3.jsonl")).read().splitlines()[0] + "\n")
        with self.assertRaises(SystemExit) as e:
            self.check()
        self.assertIn("ended early", str(e.exception))
        self.setUp()
        self.write("floor_csv.txt", "1 1 80\n")
        with self.assertRaises(SystemExit):
            self.check()
        self.setUp()
        with self.assertRaises(SystemExit):
            self.check(rows=3)


class SmokeRun(unittest.TestCase):
    """bench/run.sh end to end on small data sets, without touching docs/benchmarks.md."""

    def test_small_run(self):
        env = dict(os.environ, MIXED_ROWS="3000", NARROW_ROWS="20000", WIDE_ROWS="200", SHAPE_ROWS="2000", RUNS="1",
                   LATENCY_RUNS="3", BENCH_DOCS="0")
        p = subprocess.run(["bash", "bench/run.sh"], cwd=ROOT, env=env, capture_output=True, text=True, timeout=900)
        self.assertEqual(p.returncode, 0, p.stderr[-3000:])
        for table, outputs in (("bench_mixed", 8), ("bench_wide", 8), ("bench_narrow", 6), ("bench_ts", 8),
                               ("bench_dec", 8), ("bench_text", 8), ("bench_nulls", 8)):
            self.assertIn("%s: " % table, p.stderr)
            self.assertIn("rows equal across %d outputs" % outputs, p.stderr.split(table + ": ", 1)[1])
        out = p.stdout
        for needle in ("boto3 loop", "AWS CLI", "rsx, CSV results -> JSONL", "floor, JSON results",
                       "Small-query latency", "SignV4", "DecodeJsonPageToJsonl", "--parallel 4",
                       "Every data set", "`bench_nulls`", "rsx, JSON results -> JSONL to /dev/null",
                       "rsx to /dev/null ÷ floor"):
            self.assertIn(needle, out)


if __name__ == "__main__":
    unittest.main(verbosity=2)
