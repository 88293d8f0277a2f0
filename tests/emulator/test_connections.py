"""rsx connections / policy / check against rsx-emulator: valid minimal policies, check naming
exactly the missing permission, a wrong external ID caught before any Data API call, field
validation, a corrupt workspace left untouched, concurrent adds."""
import json
import os
import subprocess
import tempfile
import threading
import unittest
import urllib.request

from emulator_fixture import Emulator

RSX = os.environ.get("RSX_BIN", os.path.join(os.path.dirname(__file__), "../../build/rsx"))
ACTIONS = ["redshift-data:CancelStatement", "redshift-data:DescribeStatement", "redshift-data:DescribeTable",
           "redshift-data:ExecuteStatement", "redshift-data:GetStatementResult", "redshift-data:ListDatabases",
           "redshift-data:ListSchemas", "redshift-data:ListTables", "redshift-serverless:GetCredentials"]
EXT = "3f0c2c35-aaaa-4bbb-8ccc-0123456789ab"
EMU = None


def role_name(missing):
    return "lacks-" + missing.split(":")[1].lower() if missing else "full"


def setUpModule():
    global EMU
    roles = [{"arn": "arn:aws:iam::222222222222:role/" + role_name(m), "trusted_accounts": ["111111111111"],
              "external_id": EXT, "actions": [a for a in ACTIONS if a != m]} for m in [None] + ACTIONS]
    EMU = Emulator(sample=False, config={
        "users": [{"arn": "arn:aws:iam::111111111111:user/operator", "access_key_id": "AKIAEMULATOROPERATOR",
                   "secret_access_key": "emulator/operator/secret/key/not+for+aws", "actions": ["sts:*"]}],
        "roles": roles,
        "workgroups": [{"name": "default", "account": "222222222222", "databases": ["dev"]}]})


def tearDownModule():
    EMU.stop()


class Workspace:
    def __init__(self):
        self.dir = tempfile.TemporaryDirectory(prefix="rsx-home-")

    def env(self):
        e = {k: v for k, v in os.environ.items() if not k.startswith(("AWS_", "RSX_"))}
        e.update(AWS_ENDPOINT_URL=EMU.url, AWS_ACCESS_KEY_ID=EMU.env["AWS_ACCESS_KEY_ID"],
                 AWS_SECRET_ACCESS_KEY=EMU.env["AWS_SECRET_ACCESS_KEY"], AWS_REGION="us-east-1",
                 AWS_EC2_METADATA_DISABLED="true", RSX_HOME=self.dir.name, HOME=self.dir.name)
        return e

    def rsx(self, *args):
        return subprocess.run([RSX] + list(args), capture_output=True, text=True, env=self.env(), timeout=120)

    def add(self, name, role="full", *extra):
        return self.rsx("connections", "add", name, "--region", "us-east-1", "--workgroup", "default",
                        "--database", "dev", "--role-arn", "arn:aws:iam::222222222222:role/" + role,
                        "--external-id", EXT, *extra)


def stats():
    return json.load(urllib.request.urlopen(EMU.url + "/_emulator/stats"))["calls"]


def policies(text):
    """The two JSON documents printed after their headings."""
    docs, depth, start = [], 0, None
    for i, ch in enumerate(text):
        if ch == "{":
            if depth == 0:
                start = i
            depth += 1
        elif ch == "}":
            depth -= 1
            if depth == 0:
                docs.append(json.loads(text[start:i + 1]))
    return docs


class Policies(unittest.TestCase):
    def check_pair(self, perm, trust, scoped_arn=None):
        actions = [a for st in perm["Statement"] for a in st["Action"]]
        self.assertEqual(sorted(actions), sorted(ACTIONS))
        self.assertEqual(len(actions), 9)
        for st in perm["Statement"]:
            self.assertEqual(st["Effect"], "Allow")
            if scoped_arn is None:
                self.assertEqual(st["Resource"], "*")
        t = trust["Statement"][0]
        self.assertEqual(t["Principal"]["AWS"], "arn:aws:iam::111111111111:root")
        self.assertEqual(t["Action"], "sts:AssumeRole")
        self.assertEqual(t["Condition"]["StringEquals"]["sts:ExternalId"], EXT)

    def test_add_prints_valid_minimal_policies(self):
        ws = Workspace()
        p = ws.add("c1")
        self.assertEqual(p.returncode, 0, p.stderr)
        perm, trust = policies(p.stdout)
        self.check_pair(perm, trust)
        self.assertIn("rsx check c1", p.stdout)
        self.assertIn(EXT, p.stdout)
        p = ws.rsx("policy", "c1")
        self.assertEqual(p.returncode, 0, p.stderr)
        self.check_pair(*policies(p.stdout))

    def test_scoped_policy(self):
        ws = Workspace()
        ws.add("c1")
        arn = "arn:aws:redshift-serverless:us-east-1:222222222222:workgroup/1b2c3d4e-0000-4000-8000-000000000001"
        p = ws.rsx("policy", "c1", "--scope-workgroup", arn)
        self.assertEqual(p.returncode, 0, p.stderr)
        perm, trust = policies(p.stdout)
        self.check_pair(perm, trust, scoped_arn=arn)
        by_action = {a: st for st in perm["Statement"] for a in st["Action"]}
        self.assertEqual(by_action["redshift-data:ExecuteStatement"]["Resource"], arn)
        self.assertEqual(by_action["redshift-serverless:GetCredentials"]["Resource"], arn)
        owned = by_action["redshift-data:GetStatementResult"]
        self.assertEqual(owned["Resource"], "*")
        self.assertEqual(owned["Condition"]["StringEquals"]["redshift-data:statement-owner-iam-userid"], "${aws:userid}")

    def test_workspace_external_id_is_generated_once(self):
        ws = Workspace()
        common = ["--region", "us-east-1", "--workgroup", "default", "--database", "dev",
                  "--role-arn", "arn:aws:iam::222222222222:role/full"]
        a = ws.rsx("connections", "add", "a", *common)
        b = ws.rsx("connections", "add", "b", *common)
        ida = [l for l in a.stdout.splitlines() if l.startswith("External ID:")][0]
        idb = [l for l in b.stdout.splitlines() if l.startswith("External ID:")][0]
        self.assertEqual(ida, idb)
        self.assertRegex(ida, r"External ID: [0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$")
        for f in ("external_id", "connections.json"):
            self.assertEqual(os.stat(os.path.join(ws.dir.name, f)).st_mode & 0o777, 0o600)


class Check(unittest.TestCase):
    def test_everything_granted_exits_zero(self):
        ws = Workspace()
        ws.add("full")
        p = ws.rsx("check", "full")
        self.assertEqual(p.returncode, 0, p.stdout + p.stderr)
        self.assertIn("everything rsx needs is granted", p.stdout)

    def test_each_missing_permission_is_named_exactly(self):
        ws = Workspace()
        for missing in ACTIONS:
            with self.subTest(missing=missing):
                name = role_name(missing)
                self.assertEqual(ws.add(name, name).returncode, 0)
                p = ws.rsx("check", name, "--json")
                self.assertEqual(p.returncode, 1, p.stderr)
                report = json.loads(p.stdout)
                self.assertEqual(report["missing"], [missing])
                denied = [x for x in report["permissions"] if x["result"] == "denied"]
                self.assertEqual([x["action"] for x in denied], [missing])

    def test_wrong_external_id_stops_before_the_data_api(self):
        ws = Workspace()
        ws.rsx("connections", "add", "wrong", "--region", "us-east-1", "--workgroup", "default", "--database", "dev",
               "--role-arn", "arn:aws:iam::222222222222:role/full", "--external-id", "not-the-external-id")
        before = {k: v for k, v in stats().items() if k not in ("AssumeRole", "GetCallerIdentity")}
        p = ws.rsx("check", "wrong")
        after = {k: v for k, v in stats().items() if k not in ("AssumeRole", "GetCallerIdentity")}
        self.assertEqual(p.returncode, 1)
        self.assertIn("the role could not be assumed", p.stdout + p.stderr)
        self.assertIn("not-the-external-id", p.stdout + p.stderr)
        self.assertIn("No Data API call was made", p.stdout + p.stderr)
        self.assertEqual(before, after)

    def test_wrong_workgroup_is_named(self):
        ws = Workspace()
        ws.rsx("connections", "add", "wg", "--region", "us-east-1", "--workgroup", "no-such-wg", "--database", "dev",
               "--role-arn", "arn:aws:iam::222222222222:role/full", "--external-id", EXT)
        p = ws.rsx("check", "wg")
        self.assertEqual(p.returncode, 1)
        self.assertIn("workgroup 'no-such-wg' was not found in region us-east-1", p.stdout)

    def test_no_base_credentials(self):
        ws = Workspace()
        ws.add("full")
        env = ws.env()
        del env["AWS_ACCESS_KEY_ID"], env["AWS_SECRET_ACCESS_KEY"]
        p = subprocess.run([RSX, "check", "full"], capture_output=True, text=True, env=env)
        self.assertEqual(p.returncode, 1)
        self.assertIn("no base AWS credentials", p.stdout)


class BadInput(unittest.TestCase):
    def test_each_invalid_field_is_named(self):
        ws = Workspace()
        base = {"--region": "us-east-1", "--workgroup": "default", "--database": "dev",
                "--role-arn": "arn:aws:iam::222222222222:role/full"}
        cases = [("--region", "Europe", "--region"), ("--workgroup", "My_WG", "--workgroup"),
                 ("--database", "1db", "--database"), ("--role-arn", "arn:aws:iam::12:role/x", "--role-arn"),
                 ("--role-arn", "arn:aws:iam::123456789012:user/x", "--role-arn")]
        for flag, value, named in cases:
            args = dict(base, **{flag: value})
            p = ws.rsx("connections", "add", "x", *[t for kv in args.items() for t in kv])
            self.assertEqual(p.returncode, 2, (flag, p.stderr))
            self.assertIn(named, p.stderr)
        more = [("--workgroup", "ab"), ("--workgroup", "w" * 65), ("--workgroup", "wg.1"),
                ("--database", "$db"), ("--database", "d" * 128), ("--database", "Dev")]
        for flag, value in more:
            args = dict(base, **{flag: value})
            p = ws.rsx("connections", "add", "x", *[t for kv in args.items() for t in kv])
            self.assertEqual(p.returncode, 2, (flag, value, p.stderr))
            self.assertIn(flag, p.stderr)
        for name in ("bad name!", ".x", "_x", "n" * 65):
            p = ws.rsx("connections", "add", name, *[t for kv in base.items() for t in kv])
            self.assertEqual(p.returncode, 2, (name, p.stderr))
            self.assertIn("connection name", p.stderr)
        p = ws.rsx("connections", "add", "x", *[t for kv in base.items() for t in kv], "--external-id", "a")
        self.assertIn("external ID", p.stderr)
        self.assertFalse(os.path.exists(os.path.join(ws.dir.name, "connections.json")))

    def test_edge_values_are_accepted(self):
        ws = Workspace()
        p = ws.rsx("connections", "add", "a.b_c-1", "--region", "us-gov-west-1", "--workgroup", "w-1",
                   "--database", "_d$1", "--role-arn", "arn:aws-us-gov:iam::222222222222:role/path/r+=,.@-_")
        self.assertEqual(p.returncode, 0, p.stderr)

    def test_a_damaged_external_id_is_reported_and_left_untouched(self):
        ws = Workspace()
        path = os.path.join(ws.dir.name, "external_id")
        for damaged in ("3f0c2c35-aaaa-5bbb-8ccc-0123456789ab\n", "3F0C2C35-AAAA-4BBB-8CCC-0123456789AB", "x"):
            with open(path, "w") as f:
                f.write(damaged)
            p = ws.rsx("connections", "add", "c3", "--region", "us-east-1", "--workgroup", "default",
                       "--database", "dev", "--role-arn", "arn:aws:iam::222222222222:role/full")
            self.assertNotEqual(p.returncode, 0, damaged)
            self.assertIn("corrupt", p.stderr)
            with open(path) as f:
                self.assertEqual(f.read(), damaged)

    def test_corrupt_workspace_is_reported_and_left_untouched(self):
        ws = Workspace()
        path = os.path.join(ws.dir.name, "connections.json")
        with open(path, "w") as f:
            f.write('{"connections": {"a": ')
        p = ws.add("c2")
        self.assertNotEqual(p.returncode, 0)
        self.assertIn("corrupt", p.stderr)
        with open(path) as f:
            self.assertEqual(f.read(), '{"connections": {"a": ')
        self.assertNotEqual(ws.rsx("connections", "list").returncode, 0)

    def test_concurrent_adds_do_not_corrupt(self):
        ws = Workspace()
        results = []

        def add(i):
            results.append(ws.add("c%02d" % i).returncode)
        threads = [threading.Thread(target=add, args=(i,)) for i in range(12)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        self.assertEqual(results, [0] * 12)
        names = [l.split()[0] for l in ws.rsx("connections", "list").stdout.splitlines()]
        self.assertEqual(sorted(names), ["c%02d" % i for i in range(12)])

    def test_show_remove_and_unknown(self):
        ws = Workspace()
        ws.add("c1")
        cfg = json.loads(ws.rsx("connections", "show", "c1").stdout)
        self.assertEqual(cfg["workgroup"], "default")
        self.assertEqual(ws.rsx("connections", "remove", "c1").returncode, 0)
        p = ws.rsx("connections", "show", "c1")
        self.assertEqual(p.returncode, 1)
        self.assertIn("no connection named 'c1'", p.stderr)


if __name__ == "__main__":
    unittest.main()
