"""rsx serve against rsx-emulator: organizations isolated from each other (every endpoint with
another organization's ids answers 404), API keys never stored in clear text, the confused
deputy refused at AssumeRole, scheduled full and incremental runs equal to psql, cancel, kill -9
and resume, bad input."""
import glob
import hashlib
import json
import os
import signal
import time
import unittest

from emulator_fixture import Emulator
from service_fixture import ADMIN_TOKEN, Service, check_openapi, free_port

EMU = None
SVC = None
A = B = None  # organizations: {"id", "external_id", "api_key", ...}
ROLE = "arn:aws:iam::222222222222:role/rsx-reader"
CONN = {"region": "us-east-1", "workgroup": "default", "database": "dev", "role_arn": ROLE}


def setUpModule():
    global EMU, SVC, A, B
    port = free_port()
    SVC = Service("http://127.0.0.1:%d" % port)
    A = SVC.create_org("org-a")
    B = SVC.create_org("org-b")
    # The customer's role trusts A's external ID, as A's onboarding told them to.
    EMU = Emulator(args=["--listen", "127.0.0.1:%d" % port, "--external-id", A["external_id"]])


def tearDownModule():
    SVC.stop()
    EMU.stop()
    # Every answer any test above received matches the OpenAPI document.
    print(check_openapi(SVC.records))
    SVC.cleanup()


def connection(org, name, **extra):
    return SVC.ok("POST", "/api/v1/connections", dict(CONN, name=name, **extra), key=org["api_key"])


def sync_body(conn_id, streams, path, schedule=None, fmt="jsonl", chunk_rows=None):
    body = {"connection_id": conn_id, "streams": streams, "destination": {"format": fmt, "path": path}}
    if schedule:
        body["schedule"] = schedule
    if chunk_rows:
        body["chunk_rows"] = chunk_rows
    return body


def jsonl_rows(path):
    with open(path) as f:
        return [json.loads(line) for line in f if line.strip()]


def psql_ids(sql):
    return [int(r[0]) for r in EMU.psql(sql)]


class Organizations(unittest.TestCase):
    def test_distinct_external_ids_and_keys_not_stored_in_clear(self):
        self.assertNotEqual(A["external_id"], B["external_id"])
        for org in (A, B):
            self.assertRegex(org["external_id"], r"^[0-9a-f]{32}$")  # 128 random bits
            me = SVC.ok("GET", "/api/v1/organization", key=org["api_key"])
            self.assertEqual((me["id"], me["external_id"]), (org["id"], org["external_id"]))
            self.assertNotIn("api_key", me)
        extra = SVC.ok("POST", "/api/v1/api-keys", {"name": "ci"}, key=A["api_key"])
        SVC.ok("GET", "/api/v1/organization", key=extra["api_key"])
        SVC.ok("DELETE", "/api/v1/api-keys/" + extra["id"], key=A["api_key"])
        status, err, _ = SVC.call("GET", "/api/v1/organization", key=extra["api_key"])
        self.assertEqual(status, 401)  # revoked
        self.assertEqual(err["error"]["code"], "unauthenticated")
        # The store (and its WAL) searched for every issued key and its secret part.
        blobs = b""
        for path in glob.glob(SVC.store[len("sqlite:"):] + "*"):
            with open(path, "rb") as f:
                blobs += f.read()
        self.assertGreater(len(blobs), 0)
        for token in (A["api_key"], B["api_key"], extra["api_key"]):
            secret = token.rsplit("_", 1)[1]
            self.assertNotIn(token.encode(), blobs)
            self.assertNotIn(secret.encode(), blobs)
        self.assertNotIn(ADMIN_TOKEN.encode(), blobs)
        self.assertNotIn(ADMIN_TOKEN, SVC.read_log())
        self.assertNotIn(A["api_key"], SVC.read_log())

    def test_authentication(self):
        for key in (None, "nope", "rsx_0123456789abcdef_" + "0" * 64, ADMIN_TOKEN):
            status, err, _ = SVC.call("GET", "/api/v1/connections", key=key)
            self.assertEqual(status, 401, key)
            self.assertEqual(err["error"]["code"], "unauthenticated")
        status, _, _ = SVC.call("POST", "/api/v1/organizations", {"name": "x"}, key=A["api_key"])
        self.assertEqual(status, 401)  # an organization cannot create organizations


class Isolation(unittest.TestCase):
    def test_every_endpoint_with_the_other_organizations_ids_is_404(self):
        ca = connection(A, "iso-a")
        sa = SVC.ok("POST", "/api/v1/syncs", sync_body(ca["id"], [{"stream": "public.category"}], "iso"),
                    key=A["api_key"])
        ra = SVC.ok("POST", "/api/v1/syncs/%s/runs" % sa["id"], key=A["api_key"])
        self.assertEqual(SVC.wait_run(A["api_key"], ra["id"])["status"], "succeeded")
        files = SVC.ok("GET", "/api/v1/syncs/%s/files" % sa["id"], key=A["api_key"])["items"]
        self.assertIn("public.category.jsonl", [f["name"] for f in files])
        a_keys = SVC.ok("GET", "/api/v1/api-keys", key=A["api_key"])["items"]
        qa = SVC.ok("POST", "/api/v1/connections/%s/queries" % ca["id"], {"sql": "select pg_sleep(3)"},
                    key=A["api_key"])
        cb = connection(B, "iso-b")
        calls = [
            ("GET", "/api/v1/connections/" + ca["id"], None),
            ("PATCH", "/api/v1/connections/" + ca["id"], {"name": "stolen"}),
            ("DELETE", "/api/v1/connections/" + ca["id"], None),
            ("POST", "/api/v1/connections/%s/test" % ca["id"], None),
            ("GET", "/api/v1/connections/%s/catalog" % ca["id"], None),
            ("GET", "/api/v1/connections/%s/schemas" % ca["id"], None),
            ("GET", "/api/v1/connections/%s/tables?schema=public" % ca["id"], None),
            ("GET", "/api/v1/connections/%s/columns?schema=public&table=category" % ca["id"], None),
            ("GET", "/api/v1/connections/%s/databases" % ca["id"], None),
            ("POST", "/api/v1/connections/%s/queries" % ca["id"], {"sql": "select 1"}),
            ("GET", "/api/v1/queries/" + qa["id"], None),
            ("POST", "/api/v1/queries/%s/cancel" % qa["id"], None),
            ("GET", "/api/v1/syncs/" + sa["id"], None),
            ("PATCH", "/api/v1/syncs/" + sa["id"], {"name": "stolen"}),
            ("DELETE", "/api/v1/syncs/" + sa["id"], None),
            ("POST", "/api/v1/syncs/%s/runs" % sa["id"], None),
            ("GET", "/api/v1/syncs/%s/runs" % sa["id"], None),
            ("GET", "/api/v1/syncs/%s/files" % sa["id"], None),
            ("GET", "/api/v1/syncs/%s/files/public.category.jsonl" % sa["id"], None),
            ("GET", "/api/v1/runs/" + ra["id"], None),
            ("POST", "/api/v1/runs/%s/cancel" % ra["id"], None),
            ("GET", "/api/v1/runs/%s/logs" % ra["id"], None),
            ("DELETE", "/api/v1/api-keys/" + a_keys[0]["id"], None),
            ("POST", "/api/v1/syncs", sync_body(ca["id"], [{"stream": "public.category"}], "steal")),
            ("PATCH", "/api/v1/syncs/%s" % "sync_" + "0" * 32, {"name": "x"}),
        ]
        for method, path, body in calls:
            status, err, raw = SVC.call(method, path, body, key=B["api_key"])
            self.assertEqual(status, 404, "%s %s -> %d %s" % (method, path, status, raw[:300]))
            self.assertEqual(err["error"]["code"], "not_found")
        # B's lists hold none of A's objects; A's are all still there and unchanged.
        self.assertEqual([c["id"] for c in SVC.ok("GET", "/api/v1/connections", key=B["api_key"])["items"]
                          if c["id"] == ca["id"]], [])
        self.assertNotIn(sa["id"], [s["id"] for s in SVC.ok("GET", "/api/v1/syncs", key=B["api_key"])["items"]])
        self.assertEqual(SVC.ok("GET", "/api/v1/connections/" + ca["id"], key=A["api_key"])["name"], "iso-a")
        self.assertEqual(SVC.ok("GET", "/api/v1/syncs/" + sa["id"], key=A["api_key"])["name"], "")
        self.assertEqual(len(SVC.ok("GET", "/api/v1/syncs/%s/runs" % sa["id"], key=A["api_key"])["items"]), 1)
        data = SVC.call("GET", "/api/v1/syncs/%s/files/public.category.jsonl" % sa["id"], key=A["api_key"])
        self.assertEqual(data[0], 200)
        self.assertEqual(len(data[2].splitlines()), int(EMU.psql("select count(*) from category")[0][0]))
        self.assertTrue(os.path.isdir(os.path.join(SVC.data_dir, A["id"], "iso")))
        # A's statement was neither read nor cancelled by B: it finishes, and A reads its row.
        deadline = time.time() + 30
        while True:
            q = SVC.ok("GET", "/api/v1/queries/" + qa["id"], key=A["api_key"])
            if q["status"] in ("FINISHED", "FAILED", "ABORTED") or time.time() > deadline:
                break
            time.sleep(0.2)
        self.assertEqual(q["status"], "FINISHED", q)
        self.assertEqual(q["result"]["rows"], [[""]])
        SVC.ok("DELETE", "/api/v1/connections/" + cb["id"], key=B["api_key"])


class ConfusedDeputy(unittest.TestCase):
    def test_b_cannot_use_the_role_that_trusts_a(self):
        cb = connection(B, "deputy")
        self.assertEqual(cb["external_id"], B["external_id"])
        self.assertNotEqual(cb["external_id"], A["external_id"])
        cond = json.dumps(cb["trust_policy"])
        self.assertIn(B["external_id"], cond)
        self.assertIn("sts:ExternalId", cond)
        self.assertEqual(len(cb["permissions_policy"]["Statement"][0]["Action"]) +
                         sum(len(s["Action"]) for s in cb["permissions_policy"]["Statement"][1:]), 9)
        report = SVC.ok("POST", "/api/v1/connections/%s/test" % cb["id"], key=B["api_key"])
        self.assertFalse(report["ok"])
        self.assertIn("assume", report["failed_stage"].lower())
        self.assertEqual(report["error"]["code"], "AccessDenied")
        self.assertIn("AssumeRole", report["error"]["message"])
        self.assertEqual(report["checks"], [])
        self.assertEqual(SVC.ok("GET", "/api/v1/connections/" + cb["id"], key=B["api_key"])["health"]["status"],
                         "failing")
        status, err, _ = SVC.call("GET", "/api/v1/connections/%s/catalog" % cb["id"], key=B["api_key"])
        self.assertEqual(status, 502)
        self.assertIn("AccessDenied", err["error"]["message"])
        status, err, _ = SVC.call("POST", "/api/v1/syncs", sync_body(cb["id"], [{"stream": "public.sales"}], "x"),
                                  key=B["api_key"])
        self.assertEqual(status, 502)
        self.assertFalse(os.path.exists(os.path.join(SVC.data_dir, B["id"])))  # no data read
        # No endpoint takes an external ID from a client.
        for method, path in (("POST", "/api/v1/connections"), ("PATCH", "/api/v1/connections/" + cb["id"]),
                             ("POST", "/api/v1/connections/test")):
            status, err, _ = SVC.call(method, path, dict(CONN, name="d2", external_id=A["external_id"]),
                                      key=B["api_key"])
            self.assertEqual(status, 400, path)
            self.assertEqual(err["error"]["field"], "external_id")
        status, _, _ = SVC.call("PATCH", "/api/v1/organization", {"external_id": A["external_id"]}, key=B["api_key"])
        self.assertIn(status, (404, 405))
        self.assertEqual(SVC.ok("GET", "/api/v1/organization", key=B["api_key"])["external_id"], B["external_id"])
        # A, whose external ID the role trusts, passes every check.
        ca = connection(A, "trusted")
        report = SVC.ok("POST", "/api/v1/connections/%s/test" % ca["id"], key=A["api_key"])
        self.assertTrue(report["ok"], report)
        self.assertEqual(len(report["checks"]), 9)
        self.assertTrue(all(c["granted"] for c in report["checks"]))


class Schedules(unittest.TestCase):
    def test_interval_schedule_full_then_incremental_equals_psql(self):
        EMU.psql("drop table if exists svc_sales; create table svc_sales as select * from sales; "
                 "alter table svc_sales add primary key (salesid)")
        ca = connection(A, "sched")
        streams = [{"stream": "public.category"}, {"stream": "public.venue"},
                   {"stream": "public.svc_sales", "mode": "incremental", "cursor": "salesid"}]
        s = SVC.ok("POST", "/api/v1/syncs", sync_body(ca["id"], streams, "sched", {"type": "interval", "every_seconds": 2},
                                                      chunk_rows=5000), key=A["api_key"])
        out = os.path.join(SVC.data_dir, A["id"], "sched")

        def runs():
            return SVC.ok("GET", "/api/v1/syncs/%s/runs" % s["id"], key=A["api_key"])["items"]
        deadline = time.time() + 60
        while not [r for r in runs() if r["status"] == "succeeded"]:
            self.assertLess(time.time(), deadline, SVC.read_log()[-2000:])
            time.sleep(0.2)
        first = [r for r in runs() if r["status"] == "succeeded"][-1]
        self.assertEqual(first["trigger"], "schedule")
        by = {st["stream"]: st for st in first["streams"]}
        self.assertEqual(by["public.svc_sales"]["rows"], 17000)
        self.assertEqual(by["public.category"]["rows"], int(EMU.psql("select count(*) from category")[0][0]))
        self.assertGreater(by["public.svc_sales"]["bytes"], 0)
        self.assertGreater(by["public.svc_sales"]["statements"], 1)
        for table, key in (("category", "catid"), ("venue", "venueid")):  # every value, as psql prints it
            rows = jsonl_rows(os.path.join(out, "public.%s.jsonl" % table))
            cols = [c for c in rows[0]]
            mine = sorted([["\\N" if r[c] is None else str(r[c]) for c in cols] for r in rows])
            theirs = sorted(EMU.psql("select %s from %s" % (", ".join(cols), table)))
            self.assertEqual(mine, theirs, table)
        EMU.psql("insert into svc_sales select salesid + 100000, listid, sellerid, buyerid, eventid, dateid, "
                 "qtysold, pricepaid, commission, saletime from sales where salesid <= 7")
        deadline = time.time() + 60
        while True:
            later = [r for r in runs() if r["status"] == "succeeded" and r["created_at"] > first["created_at"]]
            got = [r for r in later if {st["stream"]: st for st in r["streams"]}["public.svc_sales"]["rows"] > 0]
            if got:
                break
            self.assertLess(time.time(), deadline, SVC.read_log()[-2000:])
            time.sleep(0.2)
        SVC.ok("PATCH", "/api/v1/syncs/" + s["id"], {"schedule": {"type": "manual"}}, key=A["api_key"])
        second = {st["stream"]: st for st in got[0]["streams"]}
        self.assertEqual(second["public.svc_sales"]["rows"], 7)  # only the rows inserted in between
        ids = [r["salesid"] for r in jsonl_rows(os.path.join(out, "public.svc_sales.jsonl"))]
        self.assertEqual(ids, psql_ids("select salesid from svc_sales order by 1"))
        # History: every run succeeded; the ones between saw no new rows.
        history = runs()
        self.assertTrue(all(r["status"] == "succeeded" for r in history), history)
        self.assertEqual(sum({st["stream"]: st for st in r["streams"]}["public.svc_sales"]["rows"] for r in history),
                         17007)


class CronOracle(unittest.TestCase):
    def test_next_run_times_agree_with_cron_parser(self):
        """The service's next_run_at for 300 random cron expressions equals cron-parser's (npm)."""
        import random
        import subprocess
        rnd = random.Random(20261129)
        pools = [["*", "*/5", "0", "15,45", "10-20", "5/20", "59", "*/7", "1-59/15"],
                 ["*", "0", "*/6", "9-17", "23", "0,12", "1-23/4"],
                 ["*", "1", "15", "31", "1-7", "*/10", "29", "28-31"],
                 ["*", "1", "2", "JAN", "6-8", "*/3", "DEC", "feb", "2,4,6"],
                 ["*", "0", "7", "MON-FRI", "SUN", "1,3,5", "SAT", "tue", "0-2"]]
        ca = connection(A, "cron")
        s = SVC.ok("POST", "/api/v1/syncs", sync_body(ca["id"], [{"stream": "public.category"}], "cron"),
                   key=A["api_key"])
        cases, got = [], []
        for _ in range(300):
            expr = " ".join(rnd.choice(p) for p in pools)
            status, j, raw = SVC.call("PATCH", "/api/v1/syncs/" + s["id"],
                                      {"schedule": {"type": "cron", "cron": expr}}, key=A["api_key"])
            if status == 422:  # never matches (e.g. 31 February): cron-parser must agree below
                self.assertIn("never matches", j["error"]["message"], expr)
                got.append(None)
            else:
                self.assertEqual(status, 200, raw)
                got.append(j["next_run_at"])
            updated = SVC.ok("GET", "/api/v1/syncs/" + s["id"], key=A["api_key"])["updated_at"]
            cases.append([expr, iso_ms(updated)])
        SVC.ok("PATCH", "/api/v1/syncs/" + s["id"], {"schedule": {"type": "manual"}}, key=A["api_key"])
        node = os.path.join(os.path.dirname(__file__), "../node/cron-next.mjs")
        out = subprocess.run(["node", node], input=json.dumps(cases), capture_output=True, text=True, check=True)
        expected = json.loads(out.stdout)
        checked = 0
        for (expr, _), mine, theirs in zip(cases, got, expected):
            if mine is None:  # the service found no date within 5 years: neither may cron-parser
                self.assertTrue(isinstance(theirs, dict) or theirs - cases[0][1] > 4 * 365 * 86400000, expr)
            elif isinstance(theirs, dict):
                # cron-parser refuses a day of month no named month has (31 with feb) even when the
                # day-of-week field would match (cron ORs the two day fields); the service goes by
                # the day of week then.
                self.assertIn("day of month", theirs["error"], expr)
                self.assertNotEqual(expr.split()[4], "*", expr)
            else:
                self.assertEqual(iso_ms(mine), theirs, expr)
                checked += 1
        self.assertGreater(checked, 250)


def iso_ms(text):
    import calendar
    return calendar.timegm(time.strptime(text[:19], "%Y-%m-%dT%H:%M:%S")) * 1000 + int(text[20:23])


class MissedSchedule(unittest.TestCase):
    def test_slots_missed_while_down_run_once_at_start(self):
        ca = connection(A, "missed")
        s = SVC.ok("POST", "/api/v1/syncs", sync_body(ca["id"], [{"stream": "public.category"}], "missed",
                                                      {"type": "interval", "every_seconds": 3}), key=A["api_key"])

        def runs():
            return SVC.ok("GET", "/api/v1/syncs/%s/runs?limit=200" % s["id"], key=A["api_key"])["items"]
        deadline = time.time() + 30
        while not [r for r in runs() if r["status"] == "succeeded"]:
            self.assertLess(time.time(), deadline)
            time.sleep(0.2)
        SVC.stop(signal.SIGTERM)
        down = time.time()
        time.sleep(10)  # three or four slots pass while the service is down
        SVC.start()
        up = time.time()
        time.sleep(2.0)  # less than one period after the start
        SVC.ok("PATCH", "/api/v1/syncs/" + s["id"], {"schedule": {"type": "manual"}}, key=A["api_key"])
        new = [r for r in runs() if iso_ms(r["created_at"]) / 1000 > down]  # queued since the stop
        missed = [r for r in new if iso_ms(r["scheduled_for"]) / 1000 < down + 9]  # slots while down
        self.assertEqual(len(missed), 1, "missed slots must run once, not once each: %s" % new)
        self.assertEqual(missed[0]["trigger"], "schedule")
        self.assertGreater(iso_ms(missed[0]["scheduled_for"]) / 1000, down - 3.5)
        # Later slots keep the schedule's phase, one period apart, after the start.
        later = sorted(iso_ms(r["scheduled_for"]) for r in new if r is not missed[0])
        self.assertTrue(all((t - iso_ms(missed[0]["scheduled_for"])) % 3000 == 0 and t / 1000 > up - 3 for t in later),
                        new)
        new = missed
        self.assertEqual(SVC.wait_run(A["api_key"], new[0]["id"])["status"], "succeeded")
        nxt = SVC.ok("GET", "/api/v1/syncs/" + s["id"], key=A["api_key"])["next_run_at"]
        self.assertIsNone(nxt)  # manual now


class Cancel(unittest.TestCase):
    def test_cancel_aborts_the_statement_and_the_next_run_resumes(self):
        EMU.psql("create or replace view svc_slow as select listid, sellerid, pg_sleep(0.0005)::text as s from listing "
                 "where listid <= 9000")
        ca = connection(A, "cancel")
        s = SVC.ok("POST", "/api/v1/syncs", sync_body(ca["id"], [{"stream": "public.svc_slow", "primary_key": ["listid"]}],
                                                      "cancel", chunk_rows=3000), key=A["api_key"])
        run = SVC.ok("POST", "/api/v1/syncs/%s/runs" % s["id"], key=A["api_key"])
        status, err, _ = SVC.call("POST", "/api/v1/syncs/%s/runs" % s["id"], key=A["api_key"])
        self.assertEqual(status, 409)
        self.assertEqual(err["error"]["code"], "run_active")
        data = EMU.data()
        deadline = time.time() + 60
        while True:  # past the first chunk, into a later one
            r = SVC.ok("GET", "/api/v1/runs/" + run["id"], key=A["api_key"])
            started = [x for x in data.list_statements(Status="STARTED")["Statements"] if "svc_slow" in x["QueryString"]
                       and "limit" in x["QueryString"]]
            if r["streams"] and r["streams"][0]["rows"] >= 3000 and started:
                break
            self.assertLess(time.time(), deadline)
            time.sleep(0.05)
        t0 = time.time()
        SVC.ok("POST", "/api/v1/runs/%s/cancel" % run["id"], key=A["api_key"])
        done = SVC.wait_run(A["api_key"], run["id"], timeout=10)
        sid = started[0]["Id"]
        while data.describe_statement(Id=sid)["Status"] != "ABORTED" and time.time() - t0 < 5:
            time.sleep(0.05)
        self.assertEqual(data.describe_statement(Id=sid)["Status"], "ABORTED")
        self.assertLess(time.time() - t0, 2.0)
        self.assertEqual(done["status"], "cancelled")
        status, err, _ = SVC.call("POST", "/api/v1/runs/%s/cancel" % run["id"], key=A["api_key"])
        self.assertEqual(status, 409)
        again = SVC.ok("POST", "/api/v1/syncs/%s/runs" % s["id"], key=A["api_key"])
        self.assertEqual(SVC.wait_run(A["api_key"], again["id"], timeout=120)["status"], "succeeded")
        ids = [r["listid"] for r in jsonl_rows(os.path.join(SVC.data_dir, A["id"], "cancel", "public.svc_slow.jsonl"))]
        self.assertEqual(sorted(set(ids)), psql_ids("select listid from listing where listid <= 9000 order by 1"))
        self.assertLessEqual(len(ids) - len(set(ids)), 3000)
        logs = SVC.ok("GET", "/api/v1/runs/%s/logs" % run["id"], key=A["api_key"])["items"]
        self.assertTrue(any("cancelled" in l["message"] for l in logs), logs)


class Failures(unittest.TestCase):
    def run_once(self, name, stream, key):
        """A new sync of `stream` keyed by `key`, run once: (the sync, its finished run)."""
        ca = connection(A, name)
        s = SVC.ok("POST", "/api/v1/syncs", sync_body(ca["id"], [{"stream": stream, "primary_key": key}], name),
                   key=A["api_key"])
        run = SVC.ok("POST", "/api/v1/syncs/%s/runs" % s["id"], key=A["api_key"])
        return s, SVC.wait_run(A["api_key"], run["id"])

    def test_a_repeating_key_fails_the_run_with_the_syncs_own_fix(self):
        _, done = self.run_once("dupkey", "public.venue", ["venuestate"])
        self.assertEqual(done["status"], "failed")
        self.assertIn("the key (venuestate) is not unique and non-null", done["error"]["message"])
        self.assertIn("primary_key in the sync", done["error"]["message"])
        self.assertNotIn("--trust-key", done["error"]["message"])

    def test_a_failed_statement_is_reported_with_its_id_and_message(self):
        # A view that fails when its rows are read: the key check passes, the first chunk fails.
        EMU.psql("create or replace view svc_bad as select catid, 1 / (catid - catid) as boom from category")
        s, done = self.run_once("fails", "public.svc_bad", ["catid"])
        self.assertEqual(done["status"], "failed")
        self.assertIn("division by zero", done["error"]["message"])
        self.assertRegex(done["error"]["statement_id"] or "", r"^[0-9a-f-]{36}$")
        self.assertEqual(done["error"]["code"], "StatementFailed")
        desc = EMU.data().describe_statement(Id=done["error"]["statement_id"])
        self.assertEqual(desc["Status"], "FAILED")  # the very statement that failed, in the Data API
        logs = SVC.ok("GET", "/api/v1/runs/%s/logs" % done["id"], key=A["api_key"])["items"]
        self.assertEqual(logs[-1]["level"], "error")
        # Fixed, the next run succeeds.
        EMU.psql("create or replace view svc_bad as select catid, 1 as boom from category")
        again = SVC.ok("POST", "/api/v1/syncs/%s/runs" % s["id"], key=A["api_key"])
        self.assertEqual(SVC.wait_run(A["api_key"], again["id"])["status"], "succeeded")

    def test_browse_and_test_before_saving(self):
        ca = connection(A, "browse")
        key = A["api_key"]
        base = "/api/v1/connections/" + ca["id"]
        self.assertIn("dev", [d["name"] for d in SVC.ok("GET", base + "/databases", key=key)["items"]])
        self.assertIn("public", [d["name"] for d in SVC.ok("GET", base + "/schemas", key=key)["items"]])
        self.assertIn("sales", [t["name"] for t in SVC.ok("GET", base + "/tables?schema=public", key=key)["items"]])
        cols = SVC.ok("GET", base + "/columns?schema=public&table=sales", key=key)["items"]
        self.assertEqual(cols[0]["name"], "salesid")
        status, err, _ = SVC.call("GET", base + "/columns?schema=public", key=key)
        self.assertEqual((status, err["error"]["field"]), (400, "table"))
        catalog = SVC.ok("GET", base + "/catalog", key=key)
        self.assertIn("sales", [x["name"] for x in catalog["streams"]])
        report = SVC.ok("POST", "/api/v1/connections/test", dict(CONN, name="unsaved"), key=key)
        self.assertTrue(report["ok"], report)
        self.assertNotIn("unsaved", [c["name"] for c in SVC.ok("GET", "/api/v1/connections?limit=200", key=key)["items"]])


class Crash(unittest.TestCase):
    def test_kill_9_mid_run_then_restart_resumes_without_loss(self):
        ca = connection(A, "crash")
        s = SVC.ok("POST", "/api/v1/syncs", sync_body(ca["id"], [{"stream": "public.listing"}], "crash", fmt="csv",
                                                      chunk_rows=500), key=A["api_key"])
        run = SVC.ok("POST", "/api/v1/syncs/%s/runs" % s["id"], key=A["api_key"])
        path = os.path.join(SVC.data_dir, A["id"], "crash", "public.listing.csv")
        deadline = time.time() + 60
        while not (os.path.exists(path) and os.path.getsize(path) > 200000):
            self.assertLess(time.time(), deadline)
            time.sleep(0.02)
        SVC.stop(signal.SIGKILL)
        SVC.start()
        done = SVC.wait_run(A["api_key"], run["id"], timeout=120)
        self.assertEqual(done["status"], "succeeded", done)
        self.assertEqual(done["attempt"], 2)
        with open(path) as f:
            lines = f.read().splitlines()[1:]
        ids = [int(l.split(",")[0]) for l in lines]
        self.assertEqual(sorted(set(ids)), psql_ids("select listid from listing order by 1"))
        self.assertLessEqual(len(ids) - len(set(ids)), 500)
        # Everything else survived the restart: organizations, keys, connections.
        self.assertEqual(SVC.ok("GET", "/api/v1/organization", key=A["api_key"])["id"], A["id"])


class Operations(unittest.TestCase):
    def test_health_metrics_and_the_openapi_document(self):
        SVC.ok("GET", "/api/v1/organization", key=A["api_key"])
        status, health, _ = SVC.call("GET", "/healthz")
        self.assertEqual((status, health["status"]), (200, "ok"))
        status, doc, _ = SVC.call("GET", "/api/v1/openapi.json")
        with open(os.path.join(os.path.dirname(__file__), "../../docs/openapi.json")) as f:
            self.assertEqual(doc, json.load(f))
        self.assertEqual(doc["openapi"], "3.1.0")
        status, _, raw = SVC.call("GET", "/metrics")
        text = raw.decode()
        self.assertEqual(status, 200)
        for metric in ('rsx_runs{status="succeeded"}', "rsx_rows_synced_total", "rsx_aws_requests_total",
                       'rsx_http_requests_total{method="GET",status="200"}'):
            self.assertIn(metric, text)
        self.assertNotIn(A["api_key"], text)

    def test_the_access_log_puts_no_control_character_on_the_operators_terminal(self):
        # A client chooses the request path; the access log line is JSON in ASCII, so an ESC, a
        # BEL or a C1 CSI in it arrives escaped.
        SVC.call("GET", "/api/v1/connections/%1b]0;pwned%07%C2%9B2J", key=A["api_key"])
        log = SVC.read_log()
        lines = [l for l in log.splitlines() if "pwned" in l]
        self.assertTrue(lines, log[-2000:])
        for raw in ("\x1b", "\x07", "\u009b"):
            self.assertNotIn(raw, log)
        self.assertIn("\\u001b]0;pwned\\u0007\\u009b2J", lines[-1])

    def test_connection_health_is_refreshed_without_a_test_call(self):
        c = connection(A, "health")
        self.assertEqual(c["health"]["status"], "unknown")
        deadline = time.time() + 60  # the refresher checks every connection of the module in turn
        while SVC.ok("GET", "/api/v1/connections/" + c["id"], key=A["api_key"])["health"]["status"] != "ok":
            self.assertLess(time.time(), deadline, "the health refresher never checked the connection")
            time.sleep(0.2)
        self.assertIsNotNone(SVC.ok("GET", "/api/v1/connections/" + c["id"], key=A["api_key"])["health"]["checked_at"])

    def test_tls_admin_token_file_and_no_clear_text_off_loopback(self):
        import ssl
        import subprocess
        import tempfile
        from service_fixture import RSX
        with tempfile.TemporaryDirectory() as d:
            cert, key, token_file = (os.path.join(d, n) for n in ("cert.pem", "key.pem", "token"))
            subprocess.run(["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", key, "-out", cert,
                            "-days", "1", "-subj", "/CN=localhost", "-addext", "subjectAltName=IP:127.0.0.1"],
                           check=True, capture_output=True)
            with open(token_file, "w") as f:
                f.write("file-admin-token-0123456789\n")
            env = {k: v for k, v in os.environ.items() if k != "RSX_ADMIN_TOKEN"}
            env.update(RSX_HOME=d, AWS_ENDPOINT_URL=SVC.aws_url, AWS_REGION="us-east-1")
            # Off loopback without TLS: refused before listening, naming the flags.
            p = subprocess.run([RSX, "serve", "--listen", "0.0.0.0:0", "--store", "sqlite:" + os.path.join(d, "x.db"),
                                "--data-dir", d, "--admin-token-file", token_file], capture_output=True, text=True,
                               env=env, timeout=30)
            self.assertEqual(p.returncode, 2, p.stderr)
            self.assertIn("--tls-cert", p.stderr)
            svc = Service(SVC.aws_url, args=["--tls-cert", cert, "--tls-key", key, "--admin-token-file", token_file])
            try:
                import urllib.request
                ctx = ssl.create_default_context(cafile=cert)
                url = svc.url.replace("http://", "https://")
                with urllib.request.urlopen(url + "/healthz", context=ctx, timeout=10) as r:
                    self.assertEqual(r.status, 200)
                req = urllib.request.Request(url + "/api/v1/organizations", method="POST",
                                             data=json.dumps({"name": "tls"}).encode(),
                                             headers={"Authorization": "Bearer file-admin-token-0123456789"})
                with urllib.request.urlopen(req, context=ctx, timeout=10) as r:
                    self.assertEqual(r.status, 201)  # the token from the file, not RSX_ADMIN_TOKEN
                req = urllib.request.Request(url + "/api/v1/organizations", method="POST",
                                             data=json.dumps({"name": "tls"}).encode(),
                                             headers={"Authorization": "Bearer " + ADMIN_TOKEN})
                with self.assertRaises(urllib.error.HTTPError) as e:
                    urllib.request.urlopen(req, context=ctx, timeout=10)
                self.assertEqual(e.exception.code, 401)
                with self.assertRaises(Exception):  # plain HTTP to the TLS port gets no answer
                    urllib.request.urlopen(svc.url + "/healthz", timeout=5).read()
                self.assertNotIn("file-admin-token", svc.read_log())
            finally:
                svc.stop()
                svc.cleanup()

    def test_lists_are_paginated(self):
        org = SVC.create_org("pages")
        made = [SVC.ok("POST", "/api/v1/connections", dict(CONN, name="p%d" % i), key=org["api_key"])["id"]
                for i in range(5)]
        seen, after, pages = [], "", 0
        while True:
            page = SVC.ok("GET", "/api/v1/connections?limit=2" + ("&after=" + after if after else ""), key=org["api_key"])
            self.assertLessEqual(len(page["items"]), 2)
            seen += [c["id"] for c in page["items"]]
            pages += 1
            if page["next"] is None:
                break
            after = page["next"]
        self.assertEqual((seen, pages), (made, 3))

    def test_rate_limit_answers_429_per_organization(self):
        svc = Service(SVC.aws_url, args=["--rate-limit", "5"])  # bursts of 10
        try:
            org, other = svc.create_org("busy"), svc.create_org("calm")
            statuses = [svc.call("GET", "/api/v1/organization", key=org["api_key"])[0] for _ in range(30)]
            self.assertEqual(statuses[:10], [200] * 10)
            self.assertIn(429, statuses)
            status, err, _ = svc.call("GET", "/api/v1/organization", key=org["api_key"])
            self.assertEqual((status, err["error"]["code"]), (429, "rate_limited"))
            self.assertEqual(svc.call("GET", "/api/v1/organization", key=other["api_key"])[0], 200)  # per organization
            time.sleep(1.2)
            self.assertEqual(svc.call("GET", "/api/v1/organization", key=org["api_key"])[0], 200)
        finally:
            svc.stop()
            print(check_openapi(svc.records))
            svc.cleanup()

    def test_sigterm_stops_within_10s_and_the_run_resumes_at_the_next_start(self):
        EMU.psql("create or replace view svc_slow2 as select listid, pg_sleep(0.0005)::text as s from listing "
                 "where listid <= 9000")
        ca = connection(A, "term")
        s = SVC.ok("POST", "/api/v1/syncs", sync_body(ca["id"], [{"stream": "public.svc_slow2", "primary_key": ["listid"]}],
                                                      "term", chunk_rows=3000), key=A["api_key"])
        run = SVC.ok("POST", "/api/v1/syncs/%s/runs" % s["id"], key=A["api_key"])
        deadline = time.time() + 60
        while SVC.ok("GET", "/api/v1/runs/" + run["id"], key=A["api_key"])["streams"][:1] == [] or \
                SVC.ok("GET", "/api/v1/runs/" + run["id"], key=A["api_key"])["streams"][0]["rows"] < 3000:
            self.assertLess(time.time(), deadline)
            time.sleep(0.05)
        t0 = time.time()
        SVC.stop(signal.SIGTERM)
        self.assertLess(time.time() - t0, 10.0)
        self.assertEqual(SVC.proc.returncode, 0, "\n".join(l for l in SVC.read_log().splitlines()
                                                            if not l.startswith('{"time"'))[-3000:])
        self.assertIn("stopping", SVC.read_log())
        SVC.start()
        done = SVC.wait_run(A["api_key"], run["id"], timeout=120)
        self.assertEqual(done["status"], "succeeded", done)
        ids = [r["listid"] for r in jsonl_rows(os.path.join(SVC.data_dir, A["id"], "term", "public.svc_slow2.jsonl"))]
        self.assertEqual(sorted(set(ids)), psql_ids("select listid from listing where listid <= 9000 order by 1"))
        self.assertLessEqual(len(ids) - len(set(ids)), 3000)
        logs = [l["message"] for l in SVC.ok("GET", "/api/v1/runs/%s/logs?limit=200" % run["id"], key=A["api_key"])["items"]]
        self.assertTrue(any("back to the queue" in m for m in logs), logs)


class BadInput(unittest.TestCase):
    def test_clear_4xx_naming_the_field_and_the_service_keeps_serving(self):
        ca = connection(A, "bad")
        good = sync_body(ca["id"], [{"stream": "public.category"}], "bad")
        key = A["api_key"]

        def bad(method, path, body=None, raw=None, status=None, field=None, code=None):
            st, err, payload = SVC.call(method, path, body, key=key, raw=raw)
            if status:
                self.assertEqual(st, status, payload[:300])
            else:
                self.assertTrue(400 <= st < 500, payload[:300])
            self.assertIn("error", err, payload[:300])
            if field is not None:
                self.assertEqual(err["error"]["field"], field, payload[:300])
            if code:
                self.assertEqual(err["error"]["code"], code)
            self.assertTrue(err["error"]["message"])

        bad("POST", "/api/v1/syncs", raw=b"{not json", status=400, code="invalid_json")
        bad("POST", "/api/v1/syncs", raw=b"[1,2]", status=400)
        bad("POST", "/api/v1/syncs", raw=b"\xff\xfe", status=400)
        bad("POST", "/api/v1/syncs", dict(good, colour="red"), status=400, field="colour", code="unknown_field")
        bad("POST", "/api/v1/syncs", dict(good, streams="public.category"), status=400, field="streams")
        bad("POST", "/api/v1/syncs", dict(good, streams=[{"stream": 5}]), status=400, field="streams[0].stream")
        bad("POST", "/api/v1/syncs", dict(good, chunk_rows="10"), status=400, field="chunk_rows")
        bad("POST", "/api/v1/syncs", dict(good, chunk_rows=0), status=422, field="chunk_rows")
        bad("POST", "/api/v1/syncs", raw=b'{"name": "' + b"x" * (10 << 20) + b'"}', status=413)
        for cron in ("61 * * * *", "* 24 * * *", "* * 0 * *", "* * * 13 *", "* * * * 8", "* * *", "*/0 * * * *"):
            bad("POST", "/api/v1/syncs", dict(good, schedule={"type": "cron", "cron": cron}), status=422,
                field="schedule.cron")
        bad("POST", "/api/v1/syncs", dict(good, schedule={"type": "interval", "every_seconds": 0}), status=422)
        bad("POST", "/api/v1/syncs", dict(good, schedule={"type": "hourly"}), status=422, field="schedule.type")
        for path in ("../escape", "a/../../b", "/etc", "a//b", "a/./b", "sp ace", "a\\b", "x" * 300):
            bad("POST", "/api/v1/syncs", dict(good, destination={"format": "jsonl", "path": path}), status=422,
                field="destination.path")
        bad("POST", "/api/v1/syncs", dict(good, destination={"format": "parquet", "path": "p"}), status=422,
            field="destination.format")
        bad("POST", "/api/v1/syncs", dict(good, streams=[{"stream": "public.no_such_table"}]), status=422,
            field="streams[0].stream", code="unknown_stream")
        bad("POST", "/api/v1/syncs", dict(good, streams=[{"stream": "public.sales"}, {"stream": "nope.t"}]),
            status=422, field="streams[1].stream", code="unknown_stream")
        bad("POST", "/api/v1/syncs", dict(good, streams=[{"stream": "public.sales", "mode": "incremental"}]),
            status=422, field="streams[0].cursor")
        bad("POST", "/api/v1/syncs", dict(good, enabled="yes"), status=400, field="enabled")
        bad("POST", "/api/v1/schedules/preview", {}, status=400, field="schedule")
        bad("POST", "/api/v1/schedules/preview", {"schedule": {"type": "cron", "cron": "* * * 13 *"}}, status=422,
            field="schedule.cron")
        preview = SVC.ok("POST", "/api/v1/schedules/preview", {"schedule": {"type": "cron", "cron": "0 3 * * MON"}},
                         key=A["api_key"])
        self.assertEqual(len(preview["next"]), 5)
        self.assertTrue(all(t.endswith("T03:00:00.000Z") for t in preview["next"]), preview)
        gaps = {iso_ms(b) - iso_ms(a) for a, b in zip(preview["next"], preview["next"][1:])}
        self.assertEqual(gaps, {7 * 86400 * 1000})
        conn_path = "/api/v1/connections/%s/queries" % good["connection_id"]
        bad("POST", conn_path, {}, status=400, field="sql")
        bad("POST", conn_path, {"sql": "select 1", "limit": 0}, status=422, field="limit")
        bad("POST", conn_path, {"sql": "update sales set qtysold = 0"}, status=422, field="sql", code="not_read_only")
        bad("POST", conn_path, {"sql": "select 1; drop table sales"}, status=422, field="sql", code="not_read_only")
        bad("POST", conn_path, {"sql": "select 1", "extra": 1}, status=400, field="extra")
        bad("POST", "/api/v1/syncs", dict(good, connection_id="conn_nope"), status=404, field="connection_id")
        bad("POST", "/api/v1/connections", dict(CONN, name="r", role_arn="not-an-arn"), status=422, field="role_arn")
        bad("POST", "/api/v1/connections", dict(CONN, name="r", region="mars"), status=422, field="region")
        bad("POST", "/api/v1/connections", dict(CONN, name="bad"), status=409)  # the name is taken
        bad("POST", "/api/v1/connections", dict(CONN, name="m", max_concurrent_statements=1000), status=422,
            field="max_concurrent_statements")
        bad("GET", "/api/v1/connections?limit=0", status=400, field="limit")
        bad("GET", "/api/v1/nothing", status=404)
        bad("PUT", "/api/v1/connections", {"x": 1}, status=405)
        self.assertEqual(SVC.call("GET", "/healthz")[0], 200)
        self.assertEqual(SVC.proc.poll(), None)
        # Nothing escaped the organization's folder.
        self.assertEqual([p for p in os.listdir(SVC.data_dir) if p not in (A["id"], B["id"])], [])

    def test_idempotency_key_replays_the_first_answer(self):
        body = dict(CONN, name="idem")
        h = {"Idempotency-Key": "k-1"}
        s1, j1, _ = SVC.call("POST", "/api/v1/connections", body, key=A["api_key"], headers=h)
        s2, j2, _ = SVC.call("POST", "/api/v1/connections", body, key=A["api_key"], headers=h)
        self.assertEqual((s1, s2), (201, 201))
        self.assertEqual(j1["id"], j2["id"])
        names = [c["name"] for c in SVC.ok("GET", "/api/v1/connections?limit=200", key=A["api_key"])["items"]]
        self.assertEqual(names.count("idem"), 1)
        s3, j3, _ = SVC.call("POST", "/api/v1/connections", dict(body, name="idem2"), key=A["api_key"], headers=h)
        self.assertEqual(s3, 422)
        self.assertEqual(j3["error"]["code"], "idempotency_key_reused")
        # Keys are per organization: B's same key is B's own request.
        s4, j4, _ = SVC.call("POST", "/api/v1/connections", body, key=B["api_key"], headers=h)
        self.assertEqual(s4, 201)
        self.assertNotEqual(j4["id"], j1["id"])


if __name__ == "__main__":
    unittest.main()
