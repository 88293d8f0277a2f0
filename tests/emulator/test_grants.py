"""The database side of access against rsx-emulator started with --no-grants (a fresh customer
database): the role's database user IAMR:rsx-reader reads nothing until GRANTs are run. rsx check
reports the nine permissions granted and the privileges missing with the GRANT lines; those exact
lines, run as the administrator, make the next check pass and a sync equal psql. A table granted
beside one that is not: discover marks it, a sync of both fails up front, a sync of the readable
one succeeds. Schema and table names with quotes and spaces are quoted in every printed line."""
import json
import os
import subprocess
import tempfile
import unittest

from emulator_fixture import Emulator, wait

RSX = os.environ.get("RSX_BIN", os.path.join(os.path.dirname(__file__), "../../build/rsx"))
EMU = None
WEIRD_SCHEMA = 'we "ird" sch'
WEIRD_TABLE = 't a"b'


def q(name):
    return '"' + name.replace('"', '""') + '"'


def setUpModule():
    global EMU
    EMU = Emulator(args=["--no-grants"])
    EMU.psql("create schema %s; create table %s.%s (id int primary key, v text); "
             "insert into %s.%s select g, 'v' || g from generate_series(1, 25) g"
             % (q(WEIRD_SCHEMA), q(WEIRD_SCHEMA), q(WEIRD_TABLE), q(WEIRD_SCHEMA), q(WEIRD_TABLE)))
    EMU.psql("create schema part; create table part.granted (id int primary key); create table part.secret "
             "(id int primary key); insert into part.granted select generate_series(1, 7); "
             "insert into part.secret select generate_series(1, 3); grant usage on schema part to \"IAMR:rsx-reader\"; "
             "grant select on part.granted to \"IAMR:rsx-reader\"")


def tearDownModule():
    EMU.stop()


class Home:
    def __init__(self):
        self.dir = tempfile.TemporaryDirectory(prefix="rsx-grants-")

    def rsx(self, *args):
        e = {k: v for k, v in os.environ.items() if not k.startswith(("AWS_", "RSX_"))}
        e.update(AWS_ENDPOINT_URL=EMU.url, AWS_ACCESS_KEY_ID=EMU.env["AWS_ACCESS_KEY_ID"],
                 AWS_SECRET_ACCESS_KEY=EMU.env["AWS_SECRET_ACCESS_KEY"], AWS_REGION="us-east-1",
                 AWS_EC2_METADATA_DISABLED="true", RSX_HOME=self.dir.name, HOME=self.dir.name)
        return subprocess.run([RSX] + list(args), capture_output=True, text=True, env=e, timeout=180)

    def add(self, name, schemas):
        p = self.rsx("connections", "add", name, "--region", "us-east-1", "--workgroup", "default",
                     "--database", "dev", "--role-arn", EMU.env["RSX_ROLE_ARN"], "--external-id",
                     EMU.env["RSX_EXTERNAL_ID"], "--schemas", schemas, "--operator-account", "111111111111")
        assert p.returncode == 0, p.stderr
        return p.stdout


def grant_lines(text):
    return [l for l in text.splitlines() if l.startswith(("GRANT ", "ALTER DEFAULT PRIVILEGES "))]


class Grants(unittest.TestCase):
    def test_boto3_sees_redshifts_permission_error_and_database_user(self):
        d = EMU.data()
        r = d.execute_statement(WorkgroupName="default", Database="dev", Sql="select * from sales")
        desc = wait(d, r["Id"])
        self.assertEqual(desc["Status"], "FAILED")
        self.assertIn("permission denied for relation sales", desc["Error"])
        self.assertEqual(desc["DbUser"], "IAMR:rsx-reader")
        r = d.execute_statement(WorkgroupName="default", Database="dev", Sql="select * from %s.%s"
                                % (q(WEIRD_SCHEMA), q(WEIRD_TABLE)))
        self.assertIn("permission denied for schema %s" % WEIRD_SCHEMA, wait(d, r["Id"])["Error"])

    def test_check_prints_the_grants_that_make_the_next_check_pass_and_the_sync_equal_psql(self):
        home = Home()
        added = home.add("fresh", "public," + WEIRD_SCHEMA)
        # connections add prints the lines for the connection's schemas, quoted.
        self.assertIn('GRANT USAGE ON SCHEMA "we ""ird"" sch" TO "IAMR:rsx-reader";', grant_lines(added))
        before = home.rsx("check", "fresh")
        self.assertEqual(before.returncode, 1, before.stdout + before.stderr)
        self.assertEqual(before.stdout.count(" granted "), 9, before.stdout)
        self.assertIn("as the database user IAMR:rsx-reader", before.stdout)
        self.assertIn("public                           yes    0 of 8; cannot read: all_types category date event "
                      "listing sales users venue", before.stdout)
        disc = home.rsx("discover", "fresh")
        self.assertEqual(disc.returncode, 0, disc.stderr)
        marked = {s["name"]: s["x_rsx"]["readable"] for s in json.loads(disc.stdout)["streams"]}
        self.assertEqual(marked[WEIRD_TABLE], False)
        self.assertEqual(marked["sales"], False)
        # The per-table advice quotes the names too (run at the end, once the schema is usable).
        weird = [l for l in disc.stderr.splitlines() if l.startswith("rsx: warning: %s.%s:" % (WEIRD_SCHEMA, WEIRD_TABLE))]
        self.assertEqual(len(weird), 1, disc.stderr)
        per_table = weird[0].split("can run: ", 1)[1]
        self.assertEqual(per_table, 'GRANT USAGE ON SCHEMA "we ""ird"" sch" TO "IAMR:rsx-reader"; '
                                    'GRANT SELECT ON "we ""ird"" sch"."t a""b" TO "IAMR:rsx-reader";')
        lines = grant_lines(before.stdout)
        self.assertEqual(len(lines), 6, before.stdout)  # three per schema
        self.assertIn('GRANT SELECT ON ALL TABLES IN SCHEMA "we ""ird"" sch" TO "IAMR:rsx-reader";', lines)
        js = json.loads(home.rsx("check", "fresh", "--json").stdout)
        self.assertFalse(js["ok"])
        self.assertEqual(js["database"]["user"], "IAMR:rsx-reader")
        self.assertIn("%s.%s" % (WEIRD_SCHEMA, WEIRD_TABLE), js["database"]["unreadable"])
        # Exactly those lines, as the database administrator.
        EMU.psql("\n".join(lines))
        after = home.rsx("check", "fresh")
        self.assertEqual(after.returncode, 0, after.stdout + after.stderr)
        self.assertIn("everything rsx needs is granted", after.stdout)
        self.assertEqual(grant_lines(after.stdout), [])
        out = os.path.join(home.dir.name, "out")
        sync = home.rsx("sync", "fresh", "--all", "--to", out)
        self.assertEqual(sync.returncode, 0, sync.stderr)
        with open(os.path.join(out, "manifest.json")) as f:
            manifest = json.load(f)
        self.assertEqual(len(manifest["streams"]), 9)  # the sample's 8 tables and the weird one
        for entry in manifest["streams"]:
            with open(entry["file"]) as f:
                lines = sum(1 for _ in f)
            self.assertEqual(lines, entry["rows"], entry)
        for entry in manifest["streams"]:  # every stream equal to psql
            schema, _, table = entry["stream"].partition(".")
            want = int(EMU.psql("select count(*) from %s.%s" % (q(schema), q(table)))[0][0])
            self.assertEqual(entry["rows"], want, entry)
        weird_file = [e["file"] for e in manifest["streams"] if e["stream"].startswith(WEIRD_SCHEMA)][0]
        with open(weird_file) as f:
            self.assertEqual(sorted(json.loads(l)["id"] for l in f), list(range(1, 26)))
        EMU.psql(per_table)  # the per-table lines run without error too

    def test_a_table_not_granted_is_marked_and_refused_before_any_statement(self):
        home = Home()
        home.add("part", "part")
        disc = home.rsx("discover", "part")
        self.assertEqual(disc.returncode, 0, disc.stderr)
        streams = {s["name"]: s for s in json.loads(disc.stdout)["streams"]}
        self.assertEqual(set(streams), {"granted", "secret"})
        self.assertTrue(streams["granted"]["x_rsx"]["readable"])
        self.assertFalse(streams["secret"]["x_rsx"]["readable"])
        self.assertIn('part.secret: the database user "IAMR:rsx-reader" cannot read it', disc.stderr)
        self.assertIn('GRANT SELECT ON "part"."secret" TO "IAMR:rsx-reader";', disc.stderr)
        self.assertNotIn("part.granted:", disc.stderr)
        statements = len(EMU.data().list_statements(Status="ALL")["Statements"])
        both = home.rsx("sync", "part", "--stream", "part.granted", "--stream", "part.secret", "--to",
                        os.path.join(home.dir.name, "both"))
        self.assertNotEqual(both.returncode, 0)
        self.assertIn("the database user IAMR:rsx-reader cannot read part.secret", both.stderr)
        self.assertIn('GRANT SELECT ON "part"."secret" TO "IAMR:rsx-reader";', both.stderr)
        self.assertFalse(os.path.exists(os.path.join(home.dir.name, "both", "part.granted.jsonl")))
        # Discovery's own statements ran; no read of either table did.
        ran = [s["QueryString"] for s in EMU.data().list_statements(Status="ALL")["Statements"][:50]]
        self.assertFalse([s for s in ran if "from \"part\"" in s or "from part." in s], ran)
        self.assertGreaterEqual(len(EMU.data().list_statements(Status="ALL")["Statements"]), statements)
        one = home.rsx("sync", "part", "--stream", "part.granted", "--to", os.path.join(home.dir.name, "one"))
        self.assertEqual(one.returncode, 0, one.stderr)
        with open(os.path.join(home.dir.name, "one", "part.granted.jsonl")) as f:
            self.assertEqual(sorted(json.loads(l)["id"] for l in f), list(range(1, 8)))


if __name__ == "__main__":
    unittest.main()
