"""The web console of rsx serve, in Debian's chromium driven by puppeteer-core
(tests/node/console-e2e.mjs): sign in, create a connection and read its external ID and trust
policy off the page (checked here against the API), test it (nine granted), browse to sales,
an incremental sync every minute run to succeeded with every row, a long run cancelled, a role
without ListTables shown refused with AWS's message, hostile table and column names shown as
text, axe-core on every page at desktop and phone width, and screenshots of each page."""
import json
import os
import shutil
import subprocess
import unittest
import urllib.request

from emulator_fixture import Emulator
from service_fixture import Service, check_openapi, free_port

ROOT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "../..")
NODE = os.path.join(ROOT, "tests/node")
CHROMIUM = os.environ.get("CHROMIUM", "/usr/bin/chromium")
SHOTS = os.environ.get("RSX_SCREENSHOTS", os.path.join(ROOT, "build/console-screenshots"))
FULL = "arn:aws:iam::222222222222:role/rsx-reader"
LIMITED = "arn:aws:iam::222222222222:role/rsx-no-list-tables"
XSS_TABLE = "<img src=x onerror=alert(1)>"
XSS_COLUMN = '"; drop table x; --'
ACTIONS = ["redshift-data:CancelStatement", "redshift-data:DescribeStatement", "redshift-data:DescribeTable",
           "redshift-data:ExecuteStatement", "redshift-data:GetStatementResult", "redshift-data:ListDatabases",
           "redshift-data:ListSchemas", "redshift-data:ListTables", "redshift-serverless:GetCredentials"]


def quote_ident(name):
    return '"' + name.replace('"', '""') + '"'


class Console(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        for need, how in ((CHROMIUM, "apt-get install chromium (scripts/setup does)"),
                          (os.path.join(NODE, "node_modules/puppeteer-core"), "npm ci in tests/node (scripts/setup does)")):
            if not os.path.exists(need):
                raise AssertionError("%s is missing: %s" % (need, how))
        port = free_port()
        cls.svc = Service("http://127.0.0.1:%d" % port, args=["--health-interval", "0"])  # no background AWS calls
        cls.org = cls.svc.create_org("console")
        roles = [{"arn": arn, "trusted_accounts": ["111111111111"], "external_id": cls.org["external_id"],
                  "actions": [a for a in ACTIONS + ["redshift-data:ListStatements"] if a not in skip]}
                 for arn, skip in ((FULL, []), (LIMITED, ["redshift-data:ListTables"]))]
        cls.emu = Emulator(args=["--listen", "127.0.0.1:%d" % port], config={
            "users": [{"arn": "arn:aws:iam::111111111111:user/operator", "access_key_id": "AKIAEMULATOROPERATOR",
                       "secret_access_key": "emulator/operator/secret/key/not+for+aws",
                       "actions": ["sts:AssumeRole", "sts:GetCallerIdentity"]}],
            "roles": roles,
            "workgroups": [{"name": "default", "account": "222222222222", "databases": ["dev"]}]})
        cls.emu.psql("create table public.%s (%s int primary key, note text)" % (quote_ident(XSS_TABLE), quote_ident(XSS_COLUMN)))
        cls.emu.psql("insert into public.%s values (1, '<script>alert(2)</script>')" % quote_ident(XSS_TABLE))
        cls.emu.psql("create view public.slow_rows as select catid, catname, pg_sleep(3)::text as s from category")

    @classmethod
    def tearDownClass(cls):
        cls.svc.stop()
        cls.emu.stop()
        print(check_openapi(cls.svc.records))
        cls.svc.cleanup()

    def test_the_customer_path_in_a_browser(self):
        shutil.rmtree(SHOTS, ignore_errors=True)
        sales = int(self.emu.psql("select count(*) from sales")[0][0])
        env = dict(os.environ, RSX_CONSOLE_URL=self.svc.url, RSX_API_KEY=self.org["api_key"], RSX_SCREENSHOTS=SHOTS,
                   RSX_ROLE_FULL=FULL, RSX_ROLE_LIMITED=LIMITED, RSX_SALES_ROWS=str(sales),
                   RSX_XSS_TABLE=XSS_TABLE, RSX_XSS_COLUMN=XSS_COLUMN, RSX_SLOW_VIEW="public.slow_rows",
                   CHROMIUM=CHROMIUM, RSX_RECORDS=self.svc.records)
        p = subprocess.run(["node", os.path.join(NODE, "console-e2e.mjs")], capture_output=True, text=True,
                           env=env, timeout=600)
        if p.returncode != 0:
            self.fail("the browser test failed:\n%s\n%s\nservice log:\n%s\nemulator log:\n%s" % (
                p.stdout[-4000:], p.stderr[-6000:], self.svc.read_log()[-3000:], self.emu.read_log()[-3000:]))
        seen = json.loads(p.stdout.strip().splitlines()[-1])
        key = self.org["api_key"]

        # Served with a strict policy; nothing but this origin was fetched; no script ran.
        self.assertIn("script-src 'self'", seen["csp"])
        self.assertIn("frame-ancestors 'none'", seen["csp"])
        self.assertNotIn("unsafe-inline", seen["csp"])
        self.assertEqual(seen["nosniff"], "nosniff")
        self.assertEqual(seen["foreign_requests"], [])
        self.assertEqual(seen["dialogs"], [])
        self.assertEqual(seen["console_errors"], [])
        self.assertTrue(seen["xss_table_shown"] and seen["xss_column_shown"])
        self.assertEqual(seen["img_elements"], 0)

        # Sign-in and field errors next to their fields.
        self.assertIn("not valid", seen["wrong_key_error"])
        self.assertIn("role_arn", seen["role_arn_error"])
        self.assertIn("destination.path", seen["path_error"])
        self.assertIn("cron", seen["cron_error"])
        self.assertIn("DELETE", seen["sql_error"])
        self.assertIsNone(seen["key_after_signout"])

        # The external ID and both policies on the page are the API's.
        conn = self.svc.ok("GET", "/api/v1/connections/" + seen["connection_id"], key=key)
        self.assertEqual(seen["page_external_id"], self.org["external_id"])
        self.assertEqual(seen["page_external_id"], conn["external_id"])
        self.assertEqual(seen["page_trust_policy"], conn["trust_policy"])
        self.assertEqual(seen["page_permissions_policy"], conn["permissions_policy"])
        self.assertEqual(seen["page_database_grants"], conn["database_grants"]["sql"])
        self.assertIn('TO "IAMR:rsx-reader";', seen["page_database_grants"])
        self.assertEqual(seen["database_heading"], "Inside the database, as IAMR:rsx-reader")
        cond = json.dumps(seen["page_trust_policy"])
        self.assertIn(self.org["external_id"], cond)
        self.assertEqual(sorted(seen["granted"]), sorted(ACTIONS))
        self.assertEqual(seen["refused"], [])

        # Browse: sales with its types, key and estimate; the query box counted it.
        cols = {r[0]: r for r in seen["sales_columns"]}
        self.assertIn("timestamp", cols["saletime"][1])
        self.assertEqual(cols["salesid"][3], "yes")
        self.assertEqual(cols["saletime"][4], "yes")
        self.assertEqual(seen["sales_table_row"][3], "salesid")
        self.assertEqual(seen["query_count"], [str(sales)])
        self.assertTrue(seen["query_cancelled"])

        # The schedule preview: five quarter hours; five minutes a minute apart.
        self.assertEqual(len(seen["cron_preview"]), 5)
        for t in seen["cron_preview"]:
            self.assertRegex(t, r"^\d{4}-\d\d-\d\d \d\d:(00|15|30|45):00 UTC$")
        self.assertEqual(len(seen["interval_preview"]), 5)

        # The sync as created in the form, and its run: every row of sales, equal to psql.
        sync = self.svc.ok("GET", "/api/v1/syncs/" + seen["sync_id"], key=key)
        self.assertEqual(sync["streams"], [{"stream": "public.sales", "mode": "incremental", "cursor": "saletime",
                                            "primary_key": []}])
        self.assertEqual(sync["schedule"], {"type": "interval", "every_minutes": 1})
        self.assertTrue(sync["enabled"])
        self.assertFalse(seen["disabled_sync"]["enabled"])
        self.assertIsNone(seen["disabled_sync"]["next_run_at"])
        run = self.svc.ok("GET", "/api/v1/runs/" + seen["run_id"], key=key)
        self.assertEqual(run["status"], "succeeded")
        self.assertEqual(run["streams"][0]["rows"], sales)
        self.assertEqual(seen["run_rows"].replace(",", ""), str(sales))
        out = os.path.join(self.svc.data_dir, self.org["id"], "warehouse/sales/public.sales.jsonl")
        with open(out) as f:
            self.assertEqual(sum(1 for _ in f), sales)

        # The long run was watched live, then cancelled in Redshift.
        self.assertRegex(seen["live_statement"], r"^[0-9a-f-]{36}$")
        self.assertIn("MB/s", seen["live_speed"])
        slow = self.svc.ok("GET", "/api/v1/runs/" + seen["slow_run_id"], key=key)
        self.assertEqual(slow["status"], "cancelled")
        aborted = self.emu.data().list_statements(Status="ABORTED")["Statements"]
        self.assertTrue(any("slow_rows" in s.get("QueryString", "") for s in aborted))

        # The role without ListTables: exactly that permission refused, in AWS's words.
        self.assertEqual([r["action"] for r in seen["limited"]], ["redshift-data:ListTables"])
        self.assertIn("AccessDenied", seen["limited"][0]["message"] + seen["limited"][0]["result"])
        self.assertIn("redshift-data:ListTables", seen["limited"][0]["message"])
        self.assertEqual(seen["limited_granted"], 8)

        # axe on every page, at both widths; a screenshot of each.
        for name, result in seen["axe"].items():
            self.assertEqual(result["serious_or_critical"], [], name)
        pages = ["signin", "connections", "connection-new", "connection", "browse", "syncs", "sync", "sync-new", "run",
                 "run-cancelled"]
        for name in pages:
            for kind in ("desktop", "phone"):
                self.assertTrue(os.path.getsize(os.path.join(SHOTS, "%s-%s.png" % (name, kind))) > 5000, (name, kind))
        self.assertGreater(seen["api_answers_recorded"], 50)  # validated against the OpenAPI document at teardown
        # Browsing and query polls reuse the assumed role (5 minutes per connection version): no
        # AssumeRole per request; an edited connection is opened anew.
        def calls():
            with urllib.request.urlopen(self.emu.url + "/_emulator/stats", timeout=10) as r:
                return json.loads(r.read())["calls"]
        path = "/api/v1/connections/%s/databases" % seen["connection_id"]
        self.svc.ok("GET", path, key=key)
        before = calls()
        for _ in range(5):
            self.svc.ok("GET", path, key=key)
        after = calls()
        self.assertEqual(after.get("AssumeRole", 0) - before.get("AssumeRole", 0), 0, (before, after))
        self.assertEqual(after["ListDatabases"] - before["ListDatabases"], 5)
        self.svc.ok("PATCH", "/api/v1/connections/" + seen["connection_id"], {"name": "warehouse2"}, key=key)
        self.svc.ok("GET", path, key=key)
        self.assertEqual(calls().get("AssumeRole", 0) - after.get("AssumeRole", 0), 1)
        print("console: %d pages audited by axe (%d violations below serious), %d screenshots in %s" % (
            len(seen["axe"]), sum(r["violations"] for r in seen["axe"].values()), len(seen["screenshots"]), SHOTS))


if __name__ == "__main__":
    unittest.main()
