"""rsx sync --via unload against rsx-emulator: a table of odd types (numeric(38,10), timestamptz,
unicode, quotes, newlines and delimiters in text, NULL next to empty strings, SUPER, VARBYTE,
NaN) gives exactly what the Data API path gives, in both formats, with the emulator's S3 and
with moto_server as the stage; the staged files are gone afterwards; kill -9 during the
download loses and repeats nothing; incremental syncs with hostile text cursors match pages;
names UNLOAD cannot carry fall back to pages; bad settings are named.

The row count is RSX_UNLOAD_TEST_ROWS (default 60,000; 8,000 under sanitizers);
bench/unload.sh runs the same comparison at 10 million rows."""
import csv
import json
import os
import signal
import subprocess
import tempfile
import time
import unittest
import urllib.request

import boto3

from emulator_fixture import Emulator, NO_RETRY, start_moto

RSX = os.environ.get("RSX_BIN", os.path.join(os.path.dirname(__file__), "../../build/rsx"))
# Sanitizer builds run 5-20x slower: a smaller table there.
ROWS = int(os.environ.get("RSX_UNLOAD_TEST_ROWS", "8000" if os.environ.get("RSX_SANITIZED") else "60000"))
EMU = None

# Every 8th text value repeats; NULL and '' are both among them.
ODD_TABLE = r"""
create table odd (
  id bigint primary key,
  amount numeric(38,10),
  at timestamptz,
  note varchar(200),
  ratio float8,
  flag boolean,
  day date,
  doc jsonb,
  raw bytea);
insert into odd
select i,
  case when i % 13 = 0 then null
       else ((i * 12345678901.0123456789) / 7 * (case when i % 2 = 0 then -1 else 1 end))::numeric(38,10) end,
  case when i % 17 = 0 then null
       else timestamptz '2001-02-03 04:05:06.789+00' + i * interval '17 minutes 3.123456 seconds' end,
  case i % 8 when 0 then 'plain ' || i
             when 1 then 'unicode é漢字🙂 ' || i
             when 2 then '"quoted", ' || i || ' ''single'''
             when 3 then E'line\nbreak\r\nand tab\t' || i
             when 4 then ''
             when 5 then null
             when 6 then E'back\\slash\\' || i
             else 'a,b;c|d ' || i end,
  case when i % 1000 = 7 then 'NaN'::float8 else i * 0.1 end,
  case when i % 3 = 0 then null else i % 2 = 0 end,
  date '2000-01-01' + (i % 5000),
  case when i % 11 = 0 then null
       else jsonb_build_object('k', i, 's', 'x"y\z', 'a', jsonb_build_array(1, 'two', null)) end,
  case when i % 5 = 0 then null else decode(lpad(to_hex(i), 8, '0'), 'hex') end
from generate_series(1, {ROWS}) i;
"""


def setUpModule():
    global EMU
    EMU = Emulator()
    EMU.psql(ODD_TABLE.replace("{ROWS}", str(ROWS)))


def tearDownModule():
    EMU.stop()


def env(emu=None, **extra):
    return (emu or EMU).rsx_env(**extra)


def sync(*args, check=True, emu=None, **extra):
    p = subprocess.run([RSX, "sync"] + list(args), capture_output=True, text=True, env=env(emu, **extra),
                       timeout=1200)
    if check and p.returncode != 0:
        raise AssertionError("rsx sync %s exited %d: %s" % (" ".join(args), p.returncode, p.stderr))
    return p


def reader_s3(emu=None):
    """The emulator's S3 as the customer role (the identity rsx reads the stage with)."""
    emu = emu or EMU
    creds = emu.assume(external_id=emu.env["RSX_EXTERNAL_ID"])
    return emu.client("s3", creds["AccessKeyId"], creds["SecretAccessKey"], creds["SessionToken"], config=NO_RETRY)


def staged(s3, bucket="rsx-stage", prefix="unload/"):
    return [o["Key"] for o in s3.list_objects_v2(Bucket=bucket, Prefix=prefix).get("Contents", [])]


def load(path):
    with open(path) as f:
        return json.load(f)


def text(path):
    with open(path) as f:
        return f.read()


def records(path, fmt):
    """The file's rows, sorted: JSON lines as they are, CSV as parsed records."""
    if fmt == "jsonl":
        with open(path, "rb") as f:
            lines = f.read().split(b"\n")
        assert lines[-1] == b"", "the file does not end with a newline"
        return sorted(lines[:-1])
    with open(path, newline="") as f:
        rows = list(csv.reader(f))
    return [rows[0]] + sorted(rows[1:])


def multiset(path, fmt):
    """(records, an order-free digest of them): equal for two files holding the same rows."""
    import hashlib
    n, acc = 0, 0
    with open(path, "rb" if fmt == "jsonl" else "r", **({} if fmt == "jsonl" else {"newline": ""})) as f:
        rows = f if fmt == "jsonl" else (json.dumps(r).encode() for r in csv.reader(f))
        for row in rows:
            acc = (acc + int.from_bytes(hashlib.blake2b(row, digest_size=16).digest(), "little")) % (1 << 128)
            n += 1
    return n, acc


def manifest_entry(out, stream):
    m = load(os.path.join(out, "manifest.json"))
    return [s for s in m["streams"] if s["stream"] == stream][0]


class OddTypes(unittest.TestCase):
    def test_unload_equals_pages_in_both_formats_and_cleans_the_stage(self):
        s3 = reader_s3()
        count = int(EMU.psql("select count(*) from odd")[0][0])
        self.assertEqual(count, ROWS)
        for fmt in ("jsonl", "csv"):
            with tempfile.TemporaryDirectory() as pages, tempfile.TemporaryDirectory() as unload:
                sync("--stream", "public.odd", "--to", pages, "--format", fmt, "--via", "pages")
                p = sync("--stream", "public.odd", "--to", unload, "--format", fmt, "--via", "unload")
                entry = manifest_entry(unload, "public.odd")
                self.assertEqual(entry["via"], "unload")
                self.assertEqual(entry["rows"], ROWS)
                self.assertGreaterEqual(entry["unload_files"], 4)  # one per slice at least
                self.assertEqual(manifest_entry(pages, "public.odd")["via"], "pages")
                a, b = records(os.path.join(pages, "public.odd." + fmt), fmt), \
                    records(os.path.join(unload, "public.odd." + fmt), fmt)
                self.assertEqual(len(b), ROWS + (1 if fmt == "csv" else 0))
                self.assertTrue(a == b, "%s: unload differs from pages (first difference: %r)" % (
                    fmt, next(((x, y) for x, y in zip(a, b) if x != y), None)))
                self.assertEqual(staged(s3), [], "staged files left behind")
                state = load(os.path.join(unload, ".rsx-state.json"))["streams"]["public.odd"]
                self.assertTrue(state["complete"])
                self.assertNotIn("unload", state)
                self.assertNotIn("error", p.stderr)
        # Spot checks against psql: exact decimals (read as text, never as floats), NULL versus ''.
        with tempfile.TemporaryDirectory() as out:
            sync("--stream", "public.odd", "--to", out, "--via", "unload")
            rows = {}
            for line in text(os.path.join(out, "public.odd.jsonl")).splitlines():
                r = json.loads(line, parse_float=lambda x: x)
                rows[r["id"]] = r
            for i in (1, 2, 4, 5, 12, 13, 22, 7007):
                amount, note = EMU.psql("select amount, note from odd where id = %d" % i)[0]
                self.assertEqual(rows[i]["amount"], None if amount == "\\N" else amount, i)
                self.assertEqual(rows[i]["note"], None if note == "\\N" else note, i)
            self.assertEqual(rows[7007]["ratio"], "NaN")

    def test_keep_staged_leaves_the_files_and_manifest(self):
        s3 = reader_s3()
        with tempfile.TemporaryDirectory() as out:
            sync("--stream", "public.venue", "--to", out, "--via", "unload", "--keep-staged")
            keys = staged(s3)
            try:
                self.assertTrue(any(k.endswith("/manifest") for k in keys), keys)
                self.assertTrue(all(k.startswith("unload/rsx-") for k in keys), keys)
            finally:
                s3.delete_objects(Bucket="rsx-stage", Delete={"Objects": [{"Key": k} for k in keys]})


class Resume(unittest.TestCase):
    def fault(self, **f):
        req = urllib.request.Request(EMU.url + "/_emulator/faults", method="POST", data=json.dumps(f).encode())
        urllib.request.urlopen(req).read()

    def executes(self):
        with urllib.request.urlopen(EMU.url + "/_emulator/stats") as r:
            return json.load(r)["calls"].get("ExecuteStatement", 0)

    def clear_faults(self):
        urllib.request.urlopen(urllib.request.Request(EMU.url + "/_emulator/faults", method="DELETE")).read()

    def test_kill_9_during_the_download_then_rerun(self):
        s3 = reader_s3()
        with tempfile.TemporaryDirectory() as pages, tempfile.TemporaryDirectory() as out:
            sync("--stream", "public.odd", "--to", pages, "--via", "pages")
            # Every GET waits, so the download takes seconds; one connection, small ranges.
            self.fault(operation="GetObject", nth=1, count=100000, action="delay", delay_ms=150)
            try:
                proc = subprocess.Popen([RSX, "sync", "--stream", "public.odd", "--to", out, "--via", "unload",
                                         "--unload-connections", "1"], env=env(),
                                                        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
                state_path = os.path.join(out, ".rsx-state.json")
                deadline = time.time() + 120
                killed_at = None
                while time.time() < deadline and proc.poll() is None:
                    try:
                        st = load(state_path)["streams"]["public.odd"]
                    except (OSError, ValueError, KeyError):
                        st = {}
                    if st.get("unload", {}).get("entries_done", 0) >= 1:
                        proc.send_signal(signal.SIGKILL)
                        killed_at = st
                        break
                    time.sleep(0.02)
                proc.wait()
                self.assertIsNotNone(killed_at, "the sync ended before a file was checkpointed")
                self.assertEqual(proc.returncode, -signal.SIGKILL)
            finally:
                self.clear_faults()
            killed_state = load(state_path)["streams"]["public.odd"]
            self.assertIn("unload", killed_state)
            self.assertTrue(killed_state["unload"]["unloaded"])
            prefix = killed_state["unload"]["prefix"]
            self.assertTrue(staged(s3), "the staged files must survive the crash")
            # Tear the last line, as a crash inside a write would.
            with open(os.path.join(out, "public.odd.jsonl"), "ab") as f:
                f.write(b'{"id":')
            p = sync("--stream", "public.odd", "--to", out, "--via", "unload")
            self.assertEqual(records(os.path.join(out, "public.odd.jsonl"), "jsonl"),
                             records(os.path.join(pages, "public.odd.jsonl"), "jsonl"))
            self.assertEqual(staged(s3), [], "staged files left behind after the rerun")
            state = load(state_path)["streams"]["public.odd"]
            self.assertEqual(state["rows"], ROWS)
            self.assertNotIn("unload", state)
            self.assertNotIn(prefix, p.stderr)  # continued, not abandoned

    def test_kill_9_while_the_unload_runs_then_rerun(self):
        s3 = reader_s3()
        with tempfile.TemporaryDirectory() as out:
            # A sync of venue submits discovery's statements, then the UNLOAD last: count them.
            before = self.executes()
            sync("--stream", "public.venue", "--to", out, "--via", "unload")
            nth = self.executes() - before
            # The UNLOAD stays STARTED until cancelled: the crash comes while it runs.
            self.fault(operation="ExecuteStatement", nth=nth, count=1, action="stall_statement", message="stalled")
            try:
                proc = subprocess.Popen([RSX, "sync", "--stream", "public.venue", "--to", out, "--via", "unload"],
                                        env=env(), stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
                state_path = os.path.join(out, ".rsx-state.json")
                deadline = time.time() + 60
                statement = None
                while time.time() < deadline and proc.poll() is None and not statement:
                    try:
                        statement = load(state_path)["streams"]["public.venue"]["unload"].get("statement_id")
                    except (OSError, ValueError, KeyError):
                        pass
                    time.sleep(0.02)
                proc.send_signal(signal.SIGKILL)
                proc.wait()
                self.assertTrue(statement, "the UNLOAD's statement id was not checkpointed")
            finally:
                self.clear_faults()
            data = EMU.data(creds=EMU.assume(external_id=EMU.env["RSX_EXTERNAL_ID"]))
            self.assertEqual(data.describe_statement(Id=statement)["Status"], "STARTED")
            sync("--stream", "public.venue", "--to", out, "--via", "unload")
            self.assertEqual(data.describe_statement(Id=statement)["Status"], "ABORTED")  # cancelled, then rerun
            n = int(EMU.psql("select count(*) from venue")[0][0])
            ids = sorted(json.loads(l)["venueid"] for l in text(os.path.join(out, "public.venue.jsonl")).splitlines())
            self.assertEqual(ids, sorted(int(r[0]) for r in EMU.psql("select venueid from venue")))
            self.assertEqual(len(ids), n)
            self.assertEqual(staged(s3), [])

    def test_a_pending_unload_abandoned_by_a_pages_run_starts_over(self):
        s3 = reader_s3()
        with tempfile.TemporaryDirectory() as out:
            sync("--stream", "public.venue", "--to", out, "--via", "unload", "--keep-staged")
            state_path = os.path.join(out, ".rsx-state.json")
            doc = load(state_path)
            st = doc["streams"]["public.venue"]
            keys = staged(s3)
            prefix = "s3://rsx-stage/" + [k for k in keys if k.endswith("/manifest")][0][:-len("manifest")]
            # As if killed after the UNLOAD finished, before any file was read.
            st.update(complete=False, rows=0, file_bytes=0)
            st["unload"] = {"prefix": prefix, "unloaded": True, "entries_done": 0, "start_bytes": 0, "start_rows": 0}
            with open(state_path, "w") as f:
                json.dump(doc, f)
            open(os.path.join(out, "public.venue.jsonl"), "w").close()
            # A part file a crashed parallel read left behind.
            with open(os.path.join(out, ".rsx-unload-part-1"), "w") as f:
                f.write('{"venueid":')
            p = sync("--stream", "public.venue", "--to", out, "--via", "pages")
            self.assertIn("abandoned", p.stderr)
            self.assertIn(prefix, p.stderr)
            self.assertFalse(os.path.exists(os.path.join(out, ".rsx-unload-part-1")))
            n = int(EMU.psql("select count(*) from venue")[0][0])
            self.assertEqual(len(text(os.path.join(out, "public.venue.jsonl")).splitlines()), n)
            # A state whose UNLOAD read points outside the stage: neither read nor deleted.
            doc = load(state_path)
            doc["streams"]["public.venue"].update(complete=False, rows=0, file_bytes=0)
            doc["streams"]["public.venue"]["unload"] = {
                "prefix": "s3://rsx-stage/elsewhere/", "unloaded": True, "entries_done": 0,
                "start_bytes": 0, "start_rows": 0}
            with open(state_path, "w") as f:
                json.dump(doc, f)
            p = sync("--stream", "public.venue", "--to", out, "--via", "unload")
            self.assertIn("outside this run's stage", p.stderr)
            self.assertEqual(len(text(os.path.join(out, "public.venue.jsonl")).splitlines()), n)
            # Malformed UNLOAD progress: an error naming the field, the state left as it was.
            for bad, field in (({"prefix": 5}, "unload.prefix"), ({"prefix": "rsx-stage/x/"}, "unload.prefix"),
                               ({"prefix": prefix, "entries_done": -1}, "unload"),
                               ({"prefix": prefix, "upper": 3}, "unload.upper")):
                doc = load(state_path)
                doc["streams"]["public.venue"]["unload"] = bad
                with open(state_path, "w") as f:
                    json.dump(doc, f)
                before = text(state_path)
                p = sync("--stream", "public.venue", "--to", out, "--via", "unload", check=False)
                self.assertEqual(p.returncode, 2, p.stderr)
                self.assertIn(field, p.stderr)
                self.assertEqual(text(state_path), before)
            s3.delete_objects(Bucket="rsx-stage", Delete={"Objects": [{"Key": k} for k in keys]})


class Incremental(unittest.TestCase):
    HOSTILE = ["it's", "it''s", "back\\", "\\'", "'); drop table cur; --", "$$x$$", "/* c */", "a\nb",
               "tab\tz", "é漢字", "' || CHR(92) || '", "%_", ""]

    def test_hostile_text_cursor_matches_pages_across_runs(self):
        EMU.psql("drop table if exists cur; create table cur (k int primary key, c varchar(100), v text)")
        values = ",".join("(%d, %s, 'first %d')" % (i, "'" + v.replace("'", "''") + "'", i)
                          for i, v in enumerate(self.HOSTILE))
        EMU.psql("insert into cur values " + values)
        self.assertEqual(int(EMU.psql("select count(*) from cur")[0][0]), len(self.HOSTILE))
        with tempfile.TemporaryDirectory() as pages, tempfile.TemporaryDirectory() as unload:
            for d, via in ((pages, "pages"), (unload, "unload")):
                sync("--stream", "public.cur", "--incremental", "--cursor", "c", "--to", d, "--via", via)
            # New rows at, below and above the boundary (the largest cursor value), and a new
            # key at an old hostile value.
            top = EMU.psql("select max(c) from cur")[0][0].replace("'", "''")
            EMU.psql("insert into cur values (100, '%s', 'same cursor, new key'), (101, '%s~', 'above'), "
                     "(102, 'it''s', 'below: not read')" % (top, top))
            for d, via in ((pages, "pages"), (unload, "unload")):
                sync("--stream", "public.cur", "--incremental", "--cursor", "c", "--to", d, "--via", via)
                sync("--stream", "public.cur", "--incremental", "--cursor", "c", "--to", d, "--via", via)
            a = text(os.path.join(pages, "public.cur.jsonl")).split("\n")
            b = text(os.path.join(unload, "public.cur.jsonl")).split("\n")
            self.assertEqual(sorted(a), sorted(b))
            keys = sorted(json.loads(l)["k"] for l in b if l)
            self.assertEqual(keys, list(range(len(self.HOSTILE))) + [100, 101])
            sa = load(os.path.join(pages, ".rsx-state.json"))["streams"]["public.cur"]
            sb = load(os.path.join(unload, ".rsx-state.json"))["streams"]["public.cur"]
            self.assertEqual(sa["boundary_cursor"], sb["boundary_cursor"])
            self.assertEqual(sa["boundary_keys"], sb["boundary_keys"])
        self.assertEqual(int(EMU.psql("select count(*) from cur")[0][0]), len(self.HOSTILE) + 3)

    def test_timestamptz_cursor_matches_pages(self):
        with tempfile.TemporaryDirectory() as pages, tempfile.TemporaryDirectory() as unload:
            for d, via in ((pages, "pages"), (unload, "unload")):
                sync("--stream", "public.odd", "--incremental", "--cursor", "at", "--to", d, "--via", via)
            EMU.psql("insert into odd (id, at, note) select id + 10000000, at, 'again' from odd "
                     "where at = (select max(at) from odd)")
            for d, via in ((pages, "pages"), (unload, "unload")):
                sync("--stream", "public.odd", "--incremental", "--cursor", "at", "--to", d, "--via", via)
            a = records(os.path.join(pages, "public.odd.jsonl"), "jsonl")
            b = records(os.path.join(unload, "public.odd.jsonl"), "jsonl")
            self.assertEqual(a, b)
            nulls = int(EMU.psql("select count(*) from odd where at is null")[0][0])
            self.assertEqual(len(b), ROWS + 1 - nulls)
        EMU.psql("delete from odd where id > 10000000")


class Settings(unittest.TestCase):
    def test_backslash_in_a_name_falls_back_to_pages(self):
        EMU.psql('create table "we\\ird" ("a\\b" int primary key); insert into "we\\ird" values (1), (2)')
        with tempfile.TemporaryDirectory() as out:
            p = sync("--stream", 'public.we\\ird', "--to", out, "--via", "unload")
            self.assertIn("read by pages, not UNLOAD", p.stderr)
            self.assertEqual(manifest_entry(out, "public.we\\ird")["via"], "pages")
            self.assertEqual(manifest_entry(out, "public.we\\ird")["rows"], 2)

    def test_unload_without_a_stage_is_refused_by_name(self):
        e = env()
        del e["RSX_STAGE"]
        with tempfile.TemporaryDirectory() as out:
            p = subprocess.run([RSX, "sync", "--stream", "public.venue", "--to", out, "--via", "unload"],
                               capture_output=True, text=True, env=e, timeout=60)
            self.assertEqual(p.returncode, 2, p.stderr)
            self.assertIn("--via unload needs a stage", p.stderr)
            for bad, what in ((["--stage", "rsx-stage/x"], "--stage"),
                              (["--stage", "s3://rsx-stage/x", "--unload-role", "arn:aws:iam::1:user/u"], "--unload-role"),
                              (["--via", "sideways"], "--via")):
                p = subprocess.run([RSX, "sync", "--stream", "public.venue", "--to", out, "--via", "unload"] + bad,
                                   capture_output=True, text=True, env=e, timeout=60)
                self.assertNotEqual(p.returncode, 0)
                self.assertIn(what, p.stderr)

    def test_auto_uses_unload_only_from_the_threshold(self):
        with tempfile.TemporaryDirectory() as out:
            sync("--stream", "public.venue", "--stream", "public.sales", "--to", out, "--via", "auto",
                 "--unload-min-rows", "10000")
            self.assertEqual(manifest_entry(out, "public.venue")["via"], "pages")
            self.assertEqual(manifest_entry(out, "public.sales")["via"], "unload")

    def test_a_stage_the_role_cannot_read_names_the_action(self):
        with tempfile.TemporaryDirectory() as out:
            p = sync("--stream", "public.venue", "--to", out, "--via", "unload", "--stage", "s3://rsx-stage/elsewhere/",
                     check=False)
            self.assertNotEqual(p.returncode, 0)
            self.assertIn("AccessDenied", p.stderr)


class TrustDocuments(unittest.TestCase):
    def rsx(self, home, *args):
        e = env(RSX_HOME=home, HOME=home)
        return subprocess.run([RSX] + list(args), capture_output=True, text=True, env=e, timeout=120)

    def test_connections_add_prints_both_stage_policies_and_saves_the_settings(self):
        with tempfile.TemporaryDirectory() as home:
            p = self.rsx(home, "connections", "add", "acme", "--region", "us-east-1", "--workgroup", "default",
                         "--database", "dev", "--role-arn", EMU.env["RSX_ROLE_ARN"],
                         "--stage", "s3://rsx-stage/unload/", "--unload-role", "default")
            self.assertEqual(p.returncode, 0, p.stderr)
            docs = []
            dec = json.JSONDecoder()
            for marker in ("Stage policy for UNLOAD", "Stage policy for Redshift"):
                self.assertIn(marker, p.stdout)
                rest = p.stdout[p.stdout.index(marker):]
                docs.append(dec.raw_decode(rest[rest.index("{"):])[0])
            connector, redshift = docs
            actions = {a for st in connector["Statement"] for a in st["Action"]}
            self.assertEqual(actions, {"s3:GetObject", "s3:DeleteObject", "s3:ListBucket", "s3:GetBucketLocation"})
            objects = [st for st in connector["Statement"] if "s3:GetObject" in st["Action"]][0]
            self.assertEqual(objects["Resource"], "arn:aws:s3:::rsx-stage/unload/*")
            listing = [st for st in connector["Statement"] if "s3:ListBucket" in st["Action"]][0]
            self.assertEqual(listing["Condition"]["StringLike"]["s3:prefix"], ["unload/*"])
            self.assertIn("s3:PutObject", {a for st in redshift["Statement"] for a in st["Action"]})
            self.assertNotIn("s3:PutObject", actions)
            saved = json.loads(self.rsx(home, "connections", "show", "acme").stdout)
            self.assertEqual(saved["unload"], {"stage": "s3://rsx-stage/unload/", "iam_role": "default"})
            p = self.rsx(home, "connections", "add", "bad", "--region", "us-east-1", "--workgroup", "default",
                         "--database", "dev", "--role-arn", EMU.env["RSX_ROLE_ARN"], "--stage", "rsx-stage/unload")
            self.assertNotEqual(p.returncode, 0)
            self.assertIn("--stage", p.stderr)

    def test_check_probes_the_stage_by_action(self):
        with tempfile.TemporaryDirectory() as home:
            ok = self.rsx(home, "check")
            self.assertEqual(ok.returncode, 0, ok.stdout + ok.stderr)
            for action in ("s3:ListBucket", "s3:GetObject", "s3:DeleteObject", "s3:GetBucketLocation"):
                self.assertRegex(ok.stdout, action + r" +granted")
            bad = self.rsx(home, "check", "--stage", "s3://rsx-stage/other/")
            self.assertEqual(bad.returncode, 1)
            for action in ("s3:ListBucket", "s3:GetObject", "s3:DeleteObject"):
                self.assertRegex(bad.stdout, action + r" +denied")
            self.assertRegex(bad.stdout, r"s3:GetBucketLocation +granted")
            self.assertIn('"s3:ListBucket", "s3:GetObject", "s3:DeleteObject"', bad.stdout)
            region = self.rsx(home, "check", "--unload-region", "eu-west-1")
            self.assertIn("set --unload-region us-east-1", region.stdout)


class MotoStage(unittest.TestCase):
    def test_unload_through_moto_equals_pages(self):
        moto, url = start_moto()
        emu = None
        try:
            s3 = boto3.client("s3", endpoint_url=url, region_name="us-east-1", aws_access_key_id="testing",
                              aws_secret_access_key="testing")
            s3.create_bucket(Bucket="moto-stage")
            emu = Emulator(args=["--s3-endpoint", url])
            emu.psql(ODD_TABLE.replace("{ROWS}", str(ROWS)))
            for fmt in ("jsonl", "csv"):
                with tempfile.TemporaryDirectory() as pages, tempfile.TemporaryDirectory() as unload:
                    sync("--stream", "public.odd", "--to", pages, "--format", fmt, "--via", "pages", emu=emu)
                    sync("--stream", "public.odd", "--to", unload, "--format", fmt, "--via", "unload", emu=emu,
                         AWS_ENDPOINT_URL_S3=url, RSX_STAGE="s3://moto-stage/unload/")
                    self.assertEqual(manifest_entry(unload, "public.odd")["via"], "unload")
                    a = multiset(os.path.join(pages, "public.odd." + fmt), fmt)
                    b = multiset(os.path.join(unload, "public.odd." + fmt), fmt)
                    self.assertEqual(b[0], ROWS + (1 if fmt == "csv" else 0))
                    self.assertEqual(a, b, "%s: unload through moto differs from pages" % fmt)
                    self.assertEqual(staged(s3, "moto-stage"), [])
        finally:
            if emu:
                emu.stop()
            moto.kill()
            moto.wait()


if __name__ == "__main__":
    unittest.main()
