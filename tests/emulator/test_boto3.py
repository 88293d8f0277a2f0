"""boto3 against rsx-emulator: every operation and paginator, results equal to psql's,
botocore's exception classes for each error, STS trust with external IDs."""
import time
import unittest

import botocore.exceptions

from emulator_fixture import Emulator, NO_RETRY, same_value, wait

EMU = None


def setUpModule():
    global EMU
    EMU = Emulator(config={
        "region": "us-east-1",
        "users": [
            {"arn": "arn:aws:iam::111111111111:user/operator", "access_key_id": "AKIAEMULATOROPERATOR",
             "secret_access_key": "emulator/operator/secret/key/not+for+aws",
             "actions": ["sts:AssumeRole", "sts:GetCallerIdentity"]},
            {"arn": "arn:aws:iam::333333333333:user/stranger", "access_key_id": "AKIASTRANGER",
             "secret_access_key": "stranger-secret", "actions": ["sts:*"]},
        ],
        "roles": [
            {"arn": "arn:aws:iam::222222222222:role/rsx-reader", "trusted_accounts": ["111111111111"],
             "external_id": "rsx-emulator-external-id",
             "actions": ["redshift-data:*", "redshift-serverless:GetCredentials"]},
            {"arn": "arn:aws:iam::222222222222:role/no-list-schemas", "trusted_accounts": ["111111111111"],
             "external_id": "ext-2",
             "actions": ["redshift-data:ExecuteStatement", "redshift-data:DescribeStatement",
                         "redshift-serverless:GetCredentials"]},
        ],
        "workgroups": [{"name": "default", "account": "222222222222", "databases": ["dev", "analytics"]}],
        "limits": {"page_bytes": 4096},
    })


def tearDownModule():
    EMU.stop()


class Sts(unittest.TestCase):
    def test_caller_identity(self):
        who = EMU.client("sts").get_caller_identity()
        self.assertEqual(who["Account"], "111111111111")
        self.assertEqual(who["Arn"], "arn:aws:iam::111111111111:user/operator")

    def test_assume_role_with_right_external_id(self):
        c = EMU.assume()
        self.assertTrue(c["AccessKeyId"].startswith("ASIA"))
        self.assertGreater(c["Expiration"].timestamp(), time.time() + 3000)
        sts = EMU.client("sts", c["AccessKeyId"], c["SecretAccessKey"], c["SessionToken"])
        self.assertEqual(sts.get_caller_identity()["Arn"],
                         "arn:aws:sts::222222222222:assumed-role/rsx-reader/rsx-test")

    def test_wrong_or_missing_external_id_is_access_denied(self):
        sts = EMU.client("sts")
        for kw in ({"ExternalId": "not-the-right-one"}, {}):
            with self.assertRaises(botocore.exceptions.ClientError) as cm:
                sts.assume_role(RoleArn=EMU.env["RSX_ROLE_ARN"], RoleSessionName="x1", **kw)
            self.assertEqual(cm.exception.response["Error"]["Code"], "AccessDenied")
            self.assertEqual(cm.exception.response["ResponseMetadata"]["HTTPStatusCode"], 403)

    def test_untrusted_account_is_access_denied(self):
        sts = EMU.client("sts", "AKIASTRANGER", "stranger-secret")
        with self.assertRaises(botocore.exceptions.ClientError) as cm:
            sts.assume_role(RoleArn=EMU.env["RSX_ROLE_ARN"], RoleSessionName="x1",
                            ExternalId=EMU.env["RSX_EXTERNAL_ID"])
        self.assertEqual(cm.exception.response["Error"]["Code"], "AccessDenied")


class Statements(unittest.TestCase):
    def setUp(self):
        self.data = EMU.data()

    def run_sql(self, sql, **kw):
        r = self.data.execute_statement(WorkgroupName="default", Database="dev", Sql=sql, **kw)
        d = wait(self.data, r["Id"])
        return r, d

    def test_every_type_equals_psql(self):
        sql = "select * from all_types order by id"
        _, d = self.run_sql(sql)
        self.assertEqual(d["Status"], "FINISHED", d.get("Error"))
        res = self.data.get_statement_result(Id=d["Id"])
        expected = EMU.psql(sql)
        self.assertEqual(len(res["Records"]), len(expected))
        for row, want in zip(res["Records"], expected):
            for field, text in zip(row, want):
                self.assertTrue(same_value(field, text), (field, text))
        meta = {m["name"]: m for m in res["ColumnMetadata"]}
        self.assertEqual(meta["c_decimal"]["typeName"], "numeric")
        self.assertEqual((meta["c_decimal"]["precision"], meta["c_decimal"]["scale"]), (38, 10))
        self.assertEqual(meta["c_super"]["typeName"], "super")
        self.assertEqual(meta["c_varbyte"]["typeName"], "varbyte")
        self.assertEqual(meta["c_timestamptz"]["typeName"], "timestamptz")
        self.assertEqual(meta["id"]["nullable"], 0)
        self.assertEqual(meta["c_varchar"]["tableName"], "all_types")
        self.assertEqual(meta["c_varchar"]["schemaName"], "public")

    def test_paginator_over_many_pages_equals_psql(self):
        sql = "select salesid, pricepaid, saletime from sales order by salesid limit 3000"
        _, d = self.run_sql(sql)
        pages = list(self.data.get_paginator("get_statement_result").paginate(Id=d["Id"]))
        self.assertGreaterEqual(len(pages), 10)
        rows = [r for p in pages for r in p["Records"]]
        expected = EMU.psql(sql)
        self.assertEqual(len(rows), 3000)
        self.assertEqual(pages[0]["TotalNumRows"], 3000)
        self.assertEqual(d["ResultRows"], 3000)
        for row, want in zip(rows, expected):
            self.assertEqual([r.get("longValue", r.get("stringValue")) for r in row],
                             [int(want[0]), want[1], want[2]])

    def test_csv_results_with_v2_and_its_paginator(self):
        sql = "select eventid, eventname from event order by eventid"
        _, d = self.run_sql(sql, ResultFormat="CSV")
        self.assertEqual(d["ResultFormat"], "CSV")
        pages = list(self.data.get_paginator("get_statement_result_v2").paginate(Id=d["Id"]))
        self.assertGreater(len(pages), 1)
        import csv, io
        rows = [r for p in pages for rec in p["Records"] for r in csv.reader(io.StringIO(rec["CSVRecords"]))]
        self.assertEqual(rows, [[a, b] for a, b in EMU.psql(sql)])
        with self.assertRaises(self.data.exceptions.ValidationException):
            self.data.get_statement_result(Id=d["Id"])

    def test_parameters(self):
        _, d = self.run_sql("select count(*) from users where state = :state and userid < :maxid",
                            Parameters=[{"name": "state", "value": "WA"}, {"name": "maxid", "value": "1000"}])
        self.assertEqual(d["Status"], "FINISHED", d.get("Error"))
        self.assertEqual(d["QueryParameters"], [{"name": "state", "value": "WA"}, {"name": "maxid", "value": "1000"}])
        got = self.data.get_statement_result(Id=d["Id"])["Records"][0][0]["longValue"]
        want = int(EMU.psql("select count(*) from users where state = 'WA' and userid < 1000")[0][0])
        self.assertEqual(got, want)
        # Quotes and colons inside literals and casts are not parameters.
        _, d = self.run_sql("select ':notparam' as a, '1'::int as b, :p as c", Parameters=[{"name": "p", "value": "it's"}])
        rec = self.data.get_statement_result(Id=d["Id"])["Records"][0]
        self.assertEqual([rec[0]["stringValue"], rec[1]["longValue"], rec[2]["stringValue"]], [":notparam", 1, "it's"])

    def test_client_token_runs_sql_once(self):
        self.run_sql("create table if not exists token_test (n int)")
        ids = {self.data.execute_statement(WorkgroupName="default", Database="dev",
                                           Sql="insert into token_test values (1)",
                                           ClientToken="same-token-123")["Id"] for _ in range(3)}
        self.assertEqual(len(ids), 1)
        wait(self.data, ids.pop())
        self.assertEqual(EMU.psql("select count(*) from token_test")[0][0], "1")

    def test_sql_error_is_failed_with_postgres_message(self):
        r, d = self.run_sql("select * from no_such_table")
        self.assertEqual(d["Status"], "FAILED")
        self.assertIn('relation "no_such_table" does not exist', d["Error"])
        with self.assertRaises(self.data.exceptions.ValidationException):
            self.data.get_statement_result(Id=r["Id"])

    def test_statement_without_result_set(self):
        r, d = self.run_sql("create temp table t_nores as select 1 as x")
        self.assertFalse(d["HasResultSet"])
        with self.assertRaises(self.data.exceptions.ResourceNotFoundException):
            self.data.get_statement_result(Id=r["Id"])

    def test_sessions_keep_state(self):
        r = self.data.execute_statement(WorkgroupName="default", Database="dev", SessionKeepAliveSeconds=60,
                                        Sql="create temp table sess_t as select 42 as answer")
        self.assertIn("SessionId", r)
        wait(self.data, r["Id"])
        r2 = self.data.execute_statement(SessionId=r["SessionId"], Sql="select answer from sess_t")
        d = wait(self.data, r2["Id"])
        self.assertEqual(d["Status"], "FINISHED", d.get("Error"))
        self.assertEqual(self.data.get_statement_result(Id=r2["Id"])["Records"][0][0]["longValue"], 42)

    def test_batch_is_one_transaction(self):
        self.run_sql("create table if not exists batch_t (n int)")
        r = self.data.batch_execute_statement(WorkgroupName="default", Database="dev",
                                              Sqls=["insert into batch_t values (1)", "select count(*) from batch_t"])
        d = wait(self.data, r["Id"])
        self.assertEqual(d["Status"], "FINISHED")
        self.assertEqual([s["Id"] for s in d["SubStatements"]], [r["Id"] + ":1", r["Id"] + ":2"])
        self.assertEqual(self.data.get_statement_result(Id=r["Id"] + ":2")["Records"][0][0]["longValue"], 1)
        before = EMU.psql("select count(*) from batch_t")[0][0]
        r = self.data.batch_execute_statement(WorkgroupName="default", Database="dev",
                                              Sqls=["insert into batch_t values (2)", "select 1/0"])
        d = wait(self.data, r["Id"])
        self.assertEqual(d["Status"], "FAILED")
        self.assertEqual(EMU.psql("select count(*) from batch_t")[0][0], before)  # rolled back

    def test_cancel_sleep_is_aborted_quickly_and_gone_from_postgres(self):
        r = self.data.execute_statement(WorkgroupName="default", Database="dev", Sql="select pg_sleep(60)")
        deadline = time.time() + 10
        while self.data.describe_statement(Id=r["Id"])["Status"] != "STARTED" and time.time() < deadline:
            time.sleep(0.01)
        pid = self.data.describe_statement(Id=r["Id"])["RedshiftPid"]
        t0 = time.time()
        self.assertTrue(self.data.cancel_statement(Id=r["Id"])["Status"])
        while self.data.describe_statement(Id=r["Id"])["Status"] != "ABORTED":
            self.assertLess(time.time() - t0, 1.0)
            time.sleep(0.01)
        self.assertLess(time.time() - t0, 1.0)
        rows = EMU.psql("select count(*) from pg_stat_activity where pid = %d and query like '%%pg_sleep%%' and state = 'active'" % pid)
        self.assertEqual(rows[0][0], "0")
        with self.assertRaises(self.data.exceptions.ValidationException) as cm:
            self.data.cancel_statement(Id=r["Id"])
        self.assertIn("Could not cancel a query that is already in ABORTED state", str(cm.exception))

    def test_list_statements_and_its_paginator(self):
        for i in range(3):
            self.run_sql("select %d" % i, StatementName="listed-%d" % i)
        pages = list(self.data.get_paginator("list_statements").paginate(StatementName="listed-", PaginationConfig={"PageSize": 2}))
        names = sorted(s["StatementName"] for p in pages for s in p["Statements"])
        self.assertEqual(names, ["listed-0", "listed-1", "listed-2"])
        self.assertGreaterEqual(len(pages), 2)

    def test_statement_is_visible_only_to_its_owner(self):
        r, _ = self.run_sql("select 1")
        other = EMU.data(creds=EMU.assume(external_id="ext-2", role_arn="arn:aws:iam::222222222222:role/no-list-schemas"))
        with self.assertRaises(other.exceptions.ResourceNotFoundException):
            other.describe_statement(Id=r["Id"])


class Catalog(unittest.TestCase):
    def setUp(self):
        self.data = EMU.data()

    def test_list_databases_paginated(self):
        pages = list(self.data.get_paginator("list_databases").paginate(
            WorkgroupName="default", Database="dev", PaginationConfig={"PageSize": 1}))
        self.assertEqual([d for p in pages for d in p["Databases"]], ["dev", "analytics"])
        self.assertEqual(len(pages), 2)

    def test_list_schemas_with_pattern(self):
        pages = self.data.get_paginator("list_schemas").paginate(WorkgroupName="default", Database="dev", SchemaPattern="pub%")
        self.assertEqual([s for p in pages for s in p["Schemas"]], ["public"])

    def test_list_tables_equals_catalog(self):
        pages = list(self.data.get_paginator("list_tables").paginate(
            WorkgroupName="default", Database="dev", SchemaPattern="public", TablePattern="%s",
            PaginationConfig={"PageSize": 2}))
        names = [t["name"] for p in pages for t in p["Tables"]]
        self.assertEqual(names, [r[0] for r in EMU.psql(
            "select tablename from pg_tables where schemaname = 'public' and tablename like '%s' order by 1")])
        self.assertGreater(len(pages), 1)
        self.assertEqual({t["type"] for p in pages for t in p["Tables"]}, {"TABLE"})

    def test_describe_table_paginated(self):
        pages = list(self.data.get_paginator("describe_table").paginate(
            WorkgroupName="default", Database="dev", Schema="public", Table="sales",
            PaginationConfig={"PageSize": 4}))
        cols = [c for p in pages for c in p["ColumnList"]]
        self.assertEqual([c["name"] for c in cols], [r[0] for r in EMU.psql(
            "select column_name from information_schema.columns where table_name = 'sales' order by ordinal_position")])
        by = {c["name"]: c for c in cols}
        self.assertEqual((by["pricepaid"]["typeName"], by["pricepaid"]["precision"], by["pricepaid"]["scale"]), ("numeric", 8, 2))
        self.assertEqual(by["salesid"]["nullable"], 0)
        self.assertEqual(pages[0]["TableName"], "sales")


class Errors(unittest.TestCase):
    def setUp(self):
        self.data = EMU.data()

    def test_validation_errors(self):
        with self.assertRaises(self.data.exceptions.ValidationException) as cm:
            self.data.describe_statement(Id="not-an-id")
        self.assertIn("id must satisfy regex pattern", str(cm.exception))
        with self.assertRaises(self.data.exceptions.ValidationException):
            self.data.execute_statement(WorkgroupName="nope", Database="dev", Sql="select 1")
        with self.assertRaises(self.data.exceptions.ValidationException):
            self.data.execute_statement(WorkgroupName="default", Database="dev", Sql="select 1 -- " + "x" * 102400)

    def test_unknown_statement_is_resource_not_found(self):
        with self.assertRaises(self.data.exceptions.ResourceNotFoundException) as cm:
            self.data.describe_statement(Id="00000000-0000-4000-8000-000000000000")
        self.assertIn("Query does not exist", str(cm.exception))

    def test_missing_permission_is_access_denied(self):
        creds = EMU.assume(external_id="ext-2", role_arn="arn:aws:iam::222222222222:role/no-list-schemas")
        limited = EMU.data(creds=creds)
        with self.assertRaises(botocore.exceptions.ClientError) as cm:
            limited.list_schemas(WorkgroupName="default", Database="dev")
        err = cm.exception.response["Error"]
        self.assertEqual(err["Code"], "AccessDeniedException")
        self.assertIn("assumed-role/no-list-schemas/rsx-test is not authorized to perform: redshift-data:ListSchemas", err["Message"])

    def test_unknown_database_fails_the_statement(self):
        r = self.data.execute_statement(WorkgroupName="default", Database="nodb", Sql="select 1")
        d = wait(self.data, r["Id"])
        self.assertEqual(d["Status"], "FAILED")
        self.assertIn('database "nodb" does not exist', d["Error"])


class Signatures(unittest.TestCase):
    def test_wrong_secret_and_tampered_signature_are_rejected(self):
        c = EMU.assume()
        bad = EMU.client("redshift-data", c["AccessKeyId"], "wrong" + c["SecretAccessKey"], c["SessionToken"], config=NO_RETRY)
        with self.assertRaises(botocore.exceptions.ClientError) as cm:
            bad.list_databases(WorkgroupName="default", Database="dev")
        self.assertEqual(cm.exception.response["Error"]["Code"], "InvalidSignatureException")
        self.assertEqual(cm.exception.response["ResponseMetadata"]["HTTPStatusCode"], 403)
        good = EMU.data(creds=c, config=NO_RETRY)

        def tamper(request, **kwargs):
            auth = request.headers["Authorization"]
            auth = auth.decode() if isinstance(auth, bytes) else auth
            request.headers["Authorization"] = auth[:-4] + "0000"
        good.meta.events.register_last("before-send.redshift-data.*", tamper)
        with self.assertRaises(botocore.exceptions.ClientError) as cm:
            good.list_databases(WorkgroupName="default", Database="dev")
        self.assertEqual(cm.exception.response["Error"]["Code"], "InvalidSignatureException")

    def test_unknown_key_is_rejected(self):
        sts = EMU.client("sts", "AKIANOBODY", "nothing", config=NO_RETRY)
        with self.assertRaises(botocore.exceptions.ClientError) as cm:
            sts.get_caller_identity()
        self.assertEqual(cm.exception.response["Error"]["Code"], "InvalidClientTokenId")

    def test_unusual_parameters_are_signed_and_accepted(self):
        data = EMU.data()
        r = data.execute_statement(WorkgroupName="default", Database="dev",
                                   Sql="select :p1 || ' ☃ ' || :p2 as s  /* ünïcödé */",
                                   Parameters=[{"name": "p1", "value": "a b&c=d/e?f#g"}, {"name": "p2", "value": "日本 😀"}],
                                   StatementName="ünicode name\twith tab")
        d = wait(data, r["Id"])
        self.assertEqual(data.get_statement_result(Id=r["Id"])["Records"][0][0]["stringValue"], "a b&c=d/e?f#g ☃ 日本 😀")


if __name__ == "__main__":
    unittest.main()
