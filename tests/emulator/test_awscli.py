"""The AWS CLI (`aws`, on this machine) against rsx-emulator: sts assume-role and the
redshift-data commands rsx relies on, including automatic pagination over >= 10 pages."""
import json
import os
import subprocess
import time
import unittest
import urllib.request

from emulator_fixture import Emulator

EMU = None
ROLE_ENV = None


def setUpModule():
    global EMU, ROLE_ENV
    EMU = Emulator(config={
        "users": [{"arn": "arn:aws:iam::111111111111:user/operator", "access_key_id": "AKIAEMULATOROPERATOR",
                   "secret_access_key": "emulator/operator/secret/key/not+for+aws", "actions": ["sts:*"]}],
        "roles": [{"arn": "arn:aws:iam::222222222222:role/rsx-reader", "trusted_accounts": ["111111111111"],
                   "external_id": "cli-external-id", "actions": ["redshift-data:*", "redshift-serverless:*"]}],
        "workgroups": [{"name": "default", "account": "222222222222", "databases": ["dev"]}],
        "limits": {"page_bytes": 2048},
    })
    creds = aws(EMU_BASE_ENV(), "sts", "assume-role", "--role-arn", "arn:aws:iam::222222222222:role/rsx-reader",
                "--role-session-name", "cli-test", "--external-id", "cli-external-id")["Credentials"]
    ROLE_ENV = dict(EMU_BASE_ENV(), AWS_ACCESS_KEY_ID=creds["AccessKeyId"],
                    AWS_SECRET_ACCESS_KEY=creds["SecretAccessKey"], AWS_SESSION_TOKEN=creds["SessionToken"])


def tearDownModule():
    EMU.stop()


def EMU_BASE_ENV():
    env = {k: v for k, v in os.environ.items() if not k.startswith("AWS_")}
    env.update(AWS_ACCESS_KEY_ID=EMU.env["AWS_ACCESS_KEY_ID"], AWS_SECRET_ACCESS_KEY=EMU.env["AWS_SECRET_ACCESS_KEY"],
               AWS_DEFAULT_REGION=EMU.region, AWS_EC2_METADATA_DISABLED="true", AWS_CONFIG_FILE="/dev/null",
               AWS_SHARED_CREDENTIALS_FILE="/dev/null")
    return env


def aws(env, *args, check=True):
    p = subprocess.run(["aws", "--endpoint-url", EMU.url, "--output", "json"] + list(args),
                       capture_output=True, text=True, env=env)
    if check and p.returncode != 0:
        raise AssertionError("aws %s failed: %s" % (" ".join(args), p.stderr))
    return json.loads(p.stdout) if p.returncode == 0 and p.stdout.strip() else p


def calls():
    with urllib.request.urlopen(EMU.url + "/_emulator/stats") as r:
        return json.load(r)["calls"]


def execute(sql, *extra):
    sid = aws(ROLE_ENV, "redshift-data", "execute-statement", "--workgroup-name", "default",
              "--database", "dev", "--sql", sql, *extra)["Id"]
    for _ in range(500):
        d = aws(ROLE_ENV, "redshift-data", "describe-statement", "--id", sid)
        if d["Status"] in ("FINISHED", "FAILED", "ABORTED"):
            return sid, d
        time.sleep(0.05)
    raise AssertionError("statement did not finish")


class AwsCli(unittest.TestCase):
    def test_sts_assume_role_wrong_external_id(self):
        p = aws(EMU_BASE_ENV(), "sts", "assume-role", "--role-arn", "arn:aws:iam::222222222222:role/rsx-reader",
                "--role-session-name", "cli-test", "--external-id", "wrong", check=False)
        self.assertNotEqual(p.returncode, 0)
        self.assertIn("AccessDenied", p.stderr)

    def test_get_statement_result_paginates_over_ten_pages(self):
        sql = "select listid, priceperticket, listtime from listing order by listid limit 2000"
        sid, d = execute(sql)
        self.assertEqual(d["Status"], "FINISHED", d)
        before = calls().get("GetStatementResult", 0)
        result = aws(ROLE_ENV, "redshift-data", "get-statement-result", "--id", sid)
        pages = calls()["GetStatementResult"] - before
        self.assertGreaterEqual(pages, 10)
        self.assertNotIn("NextToken", result)
        rows = [[r[0]["longValue"], r[1]["stringValue"], r[2]["stringValue"]] for r in result["Records"]]
        self.assertEqual(rows, [[int(a), b, c] for a, b, c in EMU.psql(sql)])

    def test_catalog_commands(self):
        self.assertEqual(aws(ROLE_ENV, "redshift-data", "list-databases", "--workgroup-name", "default",
                             "--database", "dev")["Databases"], ["dev"])
        self.assertIn("public", aws(ROLE_ENV, "redshift-data", "list-schemas", "--workgroup-name", "default",
                                    "--database", "dev")["Schemas"])
        tables = aws(ROLE_ENV, "redshift-data", "list-tables", "--workgroup-name", "default", "--database", "dev",
                     "--schema-pattern", "public", "--page-size", "3")["Tables"]
        self.assertEqual(sorted(t["name"] for t in tables),
                         ["all_types", "category", "date", "event", "listing", "sales", "users", "venue"])
        cols = aws(ROLE_ENV, "redshift-data", "describe-table", "--workgroup-name", "default", "--database", "dev",
                   "--schema", "public", "--table", "venue")["ColumnList"]
        self.assertEqual([c["name"] for c in cols], ["venueid", "venuename", "venuecity", "venuestate", "venueseats"])
        self.assertEqual(cols[0]["typeName"], "int2")

    def test_cancel_statement(self):
        sid = aws(ROLE_ENV, "redshift-data", "execute-statement", "--workgroup-name", "default",
                  "--database", "dev", "--sql", "select pg_sleep(30)")["Id"]
        for _ in range(200):
            if aws(ROLE_ENV, "redshift-data", "describe-statement", "--id", sid)["Status"] == "STARTED":
                break
            time.sleep(0.02)
        self.assertTrue(aws(ROLE_ENV, "redshift-data", "cancel-statement", "--id", sid)["Status"])
        for _ in range(100):
            status = aws(ROLE_ENV, "redshift-data", "describe-statement", "--id", sid)["Status"]
            if status == "ABORTED":
                break
            time.sleep(0.02)
        self.assertEqual(status, "ABORTED")


if __name__ == "__main__":
    unittest.main()
