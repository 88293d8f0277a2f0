"""UNLOAD in rsx-emulator: a query's result written to the emulator's S3 as Redshift writes it.
The files are read back by independent readers (Python's csv, json and gzip, the zstd command)
and compared with psql's output of the same tables; manifests are checked against the objects;
file naming, PARALLEL, MAXFILESIZE, overwrite rules and the namespace role's permissions hold."""
import csv
import gzip
import io
import json
import subprocess
import time
import unittest

from emulator_fixture import Emulator, NO_RETRY, start_moto, wait

EMU = None
DATA = None
S3 = None
UNLOAD_ROLE = "arn:aws:iam::222222222222:role/rsx-unload"
READER = "arn:aws:iam::222222222222:role/rsx-reader"
EXTERNAL_ID = "unload-test-external-id"


def config():
    stage = "arn:aws:s3:::rsx-stage"
    return {
        "users": [{"arn": "arn:aws:iam::111111111111:user/operator", "access_key_id": "AKIAEMULATOROPERATOR",
                   "secret_access_key": "emulator/operator/secret/key/not+for+aws", "actions": ["sts:*"]}],
        "roles": [
            {"arn": READER, "trusted_accounts": ["111111111111"], "external_id": EXTERNAL_ID,
             "actions": ["redshift-data:*", "redshift-serverless:GetCredentials"],
             "statements": [{"actions": ["s3:GetObject", "s3:DeleteObject", "s3:ListBucket", "s3:PutObject"],
                             "resources": [stage, stage + "/*", "arn:aws:s3:::locked", "arn:aws:s3:::locked/*"]}]},
            {"arn": UNLOAD_ROLE, "grants": [],
             "statements": [{"actions": ["s3:PutObject", "s3:GetObject", "s3:DeleteObject", "s3:ListBucket"],
                             "resources": [stage, stage + "/*"]},
                            {"actions": ["s3:ListBucket"], "resources": ["arn:aws:s3:::locked"]}]},
            {"arn": "arn:aws:iam::222222222222:role/not-associated", "grants": [],
             "statements": [{"actions": ["s3:*"], "resources": ["*"]}]},
        ],
        "workgroups": [{"name": "default", "account": "222222222222", "databases": ["dev"],
                        "iam_roles": [UNLOAD_ROLE], "default_iam_role": UNLOAD_ROLE}],
        "buckets": [{"name": "rsx-stage", "account": "222222222222"}, {"name": "locked", "account": "222222222222"}],
        "slices": 4,
    }


def setUpModule():
    global EMU, DATA, S3
    EMU = Emulator(config=config())
    creds = EMU.assume(external_id=EXTERNAL_ID)
    DATA = EMU.data(creds=creds)
    S3 = EMU.client("s3", creds["AccessKeyId"], creds["SecretAccessKey"], creds["SessionToken"], config=NO_RETRY)


def tearDownModule():
    EMU.stop()


def run(sql):
    sid = DATA.execute_statement(WorkgroupName="default", Database="dev", Sql=sql)["Id"]
    return wait(DATA, sid, timeout=120)


def unload(sql):
    d = run(sql)
    if d["Status"] != "FINISHED":
        raise AssertionError("UNLOAD failed: %s" % d.get("Error"))
    return d


def keys(prefix):
    out = []
    for page in S3.get_paginator("list_objects_v2").paginate(Bucket="rsx-stage", Prefix=prefix):
        out += [o["Key"] for o in page.get("Contents", [])]
    return out


def fetch(key):
    body = S3.get_object(Bucket="rsx-stage", Key=key)["Body"].read()
    if key.endswith(".gz"):
        return gzip.decompress(body).decode()
    if key.endswith(".zst"):
        return subprocess.run(["zstd", "-dqc"], input=body, capture_output=True, check=True).stdout.decode()
    return body.decode()


def json_text(v):
    """A JSON value from an UNLOAD file as psql prints it."""
    if v is True:
        return "t"
    if v is False:
        return "f"
    return str(v)


def decode(fmt, text, columns):
    rows = []
    if fmt == "JSON":
        for line in text.splitlines():
            obj = json.loads(line, parse_float=str, parse_int=str)
            rows.append(tuple(json_text(obj[c]) if c in obj else "\\N" for c in columns))
    elif fmt == "CSV":
        for rec in csv.reader(io.StringIO(text, newline="")):
            rows.append(tuple("\\N" if v == "NULL-MARK" else v for v in rec))
    else:
        for line in text.splitlines():
            rows.append(tuple(line.split("|")))
    return rows


class Formats(unittest.TestCase):
    TABLES = {"venue": "select * from venue", "category": "select * from category",
              "event": "select * from event", "users": "select * from users"}

    def test_each_format_and_compression_equals_psql(self):
        for table, query in self.TABLES.items():
            want = sorted(tuple(r) for r in EMU.psql(query))
            columns = [r[0] for r in EMU.psql(
                "select column_name from information_schema.columns where table_name = '%s' "
                "order by ordinal_position" % table)]
            for fmt, fmt_sql in [("TEXT", "NULL AS '\\N'"), ("CSV", "FORMAT CSV NULL AS 'NULL-MARK'"),
                                 ("JSON", "FORMAT JSON")]:
                for comp in ["", "GZIP", "ZSTD"]:
                    with self.subTest(table=table, format=fmt, compression=comp):
                        prefix = "unload/fmt/%s_%s_%s/" % (table, fmt, comp or "none")
                        d = unload("UNLOAD ('%s') TO 's3://rsx-stage/%s' IAM_ROLE default %s %s MANIFEST VERBOSE"
                                   % (query, prefix, fmt_sql, comp))
                        self.assertFalse(d["HasResultSet"])
                        manifest = json.loads(fetch(prefix + "manifest"))
                        data_keys = sorted(k for k in keys(prefix) if not k.endswith("manifest"))
                        suffix = {"": "", "GZIP": ".gz", "ZSTD": ".zst"}[comp]
                        self.assertEqual(data_keys, ["%s%04d_part_00%s" % (prefix, i, suffix)
                                                     for i in range(len(data_keys))])
                        self.assertEqual(len(data_keys), min(4, len(want)))
                        self.assertEqual(sorted(e["url"] for e in manifest["entries"]),
                                         ["s3://rsx-stage/" + k for k in data_keys])
                        got = []
                        for e in manifest["entries"]:
                            key = e["url"][len("s3://rsx-stage/"):]
                            size = S3.head_object(Bucket="rsx-stage", Key=key)["ContentLength"]
                            self.assertEqual(e["meta"]["content_length"], size)
                            rows = decode(fmt, fetch(key), columns)
                            self.assertEqual(e["meta"]["record_count"], len(rows))
                            got += rows
                        self.assertEqual(sorted(got), want)
                        self.assertEqual(sum(e["meta"]["record_count"] for e in manifest["entries"]), len(want))
                        self.assertEqual(manifest["meta"]["record_count"], len(want))
                        self.assertEqual([el["name"] for el in manifest["schema"]["elements"]], columns)
                        self.assertEqual(d["ResultRows"], len(want))

    def test_text_escape_header_delimiter_and_nulls(self):
        q = ("select * from (values (1, ''a|b''::varchar, ''line'' || chr(10) || ''break''), "
             "(2, '''', null), (3, null, ''back'' || chr(92) || ''slash'')) t(id, s, u) order by id")
        unload("UNLOAD ('%s') TO 's3://rsx-stage/unload/esc/' IAM_ROLE default PARALLEL OFF ESCAPE "
               "NULL AS 'NULLVAL' HEADER" % q)
        self.assertEqual(keys("unload/esc/"), ["unload/esc/000"])
        text = fetch("unload/esc/000")
        self.assertEqual(text.split("\n")[0], "id|s|u")
        self.assertIn("1|a\\|b|line\\\nbreak\n", text)
        self.assertIn("2||NULLVAL\n", text)
        self.assertIn("3|NULLVAL|back\\\\slash\n", text)  # one backslash, escaped
        # CSV with quotes, delimiters and newlines inside values round-trips through csv.
        unload("UNLOAD ('select ''say \"hi\", ok''::text as a, ''x\ny''::text as b') "
               "TO 's3://rsx-stage/unload/csvq/' IAM_ROLE default FORMAT AS CSV PARALLEL OFF")
        rows = list(csv.reader(io.StringIO(fetch("unload/csvq/000"), newline="")))
        self.assertEqual(rows, [['say "hi", ok', "x\ny"]])

    def test_parallel_off_keeps_order_and_maxfilesize_splits(self):
        q = "select g, repeat(''x'', 200) as pad from generate_series(1, 60000) g order by g"
        unload("UNLOAD ('%s') TO 's3://rsx-stage/unload/big/part_' IAM_ROLE default PARALLEL OFF "
               "MAXFILESIZE 5 MB MANIFEST" % q)
        files = sorted(k for k in keys("unload/big/") if not k.endswith("manifest"))
        self.assertEqual(files, ["unload/big/part_000", "unload/big/part_001", "unload/big/part_002"])
        ids = [int(line.split("|")[0]) for f in files for line in fetch(f).splitlines()]
        self.assertEqual(ids, list(range(1, 60001)))
        for f in files:
            self.assertLessEqual(S3.head_object(Bucket="rsx-stage", Key=f)["ContentLength"], 5 * 1024 * 1024)
        manifest = json.loads(fetch("unload/big/part_manifest"))
        self.assertNotIn("record_count", manifest["entries"][0]["meta"])  # only with VERBOSE
        self.assertNotIn("schema", manifest)


class Rules(unittest.TestCase):
    def test_overwrite_rules(self):
        S3.put_object(Bucket="rsx-stage", Key="unload/ow/stale-file", Body=b"old")
        d = run("UNLOAD ('select 1') TO 's3://rsx-stage/unload/ow/' IAM_ROLE default")
        self.assertEqual(d["Status"], "FAILED")
        self.assertIn("Specified unload destination on S3 is not empty", d["Error"])
        unload("UNLOAD ('select 1') TO 's3://rsx-stage/unload/ow/' IAM_ROLE default ALLOWOVERWRITE")
        self.assertIn("unload/ow/stale-file", keys("unload/ow/"))
        unload("UNLOAD ('select 1') TO 's3://rsx-stage/unload/ow/' IAM_ROLE default CLEANPATH PARALLEL OFF")
        self.assertEqual(keys("unload/ow/"), ["unload/ow/000"])

    def test_roles_and_permissions(self):
        d = run("UNLOAD ('select 1') TO 's3://locked/x/' IAM_ROLE default")
        self.assertEqual(d["Status"], "FAILED")
        self.assertIn("S3ServiceException:", d["Error"])
        self.assertIn("AccessDenied", d["Error"])
        self.assertEqual(S3.list_objects_v2(Bucket="locked")["KeyCount"], 0)
        d = run("UNLOAD ('select 1') TO 's3://rsx-stage/unload/r1/' "
                "IAM_ROLE 'arn:aws:iam::222222222222:role/not-associated'")
        self.assertEqual(d["Status"], "FAILED")
        self.assertIn("not authorized to assume IAM Role", d["Error"])
        unload("UNLOAD ('select 1') TO 's3://rsx-stage/unload/r2/' IAM_ROLE '%s'" % UNLOAD_ROLE)
        d = run("UNLOAD ('select 1') TO 's3://no-such-bucket/x/' IAM_ROLE default")
        self.assertIn("NoSuchBucket", d["Error"])

    def test_refusals_name_the_problem(self):
        for sql, words in [
            ("UNLOAD ('select 1') TO 's3://rsx-stage/unload/p/' IAM_ROLE default FORMAT PARQUET", "PARQUET"),
            ("UNLOAD ('select 1') TO 's3://rsx-stage/unload/p/' IAM_ROLE default MAXFILESIZE 1 MB", "MAXFILESIZE"),
            ("UNLOAD ('select 1') TO 's3://rsx-stage/unload/p/'", "IAM_ROLE"),
            ("UNLOAD ('select 1') TO 's3://rsx-stage/unload/p/' IAM_ROLE default FORMAT JSON HEADER", "JSON"),
            ("UNLOAD ('select 1') TO 's3://rsx-stage/unload/p/' IAM_ROLE default REGION 'eu-west-1'", "eu-west-1"),
            ("UNLOAD ('select 1') TO 'file:///etc/x' IAM_ROLE default", "s3://"),
            ("UNLOAD ('select 1) TO 's3://rsx-stage/unload/p/' IAM_ROLE default", "syntax error"),
            ("UNLOAD ('select * from no_such_table') TO 's3://rsx-stage/unload/p/' IAM_ROLE default",
             "no_such_table"),
        ]:
            with self.subTest(sql=sql):
                d = run(sql)
                self.assertEqual(d["Status"], "FAILED")
                self.assertIn(words, d["Error"])
        self.assertEqual(keys("unload/p/"), [])

    def test_quoted_literals_inside_the_query(self):
        unload("UNLOAD ('select userid from users where lastname = ''O''''Brien'' order by 1') "
               "TO 's3://rsx-stage/unload/q/' IAM_ROLE default PARALLEL OFF")
        want = [r[0] for r in EMU.psql("select userid from users where lastname = 'O''Brien' order by 1")]
        self.assertTrue(want)
        self.assertEqual(fetch("unload/q/000").splitlines(), want)
        # The same with a backslash-escaped quote.
        unload("UNLOAD ('select userid from users where lastname = \\'O\\'\\'Brien\\' order by 1') "
               "TO 's3://rsx-stage/unload/q2/' IAM_ROLE default PARALLEL OFF")
        self.assertEqual(fetch("unload/q2/000").splitlines(), want)

    def test_a_failure_after_rows_leaves_no_file_and_the_session_goes_on(self):
        # Rows are fetched in batches of 1,000: the division by zero comes in the 25th batch.
        r = DATA.execute_statement(WorkgroupName="default", Database="dev", SessionKeepAliveSeconds=60,
                                   Sql="UNLOAD ('select 1 / (25000 - g) as x from generate_series(1, 30000) g') "
                                       "TO 's3://rsx-stage/unload/late/' IAM_ROLE default")
        d = wait(DATA, r["Id"], timeout=120)
        self.assertEqual(d["Status"], "FAILED")
        self.assertIn("division by zero", d["Error"])
        self.assertEqual(keys("unload/late/"), [])
        # The same session runs the next UNLOAD (its transaction and cursor were closed).
        r2 = DATA.execute_statement(SessionId=r["SessionId"],
                                    Sql="UNLOAD ('select g from generate_series(1, 25000) g') "
                                        "TO 's3://rsx-stage/unload/late/' IAM_ROLE default PARALLEL OFF")
        d = wait(DATA, r2["Id"], timeout=120)
        self.assertEqual(d["Status"], "FINISHED", d.get("Error"))
        self.assertEqual(fetch("unload/late/000").splitlines(), [str(g) for g in range(1, 25001)])

    def test_the_query_is_one_statement(self):
        d = run("UNLOAD ('select 1; drop table users') TO 's3://rsx-stage/unload/two/' IAM_ROLE default")
        self.assertEqual(d["Status"], "FAILED")
        self.assertEqual(EMU.psql("select count(*) > 0 from users")[0][0], "t")
        self.assertEqual(keys("unload/two/"), [])

    def test_inside_a_batch_transaction(self):
        # A batch is one transaction: UNLOAD reads a table the batch made, twice (the first
        # UNLOAD's cursor is closed), and sees rows the batch inserted in between.
        r = DATA.batch_execute_statement(WorkgroupName="default", Database="dev", Sqls=[
            "create table batch_unload as select g from generate_series(1, 12345) g",
            "UNLOAD ('select g from batch_unload order by g') TO 's3://rsx-stage/unload/b1/' IAM_ROLE default "
            "PARALLEL OFF",
            "insert into batch_unload values (0)",
            "UNLOAD ('select g from batch_unload order by g') TO 's3://rsx-stage/unload/b2/' IAM_ROLE default "
            "PARALLEL OFF",
        ])
        d = wait(DATA, r["Id"], timeout=120)
        self.assertEqual(d["Status"], "FINISHED", d.get("Error"))
        self.assertEqual(fetch("unload/b1/000").splitlines(), [str(g) for g in range(1, 12346)])
        self.assertEqual(fetch("unload/b2/000").splitlines(), [str(g) for g in range(0, 12346)])

    def test_cancel_ends_it_between_batches_too(self):
        # PostgreSQL makes these rows faster than they are written out, so the backend is idle
        # between batches most of the time, where PQcancel alone would not reach it.
        r = DATA.execute_statement(WorkgroupName="default", Database="dev",
                                   Sql="UNLOAD ('select g, repeat(''x'', 300) as pad from generate_series(1, 4000000) g') "
                                       "TO 's3://rsx-stage/unload/cancel/' IAM_ROLE default")
        deadline = time.time() + 30
        while DATA.describe_statement(Id=r["Id"])["Status"] != "STARTED" and time.time() < deadline:
            time.sleep(0.01)
        time.sleep(1.5)  # past the first batches
        self.assertTrue(DATA.cancel_statement(Id=r["Id"])["Status"])
        d = wait(DATA, r["Id"], timeout=10)
        self.assertEqual(d["Status"], "ABORTED", d.get("Error"))
        self.assertEqual(keys("unload/cancel/"), [])

    def test_no_rows_is_one_empty_file(self):
        unload("UNLOAD ('select 1 as a where false') TO 's3://rsx-stage/unload/empty/' IAM_ROLE default "
               "MANIFEST VERBOSE HEADER")
        self.assertEqual(keys("unload/empty/"), ["unload/empty/0000_part_00", "unload/empty/manifest"])
        self.assertEqual(fetch("unload/empty/0000_part_00"), "a\n")
        manifest = json.loads(fetch("unload/empty/manifest"))
        self.assertEqual(manifest["meta"]["record_count"], 0)
        self.assertEqual(manifest["schema"]["elements"][0]["name"], "a")


if __name__ == "__main__":
    unittest.main()


class MotoStage(unittest.TestCase):
    """UNLOAD writing to moto_server's S3 (--s3-endpoint): an S3 no one here wrote."""

    def test_unload_to_moto(self):
        import boto3
        moto, url = start_moto()
        emu = None
        try:
            s3 = boto3.client("s3", endpoint_url=url, region_name="us-east-1", aws_access_key_id="testing",
                              aws_secret_access_key="testing")
            s3.create_bucket(Bucket="moto-stage")
            emu = Emulator(args=["--s3-endpoint", url])
            data = emu.data()
            sid = data.execute_statement(
                WorkgroupName="default", Database="dev",
                Sql="UNLOAD ('select * from venue') TO 's3://moto-stage/unload/v/' IAM_ROLE default "
                    "FORMAT JSON GZIP MANIFEST VERBOSE")["Id"]
            d = wait(data, sid, timeout=60)
            self.assertEqual(d["Status"], "FINISHED", d.get("Error"))
            listed = [o["Key"] for o in s3.list_objects_v2(Bucket="moto-stage", Prefix="unload/v/")["Contents"]]
            self.assertEqual(listed, ["unload/v/%04d_part_00.gz" % i for i in range(4)] + ["unload/v/manifest"])
            rows = []
            for key in listed[:-1]:
                body = gzip.decompress(s3.get_object(Bucket="moto-stage", Key=key)["Body"].read()).decode()
                rows += [json.loads(line)["venueid"] for line in body.splitlines()]
            want = [int(r[0]) for r in emu.psql("select venueid from venue")]
            self.assertEqual(sorted(rows), sorted(want))
            manifest = json.loads(s3.get_object(Bucket="moto-stage", Key="unload/v/manifest")["Body"].read())
            self.assertEqual(manifest["meta"]["record_count"], len(want))
        finally:
            if emu:
                emu.stop()
            moto.terminate()
            moto.wait(timeout=30)
