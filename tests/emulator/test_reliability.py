"""Regression tests for the data-loss and security defects of a hostile or unlucky customer
(issue: nothing lost, no one let in). Each test is named after the defect it pins."""
import csv
import json
import os
import signal
import stat
import subprocess
import tempfile
import time
import unittest
import urllib.error
import urllib.request

from emulator_fixture import Emulator

RSX = os.environ.get("RSX_BIN", os.path.join(os.path.dirname(__file__), "../../build/rsx"))
EMU = None


def setUpModule():
    global EMU
    EMU = Emulator()


def tearDownModule():
    EMU.stop()


def env(**extra):
    e = {k: v for k, v in os.environ.items() if not k.startswith(("AWS_", "RSX_"))}
    e.update({k: v for k, v in EMU.env.items() if k != "RSX_EMULATOR_PG_DSN"})
    e.update(AWS_EC2_METADATA_DISABLED="true", HOME="/nonexistent")
    e.update(extra)
    return e


def rsx(*args, check=True, extra_env=None, timeout=300, stdin=None):
    p = subprocess.run([RSX] + list(args), capture_output=True, text=True, env=env(**(extra_env or {})),
                       timeout=timeout, input=stdin)
    if check and p.returncode != 0:
        raise AssertionError("rsx %s exited %d: %s" % (" ".join(args), p.returncode, p.stderr))
    return p


PENDING = []  # faults injected by the running test: (key, fired before)


def fired():
    return stats().get("faults_fired", {})


def fault(**f):
    key = "%s:%s" % (f["operation"], f["action"])
    PENDING.append((key, fired().get(key, 0)))
    req = urllib.request.Request(EMU.url + "/_emulator/faults", method="POST", data=json.dumps(f).encode())
    urllib.request.urlopen(req).read()


class FaultCase(unittest.TestCase):
    """A test that injects faults: each one must have fired by the end (from /_emulator/stats),
    so a test cannot pass because its fault missed."""

    def tearDown(self):
        now = fired()
        pending = PENDING[:]
        del PENDING[:]
        for key, before in pending:
            self.assertGreater(now.get(key, 0), before, "the injected fault %s never fired" % key)


def clear_faults():
    urllib.request.urlopen(urllib.request.Request(EMU.url + "/_emulator/faults", method="DELETE")).read()


def stats():
    return json.load(urllib.request.urlopen(EMU.url + "/_emulator/stats"))


def calls(op):
    s = stats()
    return s.get(op, s.get("calls", {}).get(op, 0)) if isinstance(s, dict) else 0


def read(path):
    with open(path) as f:
        return f.read()


def write(path, text):
    with open(path, "w") as f:
        f.write(text)


def csv_rows(path):
    with open(path, newline="") as f:
        return [r for r in csv.reader(f)][1:]


def jsonl(path):
    with open(path) as f:
        return [json.loads(line) for line in f]


def manifest(out):
    return {s["stream"]: s for s in json.loads(read(os.path.join(out, "manifest.json")))["streams"]}


class PathTraversal(unittest.TestCase):
    def test_defect1_schema_and_table_names_stay_inside_the_output_folder(self):
        EMU.psql('create schema "../../../../escaped"; create table "../../../../escaped".t (id int primary key); '
                 'insert into "../../../../escaped".t select generate_series(1, 5); '
                 'create schema trav; create table trav."sub/dir" (id int primary key); '
                 'insert into trav."sub/dir" select generate_series(1, 3); '
                 'create table trav."." (id int primary key); insert into trav."." values (1)')
        wanted = {"../../../../escaped.t": 5, "trav.sub/dir": 3, "trav..": 1}
        for args in (["--all"], ["--stream", '"../../../../escaped".t', "--stream", "trav.sub/dir",
                                 "--stream", 'trav."."']):
            with tempfile.TemporaryDirectory() as root:
                out = os.path.join(root, "trav", "a", "b", "out")
                rsx("sync", *args, "--to", out)
                m = manifest(out)
                for name, rows in wanted.items():
                    self.assertEqual(len(jsonl(m[name]["file"])), rows, name)
                for name, entry in m.items():
                    self.assertEqual(os.path.dirname(os.path.realpath(entry["file"])), os.path.realpath(out), name)
                # Nothing anywhere but inside out/.
                found = [os.path.join(d, f) for d, _, fs in os.walk(root) for f in fs]
                self.assertTrue(all(f.startswith(out + os.sep) for f in found), found)
                names = os.listdir(out)
                self.assertIn("%2E%2E%2F%2E%2E%2F%2E%2E%2F%2E%2E%2Fescaped.t.jsonl", names)
                self.assertIn("trav.sub%2Fdir.jsonl", names)
                self.assertIn("trav.%2E.jsonl", names)


    def test_a_link_planted_in_the_output_folder_is_not_written_through(self):
        """A shared output folder where someone left a symbolic link (or a FIFO) at a stream file's
        name: the sync refuses it by name, and what it points to is neither emptied, written nor cut
        back, on a first run, a parallel run or a resumed incremental one."""
        with tempfile.TemporaryDirectory() as root:
            out = os.path.join(root, "out")
            os.makedirs(out)
            victim = os.path.join(root, "victim")
            write(victim, "keep me\n")
            planted = os.path.join(out, "public.sales.jsonl")
            os.symlink(victim, planted)
            for extra in (["--parallel", "1"], ["--parallel", "2"]):
                p = rsx("sync", "--stream", "public.sales", "--to", out, "--chunk-rows", "20000", *extra,
                        check=False)
                self.assertEqual(p.returncode, 2, p.stderr)
                self.assertIn(planted + " is a symbolic link", p.stderr)
                self.assertEqual(read(victim), "keep me\n")
                self.assertTrue(os.path.islink(planted))
            os.unlink(planted)
            os.mkfifo(planted)  # a FIFO nobody reads: refused at once, not waited on
            p = rsx("sync", "--stream", "public.sales", "--to", out, "--parallel", "1", check=False, timeout=60)
            self.assertEqual(p.returncode, 2, p.stderr)
            self.assertIn(planted + " is a FIFO", p.stderr)
            os.unlink(planted)
            # A good incremental run, then its file swapped for a link: the resume does not cut or
            # append through it.
            base = ["sync", "--stream", "public.sales", "--incremental", "--cursor", "salesid", "--to", out]
            rsx(*base)
            os.rename(planted, os.path.join(root, "moved.jsonl"))
            os.symlink(victim, planted)
            p = rsx(*base, check=False)
            self.assertEqual(p.returncode, 2, p.stderr)
            self.assertIn("symbolic link", p.stderr)
            self.assertEqual(read(victim), "keep me\n")


class TornLine(FaultCase):
    def setUp(self):
        clear_faults()

    def interrupted_sync(self, out, fmt):
        # Discovery runs 2 statements, the key check 1; the 5th statement (the 2nd chunk) fails.
        fault(operation="ExecuteStatement", nth=5, action="fail_statement", message="ERROR: injected failure")
        args = ["sync", "--stream", "public.sales", "--to", out, "--format", fmt, "--chunk-rows", "1000", "--parallel", "1"]
        p = rsx(*args, check=False)
        self.assertNotEqual(p.returncode, 0)
        self.assertIn("injected failure", p.stderr)
        return args

    def test_defect2_resume_cuts_a_torn_line(self):
        for fmt in ("jsonl", "csv"):
            with tempfile.TemporaryDirectory() as out:
                args = self.interrupted_sync(out, fmt)
                path = os.path.join(out, "public.sales." + fmt)
                with open(path, "a") as f:  # what a kill -9 during a chunk write leaves behind
                    f.write('{"salesid":999999,"listid":7' if fmt == "jsonl" else "999999,7,8")
                rsx(*args)
                if fmt == "jsonl":
                    ids = [r["salesid"] for r in jsonl(path)]  # every line parses
                else:
                    rows = csv_rows(path)
                    self.assertTrue(all(len(r) == len(rows[0]) for r in rows))
                    ids = [int(r[0]) for r in rows]
                self.assertEqual(ids, list(range(1, 17001)))

    def test_defect2_a_file_shorter_than_its_checkpoint_is_an_error(self):
        with tempfile.TemporaryDirectory() as out:
            args = self.interrupted_sync(out, "jsonl")
            path = os.path.join(out, "public.sales.jsonl")
            with open(path, "r+") as f:
                f.truncate(100)
            p = rsx(*args, check=False)
            self.assertEqual(p.returncode, 2, p.stderr)
            self.assertIn("shorter than", p.stderr)


class SavedKey(FaultCase):
    def setUp(self):
        clear_faults()
        EMU.psql("create table if not exists two_keys (a int not null unique, b int not null unique, v text); "
                 "truncate two_keys; insert into two_keys select g, 100000 - g, 'v' || g from generate_series(1, 5000) g")

    def test_defect3_resume_with_another_key_never_mixes(self):
        with tempfile.TemporaryDirectory() as out:
            fault(operation="ExecuteStatement", nth=6, action="fail_statement", message="ERROR: injected failure")
            base = ["sync", "--stream", "public.two_keys", "--to", out, "--chunk-rows", "1000", "--parallel", "1"]
            p = rsx(*base, "--primary-key", "a", check=False)
            self.assertIn("injected failure", p.stderr)
            rsx(*base, "--primary-key", "b")
            rows = jsonl(os.path.join(out, "public.two_keys.jsonl"))
            self.assertEqual(sorted(r["a"] for r in rows), list(range(1, 5001)))  # none lost, none repeated

    def test_defect3_incremental_state_for_another_key_is_refused(self):
        with tempfile.TemporaryDirectory() as out:
            base = ["sync", "--stream", "public.two_keys", "--incremental", "--cursor", "v", "--to", out]
            rsx(*base, "--primary-key", "a")
            before = read(os.path.join(out, ".rsx-state.json"))
            p = rsx(*base, "--primary-key", "b", check=False)
            self.assertEqual(p.returncode, 2, p.stderr)
            self.assertIn("the key (v, a), not (v, b)", p.stderr)
            self.assertEqual(read(os.path.join(out, ".rsx-state.json")), before)


class KeyCheck(unittest.TestCase):
    def test_defect4_a_key_that_repeats_or_holds_null_is_refused(self):
        EMU.psql("create table dup_k (k int, v text); insert into dup_k select g / 2, 'v' || g from generate_series(1, 1000) g; "
                 "create table null_k (k int, v text); insert into null_k select case when g % 10 = 0 then null else g end, "
                 "'v' || g from generate_series(1, 100) g")
        for table, text in (("dup_k", "key value"), ("null_k", "NULL in the key")):
            with tempfile.TemporaryDirectory() as out:
                p = rsx("sync", "--stream", "public." + table, "--primary-key", "k", "--to", out, "--chunk-rows", "50",
                        "--parallel", "1", check=False)
                self.assertEqual(p.returncode, 2, p.stderr)
                self.assertIn("is not unique and non-null", p.stderr)
                self.assertIn(text, p.stderr)
                self.assertIn("--trust-key", p.stderr)
                self.assertFalse(os.path.exists(os.path.join(out, ".rsx-state.json")))
                self.assertFalse(os.path.exists(os.path.join(out, "public.%s.jsonl" % table)))  # no empty file
        # A refusal after a good run leaves that run's output as it was: the file is not opened
        # (which would empty it) before the key has passed.
        with tempfile.TemporaryDirectory() as out:
            base = ["sync", "--stream", "public.dup_k", "--to", out, "--chunk-rows", "50", "--parallel", "1"]
            rsx(*base, "--primary-key", "v")
            names = ("public.dup_k.jsonl", "manifest.json", ".rsx-state.json")
            before = {n: read(os.path.join(out, n)) for n in names}
            self.assertEqual(len(before["public.dup_k.jsonl"].splitlines()), 1000)
            for extra in ([], ["--format", "csv"]):
                p = rsx(*base, "--primary-key", "k", *extra, check=False)
                self.assertEqual(p.returncode, 2, p.stderr)
                self.assertIn("is not unique and non-null", p.stderr)
                self.assertEqual({n: read(os.path.join(out, n)) for n in names}, before)
            self.assertFalse(os.path.exists(os.path.join(out, "public.dup_k.csv")))
        with tempfile.TemporaryDirectory() as out:  # incremental: the tie-break key is checked too
            p = rsx("sync", "--stream", "public.dup_k", "--incremental", "--cursor", "v", "--primary-key", "k",
                    "--to", out, check=False)
            self.assertEqual(p.returncode, 0, p.stderr)  # (v, k) is unique: v is
        with tempfile.TemporaryDirectory() as out:  # a table without any key: one statement, all rows
            rsx("sync", "--stream", "public.dup_k", "--to", out)
            self.assertEqual(len(jsonl(os.path.join(out, "public.dup_k.jsonl"))), 1000)


class TypedKeys(unittest.TestCase):
    def test_defect5_key_values_holding_the_old_separator_do_not_collide(self):
        EMU.psql("create table sep_k (a text, b text, ts int not null, primary key (a, b)); "
                 "insert into sep_k values (E'x\\x1f', 'y', 1)")
        with tempfile.TemporaryDirectory() as out:
            args = ["sync", "--stream", "public.sep_k", "--incremental", "--cursor", "ts", "--to", out]
            rsx(*args)
            # Same cursor value, a key that joined with \x1f reads like the first one.
            EMU.psql("insert into sep_k values ('x', E'\\x1fy', 1)")
            rsx(*args)
            rows = jsonl(os.path.join(out, "public.sep_k.jsonl"))
            self.assertEqual(sorted((r["a"], r["b"]) for r in rows), [("x", "\x1fy"), ("x\x1f", "y")])
            state = json.loads(read(os.path.join(out, ".rsx-state.json")))["streams"]["public.sep_k"]
            self.assertEqual(sorted(state["boundary_keys"]), [["x", "\x1fy"], ["x\x1f", "y"]])


class StatementTimeout(FaultCase):
    def setUp(self):
        clear_faults()

    def test_defect6_a_stalled_chunk_times_out_and_is_cancelled(self):
        with tempfile.TemporaryDirectory() as out:
            # 2 discovery statements, the key check, chunk 1; chunk 2 stalls.
            fault(operation="ExecuteStatement", nth=5, action="stall_statement")
            t0 = time.time()
            p = rsx("sync", "--stream", "public.sales", "--to", out, "--chunk-rows", "1000", "--parallel", "1",
                    "--statement-timeout", "2s", check=False, timeout=60)
            self.assertLess(time.time() - t0, 30)
            self.assertEqual(p.returncode, 1, p.stderr)
            self.assertIn("did not finish within", p.stderr)
            self.assertIn("cancelled: yes", p.stderr)
            state = json.loads(read(os.path.join(out, ".rsx-state.json")))["streams"]["public.sales"]
            self.assertEqual((state["complete"], state["rows"], state["key"]), (False, 1000, ["1000"]))
        p = rsx("sync", "--stream", "public.sales", "--to", "/tmp/x", "--statement-timeout", "soon", check=False)
        self.assertEqual(p.returncode, 2)
        self.assertIn("--statement-timeout 'soon'", p.stderr)


class FirstChunk(FaultCase):
    def setUp(self):
        clear_faults()

    def test_a_full_refresh_failing_before_its_first_rows_leaves_the_last_good_output(self):
        # The stream's file is opened when the first rows arrive: a run that starts over and fails
        # on its first chunk (a view that errors when read, a timeout) empties nothing.
        for fmt in ("jsonl", "csv"):
            with tempfile.TemporaryDirectory() as out:
                base = ["sync", "--stream", "public.sales", "--to", out, "--chunk-rows", "5000", "--parallel", "1",
                        "--format", fmt]
                rsx(*base)
                names = ("public.sales." + fmt, "manifest.json", ".rsx-state.json")
                before = {n: read(os.path.join(out, n)) for n in names}
                # 2 discovery statements, the key check, then the first chunk fails.
                fault(operation="ExecuteStatement", nth=4, action="fail_statement", message="ERROR: injected failure")
                p = rsx(*base, check=False)
                self.assertEqual(p.returncode, 1, p.stderr)
                self.assertIn("injected failure", p.stderr)
                self.assertEqual({n: read(os.path.join(out, n)) for n in names}, before)
                rsx(*base)  # and a rerun rewrites it whole
                sales = int(EMU.psql("select count(*) from sales")[0][0])
                self.assertEqual(manifest(out)["public.sales"]["rows"], sales)
                self.assertEqual(len(read(os.path.join(out, "public.sales." + fmt)).splitlines()),
                                 sales + (fmt == "csv"))


class KeyLookup(FaultCase):
    def setUp(self):
        clear_faults()

    def test_defect7_a_failed_primary_key_lookup_is_retried_then_fails_the_run(self):
        with tempfile.TemporaryDirectory() as out:
            fault(operation="ExecuteStatement", nth=1, action="fail_statement", message="ERROR: injected failure")
            rsx("sync", "--stream", "public.sales", "--to", out, "--chunk-rows", "5000", "--parallel", "1")
            self.assertEqual(manifest(out)["public.sales"]["statements"], 5)  # key check + 4 chunks
        clear_faults()
        with tempfile.TemporaryDirectory() as out:
            fault(operation="ExecuteStatement", nth=1, count=3, action="fail_statement", message="ERROR: injected failure")
            p = rsx("sync", "--stream", "public.sales", "--to", out, check=False)
            self.assertEqual(p.returncode, 1, p.stderr)
            self.assertIn("reading the primary keys (3 attempts)", p.stderr)
            self.assertFalse(os.path.exists(os.path.join(out, "public.sales.jsonl")))


class PlainHttp(unittest.TestCase):
    def test_defect8_plain_http_to_another_host_is_refused(self):
        # 0.0.0.0 is not this machine's loopback name; the refusal comes before any connection.
        url = "http://0.0.0.0:%s" % EMU.url.rsplit(":", 1)[1]
        for var in ("AWS_ENDPOINT_URL_REDSHIFT_DATA", "AWS_ENDPOINT_URL"):
            p = rsx("query", "select 1", check=False, extra_env={var: url})
            self.assertEqual(p.returncode, 2, p.stderr)
            self.assertIn("clear text", p.stderr)
            self.assertIn("--allow-insecure-http", p.stderr)
        p = rsx("query", "select 1", "--format", "csv", "--allow-insecure-http", extra_env={"AWS_ENDPOINT_URL": url})
        self.assertEqual(p.stdout.strip().splitlines()[-1], "1")


class BadInput(unittest.TestCase):
    def test_defect9_wrong_typed_state_is_a_clear_error(self):
        cases = [
            ({"complete": "yes"}, "complete: expected true or false, found a string"),
            ({"key": [5]}, "key[0]: expected a string, found a number (5)"),
            ({"key": [None]}, "key[0]: expected a string, found null"),
            ({"key": "8000"}, "key: expected a list of strings, found a string"),
            ({"boundary_keys": 3}, "boundary_keys: expected a list of lists of strings"),
            ({"mode": "sideways"}, "mode: expected \"full_refresh\" or \"incremental\""),
        ]
        for extra, text in cases:
            with tempfile.TemporaryDirectory() as out:
                st = {"mode": "full_refresh", "cursor": "", "key_columns": ["salesid"], "complete": False, "rows": 0}
                st.update(extra)
                path = os.path.join(out, ".rsx-state.json")
                raw = json.dumps({"streams": {"public.sales": st}})
                write(path, raw)
                p = rsx("sync", "--stream", "public.sales", "--to", out, check=False)
                self.assertEqual(p.returncode, 2, (extra, p.stderr))
                self.assertIn(text, p.stderr)
                self.assertIn('streams["public.sales"]', p.stderr)
                self.assertEqual(read(path), raw)

    def test_defect9_sql_that_is_not_utf8_is_a_clear_error(self):
        p = subprocess.run([RSX.encode(), b"query", b"select 1 as \"\xff\""], capture_output=True, env=env(), timeout=60)
        self.assertEqual(p.returncode, 2, p.stderr)
        self.assertIn(b"not valid UTF-8", p.stderr)


class OutputLock(unittest.TestCase):
    def test_defect11_a_second_sync_into_the_same_folder_is_refused_naming_the_first(self):
        EMU.psql("create or replace view slow_lock as select listid, pg_sleep(0.001)::text as s from listing where listid <= 3000")
        with tempfile.TemporaryDirectory() as out:
            first = subprocess.Popen([RSX, "sync", "--stream", "public.slow_lock", "--to", out], env=env(),
                                     stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
            lock = os.path.join(out, ".rsx-state.json.lock")
            deadline = time.time() + 20
            while time.time() < deadline and not (os.path.exists(lock) and read(lock).strip()):
                time.sleep(0.02)
            p = rsx("sync", "--stream", "public.slow_lock", "--to", out, check=False)
            _, err = first.communicate(timeout=120)
            self.assertEqual(first.returncode, 0, err)
            self.assertEqual(p.returncode, 1, p.stderr)
            self.assertIn("PID %d" % first.pid, p.stderr)
            self.assertEqual(len(jsonl(os.path.join(out, "public.slow_lock.jsonl"))), 3000)
            self.assertEqual(stat.S_IMODE(os.stat(os.path.join(out, ".rsx-state.json")).st_mode), 0o600)
        EMU.psql("drop view slow_lock")


class Smaller(FaultCase):
    """The smaller defects of the list (item 12)."""

    def protocol(self, tool, *args, state=None, catalog=None, config_extra=None):
        with tempfile.TemporaryDirectory() as d:
            config = os.path.join(d, "config.json")
            write(config, json.dumps(dict({"region": EMU.region, "workgroup": EMU.env["RSX_WORKGROUP"],
                                           "database": EMU.env["RSX_DATABASE"], "role_arn": EMU.env["RSX_ROLE_ARN"],
                                           "external_id": EMU.env["RSX_EXTERNAL_ID"]}, **(config_extra or {}))))
            extra = []
            if catalog is not None:
                write(os.path.join(d, "catalog.json"), json.dumps(catalog))
                extra += ["--catalog", os.path.join(d, "catalog.json")]
            if state is not None:
                write(os.path.join(d, "state.json"), json.dumps(state))
                extra += ["--state", os.path.join(d, "state.json")]
            cmd = [tool, "read", "--config", config] if tool == "airbyte" else [tool, "--config", config]
            return rsx(*(cmd + extra + list(args)), check=False, extra_env={"RSX_HOME": d, "HOME": d})

    def test_defect12_query_input_checks(self):
        for args, text in ((["query", "   "], "the SQL is empty"),
                           (["query", "select :a", "--param", "a=1", "--param", "a=2"], "'a' is given twice"),
                           (["query", "select 1", "--max-rows", "-1"], "--max-rows must be 0 or more"),
                           (["query"], "no SQL")):
            p = rsx(*args, check=False)
            self.assertEqual(p.returncode, 2, (args, p.stderr))
            self.assertIn(text, p.stderr)
        # SQL longer than one command-line argument may be (128 kB), from a file or stdin.
        sql = "select 41 + 1 as answer -- " + "x" * 60000 + "\n"
        with tempfile.NamedTemporaryFile("w", suffix=".sql") as f:
            f.write(sql)
            f.flush()
            p = rsx("query", "-f", f.name, "--format", "csv")
            self.assertEqual(p.stdout.splitlines()[-1], "42")
        p = rsx("query", "-f", "-", "--format", "csv", stdin=sql)
        self.assertEqual(p.stdout.splitlines()[-1], "42")
        # An endless stdin (or a huge file) is not read whole and sent: refused past 16 MB, at once.
        endless = subprocess.Popen(["cat", "/dev/zero"], stdout=subprocess.PIPE)
        try:
            q = subprocess.run([RSX, "query", "-f", "-"], stdin=endless.stdout, capture_output=True, text=True,
                               env=env(), timeout=60)
        finally:
            endless.kill()
            endless.stdout.close()
            endless.wait()
        self.assertEqual(q.returncode, 2, q.stderr)
        self.assertIn("larger than 16 MB", q.stderr)
        with tempfile.NamedTemporaryFile("wb", suffix=".sql") as f:
            f.truncate(17 << 20)
            q = rsx("query", "-f", f.name, check=False)
            self.assertEqual(q.returncode, 2, q.stderr)
            self.assertIn("larger than 16 MB", q.stderr)

    def test_defect12_control_characters_are_not_echoed_raw(self):
        p = rsx("sync", "--stream", "public.bad\x1b[31mname", "--to", "/tmp/rsx-never", check=False)
        self.assertNotEqual(p.returncode, 0)
        self.assertNotIn("\x1b", p.stderr)
        self.assertIn("bad\\x1b[31mname", p.stderr)

    def test_defect12_a_schema_with_a_dot_can_be_named(self):
        EMU.psql('create schema "we.ird"; create table "we.ird".t (id int primary key); insert into "we.ird".t values (1), (2)')
        with tempfile.TemporaryDirectory() as out:
            rsx("sync", "--stream", '"we.ird".t', "--to", out)
            self.assertEqual(len(jsonl(manifest(out)["we.ird.t"]["file"])), 2)
        p = rsx("sync", "--stream", '"we.ird.t', "--to", "/tmp/rsx-never", check=False)
        self.assertEqual(p.returncode, 2)
        self.assertIn("must be schema.table", p.stderr)

    def test_defect12_parallel_progress_reports_bytes(self):
        with tempfile.TemporaryDirectory() as out:
            p = rsx("sync", "--stream", "public.listing", "--to", out, "--chunk-rows", "1500", "--parallel", "4")
            line = [l for l in p.stderr.splitlines() if l.startswith("public.listing: 20000 rows")][0]
            self.assertNotIn(" 0.0 MB", line)

    def test_defect12_protocol_states_and_catalogs_of_the_wrong_shape(self):
        stream = {"name": "sales", "namespace": "public", "supported_sync_modes": ["full_refresh"],
                  "json_schema": {"type": "object", "properties": {"salesid": {}}}}
        p = self.protocol("airbyte", catalog={"streams": [{"stream": stream, "sync_mode": "bogus",
                                                           "destination_sync_mode": "append"}]})
        msgs = [json.loads(l) for l in p.stdout.splitlines()]
        self.assertEqual(p.returncode, 1)
        self.assertEqual(msgs[-1]["trace"]["type"], "ERROR")
        self.assertIn("streams[0].sync_mode: expected \"full_refresh\" or \"incremental\"", msgs[-1]["trace"]["error"]["message"])
        for bad in ({"stream": dict(stream, namespace=None), "sync_mode": "full_refresh"},
                    {"stream": stream, "sync_mode": None}):
            p = self.protocol("airbyte", catalog={"streams": [bad]})
            msgs = [json.loads(l) for l in p.stdout.splitlines()]
            self.assertEqual((p.returncode, msgs[-1]["trace"]["type"]), (1, "ERROR"), p.stderr)
            self.assertIn("expected a string, found null", msgs[-1]["trace"]["error"]["message"])
        ok_catalog = {"streams": [{"stream": stream, "sync_mode": "full_refresh", "destination_sync_mode": "append"}]}
        bad_state = [{"type": "STREAM", "stream": {"stream_descriptor": {"name": "sales", "namespace": "public"},
                                                   "stream_state": {"mode": "full_refresh", "key": [1]}}}]
        p = self.protocol("airbyte", catalog=ok_catalog, state=bad_state)
        msgs = [json.loads(l) for l in p.stdout.splitlines()]
        self.assertEqual(p.returncode, 1)
        self.assertEqual([m["type"] for m in msgs], ["TRACE"])
        self.assertIn("stream_state.key[0]: expected a string, found a number (1)", msgs[0]["trace"]["error"]["message"])
        # Singer: an Airbyte state handed to it, and a bookmark of the wrong type; no STATE echoes it.
        p = self.protocol("singer", state=bad_state, catalog={"streams": []})
        self.assertEqual(p.returncode, 2, p.stderr)  # a Singer tap's CRITICAL; 2: bad input
        self.assertIn("found a list (an Airbyte state?", p.stderr)
        p = self.protocol("singer", state={"bookmarks": {"public-sales": {"mode": "incremental", "cursor": 5}}},
                          catalog={"streams": []})
        self.assertEqual(p.returncode, 2, p.stderr)
        self.assertIn('bookmarks.public-sales.cursor: expected a string, found a number (5)', p.stderr)
        self.assertNotIn("STATE", p.stdout)

    def test_defect6_the_statement_timeout_is_a_connection_setting_too(self):
        clear_faults()
        stream = {"name": "sales", "namespace": "public", "supported_sync_modes": ["full_refresh"],
                  "json_schema": {"type": "object", "properties": {"salesid": {}, "qtysold": {}}}}
        catalog = {"streams": [{"stream": stream, "sync_mode": "full_refresh", "destination_sync_mode": "append"}]}
        fault(operation="ExecuteStatement", nth=4, action="stall_statement")  # discovery 2, key check, chunk 1
        t0 = time.time()
        p = self.protocol("airbyte", catalog=catalog, config_extra={"statement_timeout_seconds": 2})
        self.assertLess(time.time() - t0, 30)
        msgs = [json.loads(l) for l in p.stdout.splitlines()]
        self.assertEqual(p.returncode, 1)
        self.assertIn("did not finish within 2000 ms", msgs[-1]["trace"]["error"]["message"])
        clear_faults()
        p = self.protocol("airbyte", catalog=catalog, config_extra={"statement_timeout_seconds": "2"})
        self.assertIn("statement_timeout_seconds must be a whole number", p.stdout)

    def test_defect9_singer_catalogs_of_the_wrong_shape(self):
        for catalog, text in (({"streams": [{"tap_stream_id": 5}]}, "streams[0].tap_stream_id: expected a string"),
                              ({"streams": [{"metadata": "x"}]}, "streams[0].metadata: expected a list"),
                              ({"streams": [{"metadata": [{"breadcrumb": [], "metadata": {"replication-method": None}}]}]},
                               "metadata[0].metadata.replication-method: expected a string, found null"),
                              ({"streams": [{"metadata": [{"breadcrumb": ["properties", 3], "metadata": {}}]}]},
                               "breadcrumb[1]: expected a string, found a number (3)")):
            p = self.protocol("singer", catalog=catalog)
            self.assertEqual(p.returncode, 2, (catalog, p.stderr))
            self.assertIn(text, p.stderr)
            self.assertNotIn("terminate", p.stderr)

    def test_emulator_fault_numbers_out_of_range_are_refused(self):
        # Found by fuzz_emulator_request: a huge "nth" was undefined behaviour (double to int).
        for body in ('{"operation":"ExecuteStatement","nth":3.7e105}', '{"operation":"ExecuteStatement","nth":1.5}',
                     '{"operation":"ExecuteStatement","count":99999999999}'):
            req = urllib.request.Request(EMU.url + "/_emulator/faults", method="POST", data=body.encode())
            with self.assertRaises(urllib.error.HTTPError) as e:
                urllib.request.urlopen(req)
            self.assertEqual(e.exception.code, 400)
            self.assertIn("must be a whole number in range", e.exception.read().decode())

    def test_defect12_emulator_refuses_a_session_token_with_a_long_term_key(self):
        import botocore.exceptions
        data = EMU.client("redshift-data", token="bogus-token")
        with self.assertRaises(botocore.exceptions.ClientError) as e:
            data.list_statements()
        self.assertEqual(e.exception.response["Error"]["Code"], "UnrecognizedClientException")


if __name__ == "__main__":
    unittest.main()
