"""The July 2026 Data API in rsx-emulator (long polling, ListSessions, ExecutionMode), checked
with AWS's JavaScript client (@aws-sdk/client-redshift-data from npm, pinned in tests/node);
and rsx's use of it: a small query in two requests with a warm credential cache, the cache's
rules, Ctrl-C during a long poll, the fallback where an endpoint lacks long polling, and
throttles reported as ValidationException."""
import csv
import hashlib
import json
import os
import signal
import stat
import subprocess
import tempfile
import time
import unittest
import urllib.request

from emulator_fixture import Emulator

RSX = os.environ.get("RSX_BIN", os.path.join(os.path.dirname(__file__), "../../build/rsx"))
NODE_DIR = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "node")
OTHER_KEY, OTHER_SECRET = "AKIAEMULATOROTHEROP1", "another/operator/secret/not+for+aws"
CONFIG = {
    "users": [{"arn": "arn:aws:iam::111111111111:user/operator", "access_key_id": "AKIAEMULATOROPERATOR",
               "secret_access_key": "emulator/operator/secret/key/not+for+aws", "actions": ["sts:*"]},
              {"arn": "arn:aws:iam::111111111111:user/other-operator", "access_key_id": OTHER_KEY,
               "secret_access_key": OTHER_SECRET, "actions": ["sts:*"]}],
    "roles": [{"arn": "arn:aws:iam::222222222222:role/rsx-reader", "trusted_accounts": ["111111111111"],
               "external_id": "rsx-emulator-external-id",
               "actions": ["redshift-data:*", "redshift-serverless:GetCredentials"]}],
    "workgroups": [{"name": "default", "account": "222222222222", "databases": ["dev"]}],
    "limits": {"waiting_requests_per_statement": 5},
}
EMU = None


def setUpModule():
    global EMU
    EMU = Emulator(config=CONFIG)


def tearDownModule():
    EMU.stop()


def env(emu=None, **extra):
    return (emu or EMU).rsx_env(**extra)


def rsx(*args, check=True, emu=None, **extra):
    p = subprocess.run([RSX] + list(args), capture_output=True, text=True, env=env(emu, **extra), timeout=600)
    if check and p.returncode != 0:
        raise AssertionError("rsx %s exited %d: %s" % (" ".join(args), p.returncode, p.stderr))
    return p


def calls(emu=None):
    return json.load(urllib.request.urlopen((emu or EMU).url + "/_emulator/stats"))


def timing_requests(stderr):
    line = [l for l in stderr.splitlines() if l.startswith("timings:") and " inside " in l][0]
    return int(line.split(" inside ")[1].split()[0]), line


class AwsJavaScriptClient(unittest.TestCase):
    def test_sdk_checks(self):
        def creds(session):  # two IAM sessions of the same role
            c = EMU.client("sts").assume_role(
                RoleArn=EMU.env["RSX_ROLE_ARN"], RoleSessionName=session,
                ExternalId=EMU.env["RSX_EXTERNAL_ID"])["Credentials"]
            return json.dumps({"k": c["AccessKeyId"], "s": c["SecretAccessKey"], "t": c["SessionToken"]})
        e = dict(os.environ, RSX_URL=EMU.url, AWS_REGION=EMU.region,
                 RSX_WORKGROUP=EMU.env["RSX_WORKGROUP"], RSX_DATABASE=EMU.env["RSX_DATABASE"],
                 RSX_WAIT_LIMIT="5", RSX_CREDS_A=creds("rsx-test-a"), RSX_CREDS_B=creds("rsx-test-b"))
        out = subprocess.run(["node", "data-api-2026-07.mjs"], cwd=NODE_DIR, env=e,
                             capture_output=True, text=True, timeout=300)
        print(out.stdout)
        self.assertEqual(out.returncode, 0, out.stdout + out.stderr)
        self.assertIn("16 of 16 checks passed", out.stdout)


class SmallQueryAndCredentialCache(unittest.TestCase):
    def setUp(self):
        self.home = tempfile.TemporaryDirectory(prefix="rsx-home-")
        self.cache = os.path.join(self.home.name, "cache", "credentials")

    def tearDown(self):
        self.home.cleanup()

    def query(self, *args, check=True, **extra):
        return rsx("query", *args, check=check, RSX_HOME=self.home.name, **extra)

    def test_two_requests_with_a_warm_cache_three_cold(self):
        for n, (want_requests, source) in enumerate([(3, "from AssumeRole"), (2, "from the credential cache")]):
            before = calls()["calls"]
            p = self.query("--timings", "--format", "csv", "select 1 as x")
            after = calls()["calls"]
            self.assertEqual(p.stdout.splitlines(), ["x", "1"])
            requests, line = timing_requests(p.stderr)
            self.assertEqual(requests, want_requests, p.stderr)
            self.assertIn("0.00 ms asleep between 0 status checks", line)
            self.assertIn("long polling used; role credentials " + source, p.stderr)
            d = {op: after.get(op, 0) - before.get(op, 0) for op in set(after) | set(before)}
            self.assertEqual(d.get("DescribeStatement", 0), 0, d)
            self.assertEqual(d.get("AssumeRole", 0), 1 if n == 0 else 0, d)
            self.assertEqual(d.get("ExecuteStatement", 0), 1, d)
            self.assertEqual(d.get("GetStatementResult", 0), 1, d)
        # The cache: a 0700 folder of 0600 files.
        self.assertEqual(stat.S_IMODE(os.stat(self.cache).st_mode), 0o700)
        files = os.listdir(self.cache)
        self.assertEqual(len(files), 1)
        self.assertEqual(stat.S_IMODE(os.stat(os.path.join(self.cache, files[0])).st_mode), 0o600)
        # whoami says where the role's credentials came from.
        before = calls()["calls"].get("AssumeRole", 0)
        w = rsx("whoami", "--role-arn", EMU.env["RSX_ROLE_ARN"], "--external-id", EMU.env["RSX_EXTERNAL_ID"],
                RSX_HOME=self.home.name)
        self.assertIn("from the credential cache (no AssumeRole call)", w.stdout)
        self.assertEqual(calls()["calls"].get("AssumeRole", 0), before)
        j = json.loads(rsx("whoami", "--json", "--role-arn", EMU.env["RSX_ROLE_ARN"], "--external-id",
                           EMU.env["RSX_EXTERNAL_ID"], RSX_HOME=self.home.name).stdout)
        self.assertTrue(j["assumed"]["from_cache"])
        # The secrets are only in the cache file, never printed.
        with open(os.path.join(self.cache, files[0])) as f:
            secret = json.load(f)["SecretAccessKey"]
        self.assertNotIn(secret, w.stdout + w.stderr + p.stdout + p.stderr)

    def test_changed_external_id_or_base_identity_never_reuses_it(self):
        self.query("select 1")
        before = calls()["calls"]["AssumeRole"]
        bad = self.query("select 1", "--external-id", "not-the-right-one", check=False)
        self.assertEqual(bad.returncode, 1)
        self.assertIn("AccessDenied", bad.stderr)
        self.assertEqual(calls()["calls"]["AssumeRole"], before + 1)
        other = self.query("select 1", AWS_ACCESS_KEY_ID=OTHER_KEY, AWS_SECRET_ACCESS_KEY=OTHER_SECRET)
        self.assertEqual(calls()["calls"]["AssumeRole"], before + 2)
        self.assertIn("1 row", other.stderr)
        self.assertEqual(len(os.listdir(self.cache)), 2)  # one per base identity
        self.query("select 1", AWS_ACCESS_KEY_ID=OTHER_KEY, AWS_SECRET_ACCESS_KEY=OTHER_SECRET)
        self.query("select 1")
        self.assertEqual(calls()["calls"]["AssumeRole"], before + 2)

    def test_a_corrupt_cache_file_is_ignored_and_replaced(self):
        self.query("select 1")
        path = os.path.join(self.cache, os.listdir(self.cache)[0])
        for garbage in ("{not json", json.dumps({"AccessKeyId": "x"}), "\x00\xff"):
            with open(path, "w") as f:
                f.write(garbage)
            before = calls()["calls"]["AssumeRole"]
            p = self.query("select 1")
            self.assertIn("credential cache: ignoring", p.stderr)
            self.assertEqual(calls()["calls"]["AssumeRole"], before + 1)
            with open(path) as f:
                self.assertTrue(json.load(f)["SessionToken"])
            again = self.query("select 1")
            self.assertNotIn("warning", again.stderr)
            self.assertEqual(calls()["calls"]["AssumeRole"], before + 1)

    def test_the_cache_can_be_turned_off(self):
        for how in (["--no-credential-cache"], []):
            extra = {} if how else {"RSX_NO_CREDENTIAL_CACHE": "1"}
            before = calls()["calls"]["AssumeRole"]
            self.query("select 1", *how, **extra)
            self.query("select 1", *how, **extra)
            self.assertEqual(calls()["calls"]["AssumeRole"], before + 2)
            self.assertFalse(os.path.exists(self.cache) and os.listdir(self.cache))

    def test_ctrl_c_during_a_long_poll_cancels_within_two_seconds(self):
        data = EMU.data()
        proc = subprocess.Popen([RSX, "query", "select pg_sleep(30) as lp_ctrl_c"], stderr=subprocess.PIPE,
                                text=True, env=env(RSX_HOME=self.home.name))
        deadline, sid = time.time() + 15, None
        while time.time() < deadline and sid is None:
            running = [s for s in data.list_statements(Status="STARTED")["Statements"]
                       if "lp_ctrl_c" in s["QueryString"]]
            sid = running[0]["Id"] if running else None
            time.sleep(0.05)
        self.assertIsNotNone(sid, "the statement never started")
        described = calls()["calls"].get("DescribeStatement", 0)
        time.sleep(2.5)  # past the submit's one-second wait: rsx is now inside a long poll
        self.assertEqual(calls()["calls"].get("DescribeStatement", 0), described + 1)
        t0 = time.time()
        proc.send_signal(signal.SIGINT)
        _, err = proc.communicate(timeout=15)
        self.assertLess(time.time() - t0, 2.0, err)
        self.assertEqual(proc.returncode, 130, err)
        self.assertIn("cancelled: yes, confirmed", err)
        self.assertEqual(data.describe_statement(Id=sid)["Status"], "ABORTED")


class ThrottlesInDisguise(unittest.TestCase):
    def test_sync_of_two_million_rows(self):
        EMU.psql("create table throttle_t as select g as id, md5(g::text) as v from generate_series(1, 2000000) g; "
                 "alter table throttle_t add primary key (id)")
        base = calls()
        for op in ("GetStatementResult", "ExecuteStatement"):
            fault = {"operation": op, "nth": 5, "every": 5, "count": 1000000, "error": "ValidationException",
                     "status": 400, "message": "ThrottlingException: Rate exceeded"}
            req = urllib.request.Request(EMU.url + "/_emulator/faults", method="POST", data=json.dumps(fault).encode())
            urllib.request.urlopen(req).read()
        out = tempfile.TemporaryDirectory(prefix="rsx-throttle-")
        try:
            p = rsx("sync", "--stream", "public.throttle_t", "--to", out.name, "--format", "csv")
            with open(os.path.join(out.name, "public.throttle_t.csv"), newline="") as f:
                got = [r for r in csv.reader(f)][1:]
        finally:
            out.cleanup()
            urllib.request.urlopen(urllib.request.Request(EMU.url + "/_emulator/faults", method="DELETE")).read()
        want = EMU.psql("select id, v from throttle_t")
        self.assertEqual(len(got), 2000000, p.stderr)
        digest = lambda rows: hashlib.sha256("\n".join(sorted(",".join(r) for r in rows)).encode()).hexdigest()
        self.assertEqual(digest(got), digest(want))
        after = calls()
        for op in ("GetStatementResult", "ExecuteStatement"):
            made = after["calls"][op] - base["calls"].get(op, 0)
            fired = after["faults_fired"].get(op + ":error", 0) - base["faults_fired"].get(op + ":error", 0)
            self.assertGreater(fired, 0, (op, after))
            # Every fifth call was refused, and every refused one was made again.
            self.assertEqual(fired, made // 5, (op, made, fired))
        EMU.psql("drop table throttle_t")


class SeveralStatements(unittest.TestCase):
    def test_one_session_carries_temporary_tables_and_closes(self):
        p = rsx("query", "--format", "csv",
                "create temp table tt as select 5 as v; insert into tt values (6)",
                "select sum(v) as s from tt -- a comment; with a semicolon")
        self.assertEqual(p.stdout.splitlines(), ["s", "11"], p.stderr)
        self.assertIn("statement 1 of 3", p.stderr)
        self.assertIn("statement 2 of 3: 1 row affected", p.stderr)
        q = rsx("query", "--format", "csv", "select 1 as a; select 2 as b")
        self.assertEqual(q.stdout.splitlines(), ["b", "2"])
        self.assertIn("statement 1 of 2: a result set (not printed: only the last one is)", q.stderr)
        data = EMU.data()
        mine = [s for s in data.list_statements()["Statements"] if "from tt" in s.get("QueryString", "")]
        session = mine[0]["SessionId"]
        time.sleep(2)  # the last statement set a keep-alive of one second
        listed = json.loads(rsx("sessions", "--json").stdout)
        self.assertNotIn(session, [s["session_id"] for s in listed])
        closed = json.loads(rsx("sessions", "--json", "--status", "CLOSED").stdout)
        self.assertIn(session, [s["session_id"] for s in closed])

    def test_a_script_file_and_a_busy_session(self):
        with tempfile.NamedTemporaryFile("w", suffix=".sql", delete=False) as f:
            f.write("-- setup; not a statement\ncreate temp table s_t (v text);\n"
                    "insert into s_t values ('a;b'), ($$c;d$$);\n/* wait; */ select pg_sleep(3);\n"
                    "select string_agg(v, '|' order by v) as v from s_t;\n")
        try:
            proc = subprocess.Popen([RSX, "query", "-f", f.name, "--format", "csv"], env=env(),
                                    stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
            time.sleep(2)
            busy = rsx("sessions")
            self.assertIn("BUSY", busy.stdout)
            out, err = proc.communicate(timeout=60)
            self.assertEqual(proc.returncode, 0, err)
            self.assertEqual(out.splitlines(), ["v", "a;b|c;d"])
        finally:
            os.unlink(f.name)

    def test_transaction_and_auto_commit_batches(self):
        for flag, want in (("--transaction", "0"), ("--auto-commit", "1")):
            table = "batch_" + flag.strip("-").replace("-", "_")
            EMU.psql("create table %s (x int); grant all on %s to public" % (table, table))
            p = rsx("query", flag, "insert into %s values (1); insert into %s values (1/0); "
                    "insert into %s values (3)" % (table, table, table), check=False)
            self.assertEqual(p.returncode, 1)
            self.assertIn("statement 2 of the batch failed", p.stderr)
            self.assertIn("division by zero", p.stderr)
            self.assertIn("rolled back" if flag == "--transaction" else "stay committed", p.stderr)
            self.assertEqual(EMU.psql("select count(*) from %s" % table)[0][0], want)
        ok = rsx("query", "--transaction", "--format", "csv", "--param", "n=4",
                 "select :n::int + 1 as a", "select :n::int * 10 as b")
        self.assertEqual(ok.stdout.splitlines(), ["b", "40"])

    def test_parameters_need_a_batch(self):
        p = rsx("query", "select :n::int", "select 2", "--param", "n=1", check=False)
        self.assertEqual(p.returncode, 2)
        self.assertIn("--transaction or --auto-commit", p.stderr)
        bad = rsx("query", "select 'unterminated; select 1", check=False)
        self.assertEqual(bad.returncode, 2)
        self.assertIn("unterminated string starting on line 1", bad.stderr)


class EndpointWithoutLongPolling(unittest.TestCase):
    def test_fallback_where_the_field_is_ignored_or_refused(self):
        for mode, why in (("ignore", "the endpoint ignored WaitTimeSeconds"),
                          ("refuse", "the endpoint refused WaitTimeSeconds")):
            emu = Emulator(args=["--long-polling", mode])
            try:
                p = rsx("query", "--timings", "--format", "csv", "select 7 as x", emu=emu)
                self.assertEqual(p.stdout.splitlines(), ["x", "7"])
                self.assertIn("long polling not available: " + why, p.stderr)
                self.assertGreaterEqual(calls(emu)["calls"].get("DescribeStatement", 0), 1)
                if mode == "refuse":
                    on = rsx("query", "--long-polling", "on", "select 1", emu=emu, check=False)
                    self.assertEqual(on.returncode, 2)  # a setting the endpoint cannot honour
                    self.assertIn("long polling is on, but the endpoint does not know it", on.stderr)
            finally:
                emu.stop()


if __name__ == "__main__":
    unittest.main()
