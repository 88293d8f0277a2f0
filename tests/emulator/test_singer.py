"""rsx singer against rsx-emulator: discovery metadata; only selected streams and columns;
SCHEMA before RECORD; every RECORD valid against its SCHEMA; STATE holds the complete state;
a state round trip emits only new rows."""
import json
import os
import subprocess
import tempfile
import unittest

import jsonschema

from emulator_fixture import Emulator

RSX = os.environ.get("RSX_BIN", os.path.join(os.path.dirname(__file__), "../../build/rsx"))
EMU = None
# The Singer spec has no official message schema; this one follows SPEC.md.
MESSAGE = {
    "oneOf": [
        {"type": "object", "required": ["type", "stream", "schema", "key_properties"],
         "properties": {"type": {"const": "SCHEMA"}, "stream": {"type": "string"}, "schema": {"type": "object"},
                        "key_properties": {"type": "array", "items": {"type": "string"}},
                        "bookmark_properties": {"type": "array", "items": {"type": "string"}}}},
        {"type": "object", "required": ["type", "stream", "record"],
         "properties": {"type": {"const": "RECORD"}, "stream": {"type": "string"}, "record": {"type": "object"},
                        "time_extracted": {"type": "string", "pattern": "^\\d{4}-\\d{2}-\\d{2}T\\d{2}:\\d{2}:\\d{2}"}}},
        {"type": "object", "required": ["type", "value"],
         "properties": {"type": {"const": "STATE"}, "value": {"type": "object"}}},
    ]
}


def setUpModule():
    global EMU
    EMU = Emulator()


def tearDownModule():
    EMU.stop()


class Singer(unittest.TestCase):
    def setUp(self):
        self.dir = tempfile.TemporaryDirectory()
        self.config = os.path.join(self.dir.name, "config.json")
        json.dump({"region": EMU.region, "workgroup": EMU.env["RSX_WORKGROUP"], "database": EMU.env["RSX_DATABASE"],
                   "role_arn": EMU.env["RSX_ROLE_ARN"], "external_id": EMU.env["RSX_EXTERNAL_ID"],
                   "start_date": "2020-01-01T00:00:00Z"}, open(self.config, "w"))

    def tearDown(self):
        self.dir.cleanup()

    def singer(self, *args):
        env = {k: v for k, v in os.environ.items() if not k.startswith(("AWS_", "RSX_"))}
        env.update(AWS_ENDPOINT_URL=EMU.url, AWS_ACCESS_KEY_ID=EMU.env["AWS_ACCESS_KEY_ID"],
                   AWS_SECRET_ACCESS_KEY=EMU.env["AWS_SECRET_ACCESS_KEY"], AWS_EC2_METADATA_DISABLED="true",
                   RSX_HOME=self.dir.name, HOME=self.dir.name)
        return subprocess.run([RSX, "singer", "--config", self.config] + list(args), capture_output=True, text=True,
                              env=env, timeout=300)

    def messages(self, out):
        msgs = [json.loads(l) for l in out.splitlines()]
        schemas = {}
        for m in msgs:
            jsonschema.validate(m, MESSAGE)
            if m["type"] == "SCHEMA":
                schemas[m["stream"]] = m["schema"]
            if m["type"] == "RECORD":
                self.assertIn(m["stream"], schemas, "RECORD before its SCHEMA")
                jsonschema.validate(m["record"], schemas[m["stream"]])
        return msgs

    def select(self, catalog, stream_id, method="FULL_TABLE", key=None, columns=None):
        for s in catalog["streams"]:
            if s["tap_stream_id"] != stream_id:
                continue
            for m in s["metadata"]:
                if m["breadcrumb"] == []:
                    m["metadata"].update({"selected": True, "replication-method": method})
                    if key:
                        m["metadata"]["replication-key"] = key
                elif columns is not None:
                    m["metadata"]["selected"] = m["breadcrumb"][1] in columns
        path = os.path.join(self.dir.name, "catalog.json")
        json.dump(catalog, open(path, "w"))
        return path

    def discover(self):
        p = self.singer("--discover")
        self.assertEqual(p.returncode, 0, p.stderr)
        return json.loads(p.stdout)

    def test_discovery_metadata(self):
        cat = self.discover()
        sales = [s for s in cat["streams"] if s["tap_stream_id"] == "public-sales"][0]
        top = [m for m in sales["metadata"] if m["breadcrumb"] == []][0]["metadata"]
        self.assertEqual(top["table-key-properties"], ["salesid"])
        self.assertIn("saletime", top["valid-replication-keys"])
        self.assertEqual(top["schema-name"], "public")
        cols = {m["breadcrumb"][1]: m["metadata"] for m in sales["metadata"] if m["breadcrumb"]}
        self.assertEqual(cols["salesid"]["inclusion"], "automatic")
        self.assertEqual(cols["pricepaid"]["sql-datatype"], "numeric")
        jsonschema.Draft7Validator.check_schema(sales["schema"])

    def test_selected_streams_and_columns_only(self):
        path = self.select(self.discover(), "public-venue", columns=["venuename"])
        p = self.singer("--catalog", path)
        self.assertEqual(p.returncode, 0, p.stderr)
        msgs = self.messages(p.stdout)
        records = [m for m in msgs if m["type"] == "RECORD"]
        self.assertEqual({m["stream"] for m in msgs if "stream" in m}, {"public-venue"})
        self.assertEqual(len(records), 202)
        self.assertEqual(set(records[0]["record"]), {"venueid", "venuename"})  # key is automatic

    def test_incremental_state_round_trip(self):
        EMU.psql("create table sg_t (id int primary key, ts timestamp not null); "
                 "insert into sg_t select g, timestamp '2024-01-01' + g * interval '1 hour' from generate_series(1, 25) g")
        # Discovery must see the new table: discover after creating it.
        path = self.select(self.discover(), "public-sg_t", method="INCREMENTAL", key="ts")
        p = self.singer("--catalog", path)
        self.assertEqual(p.returncode, 0, p.stderr)
        msgs = self.messages(p.stdout)
        self.assertEqual(len([m for m in msgs if m["type"] == "RECORD"]), 25)
        schema = [m for m in msgs if m["type"] == "SCHEMA"][0]
        self.assertEqual(schema["bookmark_properties"], ["ts"])
        last_state = [m for m in msgs if m["type"] == "STATE"][-1]["value"]
        self.assertIn("public-sg_t", last_state["bookmarks"])
        self.assertIsNone(last_state["currently_syncing"])
        EMU.psql("insert into sg_t values (26, timestamp '2031-01-01')")
        state_path = os.path.join(self.dir.name, "state.json")
        json.dump(last_state, open(state_path, "w"))
        p = self.singer("--catalog", path, "--state", state_path)
        self.assertEqual(p.returncode, 0, p.stderr)
        self.assertEqual([m["record"]["id"] for m in self.messages(p.stdout) if m["type"] == "RECORD"], [26])

    def test_bad_replication_key(self):
        path = self.select(self.discover(), "public-sales", method="INCREMENTAL", key="nope")
        p = self.singer("--catalog", path)
        self.assertNotEqual(p.returncode, 0)
        self.assertIn("replication-key 'nope'", p.stderr)


if __name__ == "__main__":
    unittest.main()
