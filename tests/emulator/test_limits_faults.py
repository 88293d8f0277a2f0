"""Each limit and each injected fault of rsx-emulator produces the AWS-shaped error that boto3
recognises."""
import json
import threading
import time
import unittest
import urllib.request

import botocore.config
import botocore.exceptions

from emulator_fixture import Emulator, NO_RETRY, wait

EMU = None


def setUpModule():
    global EMU
    EMU = Emulator(sample=False, config={
        "users": [{"arn": "arn:aws:iam::111111111111:user/operator", "access_key_id": "AKIAEMULATOROPERATOR",
                   "secret_access_key": "emulator/operator/secret/key/not+for+aws", "actions": ["sts:*"]}],
        "roles": [{"arn": "arn:aws:iam::222222222222:role/rsx-reader", "trusted_accounts": ["111111111111"],
                   "external_id": "rsx-emulator-external-id", "actions": ["redshift-data:*", "redshift-serverless:*"]}],
        "workgroups": [{"name": "default", "account": "222222222222", "databases": ["dev"]}],
        "limits": {"result_bytes": 100000, "row_bytes": 1000, "active_statements": 3,
                   "result_retention_seconds": 3, "credentials_seconds": 3,
                   "rates": {"ListDatabases": 2}},
        "faults": [{"operation": "ListTables", "nth": 1, "error": "ThrottlingException", "status": 400,
                    "message": "Rate exceeded"}],
    })


def tearDownModule():
    EMU.stop()


def control(path, body=None, method="POST"):
    req = urllib.request.Request(EMU.url + path, method=method,
                                 data=json.dumps(body).encode() if body is not None else None)
    with urllib.request.urlopen(req) as r:
        return json.load(r)


def long_lived():
    return EMU.assume(duration=3600)


class Limits(unittest.TestCase):
    def setUp(self):
        self.data = EMU.data(config=NO_RETRY, creds=long_lived())

    def run_sql(self, sql):
        r = self.data.execute_statement(WorkgroupName="default", Database="dev", Sql=sql)
        return r["Id"], wait(self.data, r["Id"])

    def test_result_size_cap(self):
        _, d = self.run_sql("select repeat('x', 500) from generate_series(1, 1000)")
        self.assertEqual(d["Status"], "FAILED")
        self.assertIn("Database response exceeded size limit", d["Error"])

    def test_row_size_cap(self):
        _, d = self.run_sql("select repeat('y', 5000)")
        self.assertEqual(d["Status"], "FAILED")
        self.assertIn("row size", d["Error"])

    def test_active_statements(self):
        ids = [self.data.execute_statement(WorkgroupName="default", Database="dev",
                                           Sql="select pg_sleep(30)")["Id"] for _ in range(3)]
        try:
            with self.assertRaises(self.data.exceptions.ActiveStatementsExceededException):
                self.data.execute_statement(WorkgroupName="default", Database="dev", Sql="select 1")
        finally:
            for i in ids:
                self.data.cancel_statement(Id=i)
            for i in ids:
                wait(self.data, i)

    def test_request_rate_throttling(self):
        codes = []
        for _ in range(6):
            try:
                self.data.list_databases(WorkgroupName="default", Database="dev")
                codes.append("ok")
            except botocore.exceptions.ClientError as e:
                codes.append(e.response["Error"]["Code"])
        self.assertIn("ThrottlingException", codes)
        self.assertEqual(codes[0], "ok")

    def test_result_retention(self):
        sid, d = self.run_sql("select 1")
        self.data.get_statement_result(Id=sid)
        time.sleep(3.5)
        with self.assertRaises(self.data.exceptions.ResourceNotFoundException):
            self.data.get_statement_result(Id=sid)

    def test_sql_size(self):
        with self.assertRaises(self.data.exceptions.ValidationException) as cm:
            self.data.execute_statement(WorkgroupName="default", Database="dev", Sql="select 1 --" + "x" * 200000)
        self.assertIn("larger than 100kB", str(cm.exception))

    def test_expired_session_token(self):
        c = EMU.assume()  # the configured 3 s lifetime
        short = EMU.data(config=NO_RETRY, creds=c)
        short.list_schemas(WorkgroupName="default", Database="dev")
        time.sleep(3.5)
        with self.assertRaises(botocore.exceptions.ClientError) as cm:
            short.list_schemas(WorkgroupName="default", Database="dev")
        self.assertEqual(cm.exception.response["Error"]["Code"], "ExpiredTokenException")


class Faults(unittest.TestCase):
    def setUp(self):
        self.data = EMU.data(config=NO_RETRY, creds=long_lived())

    def test_fault_from_config_file(self):
        # faults[0] of the config: the first ListTables call is throttled, the next succeeds.
        with self.assertRaises(botocore.exceptions.ClientError) as cm:
            self.data.list_tables(WorkgroupName="default", Database="dev")
        self.assertEqual(cm.exception.response["Error"]["Code"], "ThrottlingException")
        self.data.list_tables(WorkgroupName="default", Database="dev")

    def test_injected_error_at_run_time(self):
        control("/_emulator/faults", {"operation": "ListSchemas", "error": "InternalServerException",
                                      "status": 500, "message": "injected"})
        with self.assertRaises(self.data.exceptions.InternalServerException) as cm:
            self.data.list_schemas(WorkgroupName="default", Database="dev")
        self.assertEqual(cm.exception.response["ResponseMetadata"]["HTTPStatusCode"], 500)
        self.data.list_schemas(WorkgroupName="default", Database="dev")  # only once

    def test_nth_call_and_count(self):
        control("/_emulator/faults", {"operation": "ListDatabases", "nth": 2, "count": 1,
                                      "error": "ServiceUnavailable", "status": 503})
        time.sleep(1.1)  # let the rate limit refill
        self.data.list_databases(WorkgroupName="default", Database="dev")
        with self.assertRaises(botocore.exceptions.ClientError) as cm:
            self.data.list_databases(WorkgroupName="default", Database="dev")
        self.assertEqual(cm.exception.response["Error"]["Code"], "ServiceUnavailable")

    def test_connection_reset_mid_response(self):
        sid = self.data.execute_statement(WorkgroupName="default", Database="dev", Sql="select 1")["Id"]
        wait(self.data, sid)
        control("/_emulator/faults", {"operation": "GetStatementResult", "action": "reset"})
        with self.assertRaises((botocore.exceptions.ConnectionClosedError, botocore.exceptions.ReadTimeoutError,
                                botocore.exceptions.ResponseStreamingError, botocore.exceptions.EndpointConnectionError,
                                botocore.exceptions.HTTPClientError)):
            self.data.get_statement_result(Id=sid)
        self.assertEqual(self.data.get_statement_result(Id=sid)["Records"][0][0]["longValue"], 1)

    def test_delay(self):
        control("/_emulator/faults", {"operation": "DescribeStatement", "action": "delay", "delay_ms": 400})
        sid = self.data.execute_statement(WorkgroupName="default", Database="dev", Sql="select 1")["Id"]
        t0 = time.time()
        self.data.describe_statement(Id=sid)
        self.assertGreaterEqual(time.time() - t0, 0.4)

    def test_statement_fails_or_stalls(self):
        control("/_emulator/faults", {"operation": "ExecuteStatement", "action": "fail_statement",
                                      "message": "ERROR: injected failure"})
        sid = self.data.execute_statement(WorkgroupName="default", Database="dev", Sql="select 1")["Id"]
        d = wait(self.data, sid)
        self.assertEqual((d["Status"], d["Error"]), ("FAILED", "ERROR: injected failure"))
        control("/_emulator/faults", {"operation": "ExecuteStatement", "action": "stall_statement"})
        sid = self.data.execute_statement(WorkgroupName="default", Database="dev", Sql="select 1")["Id"]
        time.sleep(0.5)
        self.assertEqual(self.data.describe_statement(Id=sid)["Status"], "STARTED")
        self.data.cancel_statement(Id=sid)
        self.assertEqual(wait(self.data, sid)["Status"], "ABORTED")

    def test_cancel_before_start_leaves_the_emulator_answering(self):
        # A statement cancelled between PICKED and STARTED (a cold workgroup's first login is
        # that slow) ends ABORTED, and the statements submitted while it unwinds all run. The
        # unwind once held the statement's lock while taking the engine's, which submits take
        # the other way round: the emulator hung, and with it a connection test of rsx serve.
        control("/_emulator/faults", {"operation": "ExecuteStatement", "action": "slow_start_statement",
                                      "delay_ms": 700})
        sid = self.data.execute_statement(WorkgroupName="default", Database="dev", Sql="select 1")["Id"]
        deadline = time.time() + 10
        while self.data.describe_statement(Id=sid)["Status"] != "PICKED":
            self.assertLess(time.time(), deadline, "the statement was never picked")
            time.sleep(0.01)
        self.data.cancel_statement(Id=sid)
        creds = long_lived()
        quick = botocore.config.Config(retries={"total_max_attempts": 1}, read_timeout=10, connect_timeout=5)
        done, errors = [], []

        def submit_until(stop_at):
            # As fast as the emulator answers: over the limit of 3 active statements a submit is
            # refused, after counting them under the engine's lock all the same. Each accepted one
            # is waited for (finished statements are kept only 3 s here).
            data = EMU.data(config=quick, creds=creds)
            try:
                while time.time() < stop_at:
                    try:
                        r = data.execute_statement(WorkgroupName="default", Database="dev", Sql="select 2")
                        done.append(wait(data, r["Id"], timeout=10)["Status"])
                    except botocore.exceptions.ClientError as e:
                        if e.response["Error"]["Code"] != "ActiveStatementsExceededException":
                            raise
            except Exception as e:  # a hang shows here as a read timeout
                errors.append(repr(e))

        stop_at = time.time() + 1.5
        threads = [threading.Thread(target=submit_until, args=(stop_at,)) for _ in range(4)]
        for t in threads:
            t.start()
        for t in threads:
            t.join(60)
        self.assertEqual(self.data.describe_statement(Id=sid)["Status"], "ABORTED")
        self.assertEqual(errors, [])
        self.assertGreater(len(done), 10)
        self.assertEqual(set(done), {"FINISHED"})

    def test_bad_fault_is_rejected(self):
        with self.assertRaises(urllib.error.HTTPError) as cm:
            control("/_emulator/faults", {"operation": "X", "action": "explode"})
        self.assertEqual(cm.exception.code, 400)
        with self.assertRaises(urllib.error.HTTPError) as cm:
            control("/_emulator/faults", {"operation": "ExecuteStatement", "action": "slow_start_statement",
                                          "delay_ms": 60001})
        self.assertEqual(cm.exception.code, 400)
        self.assertIn("delay_ms must be from 0 to 60000", json.load(cm.exception)["error"])


if __name__ == "__main__":
    unittest.main()
