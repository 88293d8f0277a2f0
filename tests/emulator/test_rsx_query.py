"""rsx query and rsx ls against rsx-emulator: every type in both result formats equals psql,
paging, parameters, Ctrl-C, faults (every row exactly once), memory, bad input."""
import base64
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
import urllib.request

from emulator_fixture import Emulator, wait

RSX = os.environ.get("RSX_BIN", os.path.join(os.path.dirname(__file__), "../../build/rsx"))
EMU = None


def setUpModule():
    global EMU
    EMU = Emulator(config={
        "users": [{"arn": "arn:aws:iam::111111111111:user/operator", "access_key_id": "AKIAEMULATOROPERATOR",
                   "secret_access_key": "emulator/operator/secret/key/not+for+aws", "actions": ["sts:*"]}],
        "roles": [{"arn": "arn:aws:iam::222222222222:role/rsx-reader", "trusted_accounts": ["111111111111"],
                   "external_id": "rsx-emulator-external-id",
                   "actions": ["redshift-data:*", "redshift-serverless:GetCredentials"]}],
        "workgroups": [{"name": "default", "account": "222222222222", "databases": ["dev"]}],
        "limits": {"page_bytes": 65536},
    })


def tearDownModule():
    EMU.stop()


def env(**extra):
    e = {k: v for k, v in os.environ.items() if not k.startswith(("AWS_", "RSX_"))}
    e.update({k: v for k, v in EMU.env.items() if k != "RSX_EMULATOR_PG_DSN"})
    e.update(AWS_EC2_METADATA_DISABLED="true", HOME="/nonexistent")
    e.update(extra)
    return e


def rsx(*args, check=True, **kw):
    p = subprocess.run([RSX] + list(args), capture_output=True, text=True, env=env(), timeout=300, **kw)
    if check and p.returncode != 0:
        raise AssertionError("rsx %s exited %d: %s" % (" ".join(args), p.returncode, p.stderr))
    return p


def control(path, body):
    req = urllib.request.Request(EMU.url + path, method="POST", data=json.dumps(body).encode())
    with urllib.request.urlopen(req) as r:
        return json.load(r)


def checksum(rows):
    h = hashlib.sha256()
    for r in rows:
        h.update(("\x1f".join(r) + "\x1e").encode())
    return len(rows), h.hexdigest()


def psql_csv_text(value):
    """psql's text as rsx's CSV writes it: NULL empty, bytea as hex without \\x."""
    if value == "\\N":
        return ""
    if value.startswith("\\x"):
        return value[2:]
    return value


class Types(unittest.TestCase):
    SQL = "select * from all_types order by id"

    def test_csv_equals_psql_in_both_result_formats(self):
        expected = [[psql_csv_text(v) for v in row] for row in EMU.psql(self.SQL)]
        for result_format in ("json", "csv"):
            out = rsx("query", self.SQL, "--format", "csv", "--result-format", result_format).stdout
            rows = list(csv.reader(io.StringIO(out)))
            self.assertEqual(rows[0][0], "id")
            body = rows[1:]
            self.assertEqual(len(body), len(expected), result_format)
            for got, want in zip(body, expected):
                for g, w in zip(got, want):
                    try:
                        same = float(g) == float(w)
                    except ValueError:
                        same = g == w
                    self.assertTrue(same, (result_format, g, w))

    def test_jsonl_values_are_typed(self):
        for result_format in ("json", "csv"):
            lines = rsx("query", self.SQL, "--format", "jsonl", "--result-format", result_format).stdout.splitlines()
            rows = [json.loads(l) for l in lines]
            self.assertEqual(len(rows), 4)
            r1, r2, r3, r4 = rows
            self.assertEqual(r1["c_bigint"], -9223372036854775808)
            self.assertEqual(r2["c_bigint"], 9223372036854775807)
            self.assertIs(r1["c_boolean"], False)
            self.assertEqual(r2["c_timestamptz"], "2024-06-30T18:29:59.999999+00:00")
            self.assertEqual(r4["c_timestamp"], "2000-02-29T12:34:56.5")
            self.assertEqual(r2["c_timetz"], "23:59:59.999999-12:00")
            self.assertEqual(r2["c_super"], {"a": [1, 2.5, "x", None, True], "b": {"c": "ü"}})
            self.assertEqual(base64.b64decode(r2["c_varbyte"]), b"\x00\xff\x10")
            self.assertEqual(r2["c_varchar"], 'unicode: ☃ 日本語 Zoë 😀 "quoted" back\\slash tab\there')
            self.assertEqual(set(r3.values()) - {3}, {None})
            # DECIMAL keeps every digit: the raw JSON text carries them.
            self.assertIn('"c_decimal":9999999999999999999999999999.9999999999', lines[1])
            self.assertIn('"c_decimal":0.0000000001', lines[3])

    def test_repeated_column_names_lose_no_value(self):
        # A join's `select *` repeats names; a JSON object cannot hold two equal keys without a
        # reader dropping one, so later ones get _2, _3 (one the query has is skipped), and stderr
        # says which. CSV keeps the header as the query names it.
        sql = "select 1 as id, 2 as id, 3 as id_2, 4 as id"
        p = rsx("query", sql, "--format", "jsonl")
        self.assertEqual(json.loads(p.stdout), {"id": 1, "id_3": 2, "id_2": 3, "id_4": 4})
        self.assertIn('column 2 "id" as "id_3", column 4 "id" as "id_4"', p.stderr)
        p = rsx("query", sql, "--format", "json")
        self.assertEqual(json.loads(p.stdout), [{"id": 1, "id_3": 2, "id_2": 3, "id_4": 4}])
        p = rsx("query", sql, "--format", "csv")
        self.assertEqual(p.stdout.splitlines()[0], "id,id,id_2,id")
        self.assertNotIn("note:", p.stderr)

    def test_json_array_format(self):
        out = json.loads(rsx("query", "select venueid, venuename from venue order by venueid limit 3", "--format", "json").stdout)
        self.assertEqual([r["venueid"] for r in out], [1, 2, 3])


def statement_id(stderr):
    return stderr.split("(statement ")[1].split(")")[0]


class Result(unittest.TestCase):
    """rsx result ID reads a finished statement again, in the format it was run with."""

    def test_rereads_a_finished_result_in_its_format(self):
        sql = "select listid, sellerid, priceperticket, listtime from listing order by listid"
        for result_format in ("json", "csv"):
            first = rsx("query", sql, "--format", "csv", "--result-format", result_format)
            again = rsx("result", statement_id(first.stderr), "--format", "csv")
            self.assertEqual(again.stdout, first.stdout, result_format)
            self.assertIn("20000 rows", again.stderr)
        # Typed values survive the re-read too (NULLs stay NULL in a CSV-format result).
        first = rsx("query", Types.SQL, "--format", "jsonl", "--result-format", "csv")
        again = rsx("result", statement_id(first.stderr), "--format", "jsonl")
        self.assertEqual(again.stdout, first.stdout)

    def test_statement_without_a_result_or_unknown(self):
        p = rsx("query", "create temp table rsx_result_t(a int)")
        q = rsx("result", statement_id(p.stderr), check=False)
        self.assertEqual(q.returncode, 2)
        self.assertIn("without a result set", q.stderr)
        q = rsx("result", "00000000-0000-4000-8000-000000000000", check=False)
        self.assertNotEqual(q.returncode, 0)
        self.assertIn("00000000-0000-4000-8000-000000000000", q.stderr)
        p = rsx("query", "select 1/0", check=False)
        q = rsx("result", statement_id(p.stderr) if "(statement " in p.stderr else
                p.stderr.split("statement_id: ")[1].split()[0], check=False)
        self.assertEqual(q.returncode, 1)
        self.assertIn("division by zero", q.stderr)

    def test_timings_add_up(self):
        p = rsx("query", "select 1", "--format", "csv", "--timings")
        line = [l for l in p.stderr.splitlines() if l.startswith("timings:")][0]
        nums = [float(w) for w in line.replace(";", " ").split() if w.replace(".", "").isdigit() and "." in w]
        total, in_http, asleep, other = nums
        self.assertAlmostEqual(total, in_http + asleep + other, delta=0.05)
        self.assertGreater(in_http, 0)
        # STS AssumeRole (no workspace here, so no credential cache), ExecuteStatement with a
        # long poll, GetStatementResult.
        self.assertEqual(int(line.split(" inside ")[1].split()[0]), 3, p.stderr)
        p = rsx("query", "select 1", "--format", "csv", "--timings", "--long-polling", "off")
        line = [l for l in p.stderr.splitlines() if l.startswith("timings:")][0]
        # Without long polling: AssumeRole, ExecuteStatement, >= 1 DescribeStatement, GetStatementResult.
        self.assertGreaterEqual(int(line.split(" inside ")[1].split()[0]), 4, p.stderr)
        self.assertIn("long polling off", p.stderr)


class CommandLine(unittest.TestCase):
    """rsx builds only the options of the subcommand argv[1] names; --help still lists them all,
    each answers its own --help, and a name that is no subcommand is refused by name."""
    NAMES = ["whoami", "query", "result", "ls", "connections", "policy", "check", "discover", "sync",
             "airbyte", "singer", "serve", "sessions"]

    def test_every_subcommand_is_listed_and_answers_its_help(self):
        p = rsx("--help")
        listed = p.stdout.split("Subcommands:")[1].splitlines()
        names = [l.split()[0] for l in listed if l.startswith("  ") and not l.startswith("   ")]
        self.assertEqual(names, self.NAMES)
        for name in names:
            h = rsx(name, "--help")
            self.assertIn("Usage: rsx %s " % name, h.stdout, name)
        # Options of one subcommand still parse (and are refused on another).
        self.assertIn("rsx 0.1.0", rsx("--version").stdout)
        q = rsx("ls", "--format", "csv", check=False)
        self.assertEqual(q.returncode, 2, q.stderr)
        self.assertIn("--format", q.stderr)

    def test_a_name_that_is_no_subcommand(self):
        for bad in ("reslt", "", "\x1b[31mred"):
            q = rsx(bad, "1", check=False)
            self.assertEqual(q.returncode, 2, bad)
            self.assertIn("is not a subcommand; they are: " + ", ".join(self.NAMES), q.stderr)
            self.assertNotIn("\x1b", q.stderr)  # shown as \\x1b, never raw
        self.assertIn("'\\x1b[31mred'", rsx("\x1b[31mred", check=False).stderr)


class TerminalText(unittest.TestCase):
    """Schema, table and column names and values come from the customer's database: shown on a
    terminal (ls, the table format, sync's progress and errors), a control character is written
    as \\xNN, so a name cannot move the cursor, set the window title or pass for two names."""

    def test_control_characters_in_names_and_values_are_escaped(self):
        schema, table, column = "e\x1b[31mvil", "t\x1b]0;pwned\x07", "c\nx"
        q = lambda name: '"%s"' % name.replace('"', '""')
        EMU.psql("create schema %s; create table %s.%s (id int primary key, %s text); "
                 "insert into %s.%s values (1, E'red\\x1b[31m\\u009bbell\\x07'); "
                 "grant usage on schema %s to public; grant select on %s.%s to public"
                 % (q(schema), q(schema), q(table), q(column), q(schema), q(table), q(schema), q(schema), q(table)))
        fq = "%s.%s" % (q(schema), q(table))
        runs = [rsx("ls", "dev"), rsx("ls", "dev." + schema), rsx("ls", "dev.%s.%s" % (schema, table)),
                rsx("query", "select * from " + fq, "--format", "table")]
        with tempfile.TemporaryDirectory() as out:
            runs.append(rsx("sync", "--stream", fq, "--to", out))
        runs.append(rsx("query", "select * from %s.nope" % q(schema), check=False))
        for p in runs:
            for raw in ("\x1b", "\x07", "\u009b"):
                self.assertNotIn(raw, p.stdout + p.stderr, p.args)
        self.assertIn("e\\x1b[31mvil", runs[0].stdout)
        self.assertIn("t\\x1b]0;pwned\\x07", runs[1].stdout)
        self.assertIn("c\\x0ax", runs[2].stdout)
        self.assertIn("red\\x1b[31m\\u009bbell\\x07", runs[3].stdout)
        self.assertIn("t\\x1b]0;pwned\\x07", runs[4].stderr)  # the progress line names the stream
        self.assertIn("e\\x1b[31mvil", runs[5].stderr)
        # The note naming repeated column names is for the terminal too (stdout is JSON, exact).
        p = rsx("query", 'select 1 as "k\u009b", 2 as "k\u009b"', "--format", "jsonl")
        self.assertNotIn("\u009b", p.stderr)
        self.assertIn('column 2 "k\\u009b" as "k\\u009b_2"', p.stderr)
        # JSON output keeps the value exact: it is data, escaped by JSON's own rules.
        p = rsx("query", "select * from " + fq, "--format", "jsonl")
        self.assertEqual(json.loads(p.stdout)[column], "red\x1b[31m\u009bbell\x07")


class Paging(unittest.TestCase):
    def test_many_pages_every_row_once(self):
        sql = "select listid, sellerid, priceperticket, listtime from listing order by listid"
        for result_format in ("json", "csv"):
            p = rsx("query", sql, "--format", "csv", "--result-format", result_format)
            got = list(csv.reader(io.StringIO(p.stdout)))[1:]
            self.assertEqual(checksum(got), checksum(EMU.psql(sql)))
        stats = json.load(urllib.request.urlopen(EMU.url + "/_emulator/stats"))["calls"]
        self.assertGreaterEqual(stats["GetStatementResult"], 10)
        self.assertIn("20000 rows", p.stderr)

    def test_parameters(self):
        p = rsx("query", "select count(*) as n from sales where qtysold = :q and buyerid < :b",
                "--param", "q=2", "--param", "b=1000", "--format", "csv")
        want = EMU.psql("select count(*) from sales where qtysold = 2 and buyerid < 1000")[0][0]
        self.assertEqual(p.stdout.splitlines()[1], want)

    def test_output_file_written_only_when_complete(self):
        path = os.path.join(EMU.dir.name, "out.csv")
        rsx("query", "select * from category order by catid", "--format", "csv", "--output", path)
        with open(path) as f:
            self.assertEqual(len(f.read().splitlines()), 12)
        bad = os.path.join(EMU.dir.name, "bad.csv")
        rsx("query", "select * from nope", "--output", bad, check=False)
        self.assertFalse(os.path.exists(bad))
        self.assertFalse(os.path.exists(bad + ".rsx-partial"))

    def test_output_that_is_not_a_plain_file(self):
        """--output to a pipe, a FIFO or through a link: the pipe or FIFO is written, never replaced
        by a regular file (as root, renaming over /dev/null replaced the device); a link's file
        is replaced with its mode; a directory and a link planted at the partial name are refused."""
        import stat
        import threading
        sql = "select * from category order by catid"
        d = tempfile.mkdtemp(dir=EMU.dir.name)
        # /dev/stdout on a pipe: the rows arrive on stdout.
        p = rsx("query", sql, "--format", "csv", "--output", "/dev/stdout")
        self.assertEqual(len(p.stdout.splitlines()), 12)
        # A FIFO: read by another thread, still a FIFO afterwards.
        fifo = os.path.join(d, "fifo")
        os.mkfifo(fifo)
        got = []

        def read_fifo():
            with open(fifo) as f:
                got.append(f.read())
        reader = threading.Thread(target=read_fifo)
        reader.start()
        rsx("query", sql, "--format", "csv", "--output", fifo)
        reader.join(30)
        self.assertEqual(len(got[0].splitlines()), 12)
        self.assertTrue(stat.S_ISFIFO(os.lstat(fifo).st_mode))
        self.assertFalse(os.path.exists(fifo + ".rsx-partial"))
        # Through a symbolic link: the file it names gets the rows and keeps its mode 0600.
        real = os.path.join(d, "real.csv")
        with open(real, "w") as f:
            f.write("old\n")
        os.chmod(real, 0o600)
        link = os.path.join(d, "link.csv")
        os.symlink(real, link)
        rsx("query", sql, "--format", "csv", "--output", link)
        self.assertTrue(os.path.islink(link))
        with open(real) as f:
            self.assertEqual(len(f.read().splitlines()), 12)
        self.assertEqual(stat.S_IMODE(os.stat(real).st_mode), 0o600)
        # A directory: refused before the statement runs, naming the flag.
        q = rsx("query", sql, "--output", d, check=False)
        self.assertEqual(q.returncode, 2, q.stderr)
        self.assertIn("--output", q.stderr)
        self.assertIn("is a directory", q.stderr)
        self.assertNotIn("(statement ", q.stderr)
        # A link planted at the partial file's name is not written through.
        victim = os.path.join(d, "victim")
        with open(victim, "w") as f:
            f.write("keep\n")
        out = os.path.join(d, "out.csv")
        os.symlink(victim, out + ".rsx-partial")
        q = rsx("query", sql, "--output", out, check=False)
        self.assertEqual(q.returncode, 1, q.stderr)
        self.assertIn("rsx-partial", q.stderr)
        with open(victim) as f:
            self.assertEqual(f.read(), "keep\n")
        self.assertFalse(os.path.exists(out))


class Cancel(unittest.TestCase):
    def test_ctrl_c_cancels_the_statement(self):
        proc = subprocess.Popen([RSX, "query", "select pg_sleep(30)"], env=env(), stderr=subprocess.PIPE, text=True)
        data = EMU.data()
        deadline = time.time() + 10
        sid = None
        while time.time() < deadline and sid is None:
            running = [s for s in data.list_statements(Status="STARTED")["Statements"] if "pg_sleep(30)" in s["QueryString"]]
            sid = running[0]["Id"] if running else None
            time.sleep(0.05)
        self.assertIsNotNone(sid, "the statement never started")
        pid = data.describe_statement(Id=sid)["RedshiftPid"]
        t0 = time.time()
        proc.send_signal(signal.SIGINT)
        _, err = proc.communicate(timeout=10)
        self.assertLess(time.time() - t0, 2.0)
        self.assertEqual(proc.returncode, 130, err)
        self.assertIn("interrupted", err)
        self.assertEqual(data.describe_statement(Id=sid)["Status"], "ABORTED")
        self.assertEqual(EMU.psql("select count(*) from pg_stat_activity where pid = %d and state = 'active'" % pid)[0][0], "0")

    def test_timeout_cancels_the_statement(self):
        p = rsx("query", "select pg_sleep(20)", "--timeout", "500ms", check=False)
        self.assertEqual(p.returncode, 1)
        self.assertIn("did not finish within 500 ms", p.stderr)
        self.assertIn("cancelled: yes, confirmed", p.stderr)


class Faults(unittest.TestCase):
    SQL = "select salesid, pricepaid, saletime from sales order by salesid"

    def run_with(self, fault):
        control("/_emulator/faults", fault)
        p = rsx("query", self.SQL, "--format", "csv")
        got = list(csv.reader(io.StringIO(p.stdout)))[1:]
        self.assertEqual(checksum(got), checksum(EMU.psql(self.SQL)))

    def test_throttled_page(self):
        self.run_with({"operation": "GetStatementResult", "nth": 3, "error": "ThrottlingException", "status": 400})

    def test_server_errors(self):
        self.run_with({"operation": "GetStatementResult", "nth": 2, "count": 2, "error": "InternalServerException", "status": 500})
        self.run_with({"operation": "DescribeStatement", "nth": 1, "error": "ServiceUnavailable", "status": 503})

    def test_active_statements_exceeded_is_waited_out(self):
        self.run_with({"operation": "ExecuteStatement", "nth": 1, "count": 4,
                       "error": "ActiveStatementsExceededException", "status": 400,
                       "message": "Active statements exceeded the allowed quota (200)."})

    def test_connection_reset_mid_page(self):
        self.run_with({"operation": "GetStatementResult", "nth": 4, "action": "reset"})

    def test_retried_submit_runs_once(self):
        # The first ExecuteStatement answer is lost after the statement was created: the retry
        # carries the same ClientToken, so the SQL runs once.
        EMU.psql("create table if not exists once_t (n int)")
        before = json.load(urllib.request.urlopen(EMU.url + "/_emulator/stats"))["calls"].get("ExecuteStatement", 0)
        control("/_emulator/faults", {"operation": "ExecuteStatement", "action": "reset_after"})
        rsx("query", "insert into once_t values (1)")
        after = json.load(urllib.request.urlopen(EMU.url + "/_emulator/stats"))["calls"]["ExecuteStatement"]
        self.assertEqual(after - before, 2)  # the lost answer, then the retry
        self.assertEqual(EMU.psql("select count(*) from once_t")[0][0], "1")


class Memory(unittest.TestCase):
    def test_million_rows_to_devnull_in_bounded_memory(self):
        sql = ("select g as id, g::numeric(18,4) / 3 as amount, 'name ' || g as name, "
               "timestamp '2020-01-01' + g * interval '1 second' as ts from generate_series(1, 1000000) g")
        with open(os.devnull, "w") as devnull:
            p = subprocess.run(["/usr/bin/time", "-f", "maxrss_kb=%M", RSX, "query", sql, "--format", "jsonl"],
                               stdout=devnull, stderr=subprocess.PIPE, text=True, env=env(), timeout=600)
        self.assertEqual(p.returncode, 0, p.stderr)
        self.assertIn("1000000 rows", p.stderr)
        rss_kb = int(p.stderr.rsplit("maxrss_kb=", 1)[1].split()[0])
        print("\n1M-row query to /dev/null: peak RSS %.1f MB" % (rss_kb / 1024.0))
        # Under AddressSanitizer (scripts/sanitize) shadow memory and the quarantine dominate RSS:
        # the bound is that of an ordinary build.
        if not os.environ.get("RSX_SANITIZED"):
            self.assertLess(rss_kb, 64 * 1024)


class BadInput(unittest.TestCase):
    def test_clear_errors(self):
        cases = [
            (["query", "select 1", "--format", "xml"], 2, "--format 'xml' is not one of table, csv, jsonl, json"),
            (["query", "select :a", "--param", "a"], 2, "must be NAME=VALUE"),
            (["query", "select :a", "--param", "a b=1"], 2, "may hold only letters"),
            (["query", "select 1", "--timeout", "soon"], 2, "is not a duration"),
            (["query", "selec 1"], 1, 'syntax error at or near "selec"'),
            (["query", "select 1", "--workgroup", "nope"], 2, "Redshift endpoint doesn't exist"),
            (["ls", "a.b.c.d"], 2, "must be DB, DB.SCHEMA or DB.SCHEMA.TABLE"),
            (["ls", "dev.public.no_such_table"], 1, "no table public.no_such_table"),
        ]
        for args, code, text in cases:
            p = rsx(*args, check=False)
            self.assertEqual(p.returncode, code, (args, p.stderr))
            self.assertIn(text, p.stderr, args)

    def test_missing_connection(self):
        e = env()
        del e["RSX_WORKGROUP"]
        p = subprocess.run([RSX, "query", "select 1"], capture_output=True, text=True, env=e)
        self.assertEqual(p.returncode, 2)
        self.assertIn("no workgroup: pass --workgroup or set RSX_WORKGROUP", p.stderr)


if __name__ == "__main__":
    unittest.main()
