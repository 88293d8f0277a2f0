"""Malformed input, table-driven: state files, Airbyte and Singer configs, catalogs and states,
connection files under RSX_HOME and a sync's saved state, each broken in the ways a user's
files break (wrong types, missing fields, nulls, huge numbers, deep nesting, invalid UTF-8,
truncated files, a directory instead of a file).

Every case must exit 2 (Airbyte: a TRACE ERROR message and exit 1) with a message naming the
field or file, never abort, and leave the input byte-identical."""
import json
import os
import shutil
import subprocess
import tempfile
import unittest

from emulator_fixture import Emulator

RSX = os.environ.get("RSX_BIN", os.path.join(os.path.dirname(__file__), "../../build/rsx"))
EMU = None

DIR = object()  # a directory where a file is expected

STATE_OK = {"mode": "full_refresh", "key_columns": ["salesid"], "columns": ["salesid"], "key": ["10"],
            "rows": 10, "complete": False, "file_bytes": 0}


def sync_state(**stream):
    return json.dumps({"streams": {"public.sales": dict(STATE_OK, **stream)}})


DEEP = "[" * 100000 + "]" * 100000
TRUNCATED_STATE = sync_state()[:-7]
BAD_UTF8 = b'{"streams": {"public.sales": {"mode": "full_refresh", "key": ["\xff\xfe"]}}}'

# (name, text or bytes or DIR, what the message must name)
SYNC_STATES = [
    ("key_is_a_string", json.dumps({"streams": {"public.sales": {"mode": "full_refresh", "key": "8000"}}}), "key"),
    ("key_holds_a_number", sync_state(key=[8000]), "key[0]"),
    ("key_holds_null", sync_state(key=[None]), "key[0]"),
    ("mode_unknown", sync_state(mode="sideways"), "mode"),
    ("mode_null", sync_state(mode=None), "mode"),
    ("rows_is_a_string", sync_state(rows="ten"), "rows"),
    ("rows_huge", sync_state(rows=1e300), "rows"),
    ("file_bytes_negative_huge", sync_state(file_bytes=-1e30), "file_bytes"),
    ("file_bytes_is_a_list", sync_state(file_bytes=[1]), "file_bytes"),
    ("complete_is_a_string", sync_state(complete="yes"), "complete"),
    ("columns_is_an_object", sync_state(columns={"a": 1}), "columns"),
    ("key_columns_null_entry", sync_state(key_columns=[None]), "key_columns[0]"),
    ("boundary_keys_not_lists", sync_state(mode="incremental", cursor="saletime", boundary_keys=[5]), "boundary_keys"),
    ("streams_is_a_list", json.dumps({"streams": []}), "streams"),
    ("stream_is_a_string", json.dumps({"streams": {"public.sales": "done"}}), "public.sales"),
    ("top_level_a_list", json.dumps([1, 2]), "state"),
    ("deep_nesting", '{"streams": {"public.sales": {"key": ' + DEEP + "}}}", "state"),
    ("truncated", TRUNCATED_STATE, "state"),
    ("invalid_utf8", BAD_UTF8, "UTF-8"),
    ("a_directory", DIR, "directory"),
]

AIRBYTE_STREAM = {"name": "sales", "namespace": "public", "supported_sync_modes": ["full_refresh", "incremental"],
                  "json_schema": {"type": "object", "properties": {"salesid": {}, "saletime": {}}}}


def ab_catalog(**configured):
    c = {"stream": AIRBYTE_STREAM, "sync_mode": "full_refresh", "destination_sync_mode": "append"}
    c.update(configured)
    return json.dumps({"streams": [c]})


def ab_state(stream_state, descriptor=None):
    return json.dumps([{"type": "STREAM", "stream": {
        "stream_descriptor": descriptor if descriptor is not None else {"name": "sales", "namespace": "public"},
        "stream_state": stream_state}}])


# Airbyte: (name, which file, content, what the TRACE ERROR must name)
AIRBYTE = [
    ("config_region_a_number", "config", {"region": 5}, "region"),
    ("config_unknown_key", "config", {"regoin": "x"}, "regoin"),
    ("config_not_an_object", "config", "[1]", "config"),
    ("config_truncated", "config", '{"region": "us-east-1", "workg', "config"),
    ("config_max_concurrent_huge", "config", {"max_concurrent_statements": 1e40}, "max_concurrent_statements"),
    ("config_a_directory", "config", DIR, "directory"),
    ("catalog_streams_an_object", "catalog", json.dumps({"streams": {}}), "catalog"),
    ("catalog_stream_missing", "catalog", json.dumps({"streams": [{"sync_mode": "full_refresh"}]}), "streams[0].stream"),
    ("catalog_name_a_number", "catalog", ab_catalog(stream=dict(AIRBYTE_STREAM, name=5)), "stream.name"),
    ("catalog_cursor_field_a_string", "catalog", ab_catalog(sync_mode="incremental", cursor_field="saletime"),
     "cursor_field"),
    ("catalog_primary_key_flat", "catalog", ab_catalog(primary_key=["salesid"]), "primary_key"),
    ("catalog_properties_a_list", "catalog",
     ab_catalog(stream=dict(AIRBYTE_STREAM, json_schema={"properties": []})), "properties"),
    ("catalog_invalid_utf8", "catalog", b'{"streams": [{"stream": {"name": "\xc3\x28"}}]}', "UTF-8"),
    ("state_descriptor_a_string", "state", ab_state({"mode": "full_refresh"}, descriptor="public.sales"),
     "stream_descriptor"),
    ("state_key_a_string", "state", ab_state(dict(STATE_OK, key="8000")), "stream_state.key"),
    ("state_type_global", "state", json.dumps([{"type": "GLOBAL", "global": {}}]), "type"),
    ("state_not_a_list", "state", json.dumps({"streams": 5}), "state"),
    ("state_deep", "state", DEEP, "state"),
]


def singer_catalog(metadata):
    return json.dumps({"streams": [{"tap_stream_id": "public-sales", "metadata": metadata}]})


# Singer: (name, which file, content, what the CRITICAL message must name)
SINGER = [
    ("config_database_null", "config", {"database": None}, "database"),
    ("config_schemas_a_string", "config", {"schemas": "public"}, "schemas"),
    ("config_truncated", "config", '{"region": ', "config"),
    ("catalog_tap_stream_id_a_number", "catalog", json.dumps({"streams": [{"tap_stream_id": 7}]}), "tap_stream_id"),
    ("catalog_metadata_an_object", "catalog", json.dumps({"streams": [{"metadata": {}}]}), "metadata"),
    ("catalog_breadcrumb_a_number", "catalog", singer_catalog([{"breadcrumb": 3, "metadata": {}}]), "breadcrumb"),
    ("catalog_replication_key_a_list", "catalog",
     singer_catalog([{"breadcrumb": [], "metadata": {"selected": True, "replication-key": ["saletime"]}}]),
     "replication-key"),
    ("catalog_a_directory", "catalog", DIR, "directory"),
    ("state_bookmarks_a_list", "state", json.dumps({"bookmarks": []}), "bookmarks"),
    ("state_bookmark_cursor_a_number", "state",
     json.dumps({"bookmarks": {"public-sales": {"mode": "incremental", "cursor": 5}}}), "cursor"),
    ("state_invalid_utf8", "state", b'{"bookmarks": {"\xff": {}}}', "UTF-8"),
]

# Connection files under RSX_HOME: (name, connections.json content, what the message must name)
CONNECTION_FILES = [
    ("not_json", "{connections: ", "connections.json"),
    ("connections_a_list", json.dumps({"connections": []}), "connections.json"),
    ("region_a_number", json.dumps({"connections": {"c": {"region": 5}}}), "region"),
    ("unknown_key", json.dumps({"connections": {"c": {"wrkgroup": "x"}}}), "wrkgroup"),
    ("a_directory", DIR, "connections.json"),
]


def write(path, content):
    if content is DIR:
        os.makedirs(path)
        return
    data = content if isinstance(content, bytes) else content.encode()
    with open(path, "wb") as f:
        f.write(data)


def snapshot(path):
    if os.path.isdir(path):
        return ("dir", sorted(os.listdir(path)))
    with open(path, "rb") as f:
        return ("file", f.read())


def setUpModule():
    global EMU
    EMU = Emulator()


def tearDownModule():
    EMU.stop()


class Malformed(unittest.TestCase):
    cases = 0

    def setUp(self):
        self.dir = tempfile.mkdtemp()

    def tearDown(self):
        shutil.rmtree(self.dir, ignore_errors=True)

    def env(self, home=None):
        e = {k: v for k, v in os.environ.items() if not k.startswith(("AWS_", "RSX_"))}
        e.update({k: v for k, v in EMU.env.items() if k != "RSX_EMULATOR_PG_DSN"})
        e.update(AWS_EC2_METADATA_DISABLED="true", HOME=self.dir, RSX_HOME=home or os.path.join(self.dir, "home"))
        return e

    def run_rsx(self, args, home=None):
        return subprocess.run([RSX] + args, capture_output=True, env=self.env(home), timeout=120)

    def assert_refused(self, p, path, before, names, airbyte=False):
        Malformed.cases += 1
        out, err = p.stdout.decode(errors="replace"), p.stderr.decode(errors="replace")
        self.assertGreaterEqual(p.returncode, 0, "killed by a signal: " + err)
        self.assertNotIn("terminate called", err)
        if airbyte:
            self.assertEqual(p.returncode, 1, err)
            msgs = [json.loads(l) for l in out.splitlines()]
            self.assertTrue(msgs, err)
            self.assertEqual([m["type"] for m in msgs], ["TRACE"], out)
            self.assertEqual(msgs[-1]["trace"]["type"], "ERROR")
            message = msgs[-1]["trace"]["error"]["message"]
            self.assertEqual(msgs[-1]["trace"]["error"]["failure_type"], "config_error", message)
        else:
            self.assertEqual(p.returncode, 2, out + err)
            message = err
            self.assertNotIn("RECORD", out)
            self.assertNotIn("STATE", out)
        self.assertIn(names, message)
        self.assertEqual(snapshot(path), before, "the input was changed")

    def test_sync_state_files(self):
        for name, content, names in SYNC_STATES:
            with self.subTest(name):
                path = os.path.join(self.dir, name + ".state")
                write(path, content)
                before = snapshot(path)
                out = os.path.join(self.dir, name + "-out")
                p = self.run_rsx(["sync", "--stream", "public.sales", "--to", out, "--state", path])
                self.assert_refused(p, path, before, names)

    def test_saved_state_in_the_output_folder(self):
        for name, content, names in SYNC_STATES[:6] + [SYNC_STATES[-3]]:
            with self.subTest(name):
                out = os.path.join(self.dir, name + "-out")
                os.makedirs(out)
                path = os.path.join(out, ".rsx-state.json")
                write(path, content)
                before = snapshot(path)
                p = self.run_rsx(["sync", "--stream", "public.sales", "--to", out])
                self.assert_refused(p, path, before, names)

    def protocol_files(self, which, content):
        config = {"region": EMU.region, "workgroup": EMU.env["RSX_WORKGROUP"], "database": EMU.env["RSX_DATABASE"],
                  "role_arn": EMU.env["RSX_ROLE_ARN"], "external_id": EMU.env["RSX_EXTERNAL_ID"]}
        files = {}
        for kind in ("config", "catalog", "state"):
            path = os.path.join(self.dir, "%s-%d.json" % (kind, Malformed.cases))
            if kind == which:
                write(path, json.dumps(dict(config, **content)) if isinstance(content, dict) else content)
            elif kind == "config":
                write(path, json.dumps(config))
            elif kind == "catalog":
                write(path, ab_catalog())
            else:
                write(path, "[]")
            files[kind] = path
        return files

    def test_airbyte_read(self):
        for name, which, content, names in AIRBYTE:
            with self.subTest(name):
                files = self.protocol_files(which, content)
                before = snapshot(files[which])
                p = self.run_rsx(["airbyte", "read", "--config", files["config"], "--catalog", files["catalog"],
                                  "--state", files["state"]])
                self.assert_refused(p, files[which], before, names, airbyte=True)

    def test_singer(self):
        for name, which, content, names in SINGER:
            with self.subTest(name):
                files = self.protocol_files(which, content)
                if which != "catalog":
                    write(files["catalog"], singer_catalog([{"breadcrumb": [], "metadata": {"selected": True}}]))
                if which != "state":
                    write(files["state"], "{}")
                before = snapshot(files[which])
                p = self.run_rsx(["singer", "--config", files["config"], "--catalog", files["catalog"],
                                  "--state", files["state"]])
                self.assert_refused(p, files[which], before, names)

    def test_connection_files_under_rsx_home(self):
        for name, content, names in CONNECTION_FILES:
            with self.subTest(name):
                home = os.path.join(self.dir, name + "-home")
                os.makedirs(home, mode=0o700)
                path = os.path.join(home, "connections.json")
                write(path, content)
                before = snapshot(path)
                for args in (["query", "c", "select 1"], ["sync", "c", "--all", "--to", os.path.join(self.dir, "o")],
                             ["connections", "list"]):
                    p = self.run_rsx(args, home=home)
                    self.assert_refused(p, path, before, names)

    @classmethod
    def tearDownClass(cls):
        print("\nmalformed inputs refused: %d cases (%d files)" %
              (cls.cases, len(SYNC_STATES) + 7 + len(AIRBYTE) + len(SINGER) + len(CONNECTION_FILES)))


if __name__ == "__main__":
    unittest.main()
