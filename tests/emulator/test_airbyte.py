"""rsx airbyte spec|check|discover|read against rsx-emulator: every message validates against
shared/protocols/airbyte_protocol.yaml; stream status order; STATE with sourceStats; a state
round trip emits only new rows; config errors are TRACE ERRORs with a non-zero exit."""
import json
import os
import subprocess
import tempfile
import unittest

import jsonschema
import yaml

from emulator_fixture import Emulator

RSX = os.environ.get("RSX_BIN", os.path.join(os.path.dirname(__file__), "../../build/rsx"))
PROTOCOL = os.path.join(os.path.dirname(__file__), "../../../shared/protocols/airbyte_protocol.yaml")
EMU = None
DOC = yaml.safe_load(open(PROTOCOL))


def validator(definition):
    return jsonschema.Draft7Validator({"$ref": "#/definitions/" + definition, "definitions": DOC["definitions"]})


MESSAGE = validator("AirbyteMessage")


def setUpModule():
    global EMU
    EMU = Emulator()


def tearDownModule():
    EMU.stop()


class Airbyte(unittest.TestCase):
    def setUp(self):
        self.dir = tempfile.TemporaryDirectory()
        self.config = os.path.join(self.dir.name, "config.json")
        json.dump({"region": EMU.region, "workgroup": EMU.env["RSX_WORKGROUP"], "database": EMU.env["RSX_DATABASE"],
                   "role_arn": EMU.env["RSX_ROLE_ARN"], "external_id": EMU.env["RSX_EXTERNAL_ID"]}, open(self.config, "w"))

    def tearDown(self):
        self.dir.cleanup()

    def airbyte(self, *args, config=None):
        env = {k: v for k, v in os.environ.items() if not k.startswith(("AWS_", "RSX_"))}
        env.update(AWS_ENDPOINT_URL=EMU.url, AWS_ACCESS_KEY_ID=EMU.env["AWS_ACCESS_KEY_ID"],
                   AWS_SECRET_ACCESS_KEY=EMU.env["AWS_SECRET_ACCESS_KEY"], AWS_EC2_METADATA_DISABLED="true",
                   RSX_HOME=self.dir.name, HOME=self.dir.name)
        p = subprocess.run([RSX, "airbyte"] + list(args), capture_output=True, text=True, env=env, timeout=300)
        messages = [json.loads(l) for l in p.stdout.splitlines()]
        for m in messages:
            errors = list(MESSAGE.iter_errors(m))
            self.assertEqual(errors, [], m)
        return p, messages

    def catalog(self, streams):
        path = os.path.join(self.dir.name, "catalog.json")
        json.dump({"streams": streams}, open(path, "w"))
        return path

    def test_spec(self):
        p, msgs = self.airbyte("spec")
        self.assertEqual(p.returncode, 0)
        self.assertEqual([m["type"] for m in msgs], ["SPEC"])
        spec = msgs[0]["spec"]["connectionSpecification"]
        jsonschema.Draft7Validator.check_schema(spec)
        self.assertNotEqual(spec.get("additionalProperties", True), False)  # the spec lint forbids false
        jsonschema.validate(json.load(open(self.config)), spec)

    def test_check(self):
        p, msgs = self.airbyte("check", "--config", self.config)
        self.assertEqual((p.returncode, msgs[0]["connectionStatus"]["status"]), (0, "SUCCEEDED"))
        bad = json.load(open(self.config))
        bad["external_id"] = "wrong-external-id"
        json.dump(bad, open(self.config, "w"))
        p, msgs = self.airbyte("check", "--config", self.config)
        self.assertEqual(p.returncode, 0)
        self.assertEqual(msgs[0]["connectionStatus"]["status"], "FAILED")
        self.assertIn("could not assume role", msgs[0]["connectionStatus"]["message"])

    def test_discover(self):
        p, msgs = self.airbyte("discover", "--config", self.config)
        self.assertEqual(p.returncode, 0, p.stderr)
        self.assertEqual([m["type"] for m in msgs], ["CATALOG"])
        self.assertEqual(list(validator("AirbyteCatalog").iter_errors(msgs[0]["catalog"])), [])

    def test_read_full_and_incremental_with_state(self):
        EMU.psql("create table ab_t (id int primary key, ts timestamp not null, v text); "
                 "insert into ab_t select g, timestamp '2024-01-01' + g * interval '1 minute', 'v' || g from generate_series(1, 30) g")
        stream = {"name": "ab_t", "namespace": "public", "supported_sync_modes": ["full_refresh", "incremental"],
                  "json_schema": {"type": "object", "properties": {"id": {"type": "integer"}, "ts": {"type": "string"}, "v": {"type": "string"}}}}
        cat = self.catalog([{"stream": stream, "sync_mode": "incremental", "cursor_field": ["ts"], "destination_sync_mode": "append"}])
        p, msgs = self.airbyte("read", "--config", self.config, "--catalog", cat)
        self.assertEqual(p.returncode, 0, p.stderr)
        records = [m["record"] for m in msgs if m["type"] == "RECORD"]
        self.assertEqual(sorted(r["data"]["id"] for r in records), list(range(1, 31)))
        self.assertTrue(all(r["stream"] == "ab_t" and r["namespace"] == "public" for r in records))
        statuses = [m["trace"]["stream_status"]["status"] for m in msgs if m["type"] == "TRACE"]
        self.assertEqual(statuses, ["STARTED", "RUNNING", "COMPLETE"])
        states = [m for m in msgs if m["type"] == "STATE"]
        self.assertTrue(states)
        self.assertEqual(sum(s["state"]["sourceStats"]["recordCount"] for s in states), 30)
        self.assertIn('"recordCount":30.0', p.stdout)
        # Round trip: the last STATE as the next input; only new rows come back.
        EMU.psql("insert into ab_t values (31, timestamp '2030-01-01', 'new')")
        state_path = os.path.join(self.dir.name, "state.json")
        json.dump([states[-1]["state"]], open(state_path, "w"))
        p, msgs = self.airbyte("read", "--config", self.config, "--catalog", cat, "--state", state_path)
        self.assertEqual(p.returncode, 0, p.stderr)
        self.assertEqual([m["record"]["data"]["id"] for m in msgs if m["type"] == "RECORD"], [31])

    def test_full_refresh_reads_only_configured_columns(self):
        stream = {"name": "venue", "namespace": "public", "supported_sync_modes": ["full_refresh"],
                  "json_schema": {"type": "object", "properties": {"venueid": {}, "venuename": {}}}}
        cat = self.catalog([{"stream": stream, "sync_mode": "full_refresh", "destination_sync_mode": "overwrite"}])
        p, msgs = self.airbyte("read", "--config", self.config, "--catalog", cat)
        self.assertEqual(p.returncode, 0, p.stderr)
        records = [m["record"]["data"] for m in msgs if m["type"] == "RECORD"]
        self.assertEqual(len(records), 202)
        self.assertEqual(set(records[0]), {"venueid", "venuename"})

    def test_basic_read_of_the_whole_catalog(self):
        # As the acceptance tests' basic read: the discovered catalog, full refresh; every
        # record validates against its stream's json_schema; each stream has STARTED, RUNNING,
        # COMPLETE and at least one STATE with sourceStats.
        _, msgs = self.airbyte("discover", "--config", self.config)
        streams = [s for s in msgs[0]["catalog"]["streams"] if s["namespace"] == "public" and s["name"] in
                   ("all_types", "category", "date", "event", "venue")]
        cat = self.catalog([{"stream": s, "sync_mode": "full_refresh", "destination_sync_mode": "overwrite"} for s in streams])
        p, msgs = self.airbyte("read", "--config", self.config, "--catalog", cat)
        self.assertEqual(p.returncode, 0, p.stderr)
        schemas = {s["name"]: jsonschema.Draft7Validator(s["json_schema"]) for s in streams}
        counts = {}
        for m in msgs:
            if m["type"] == "RECORD":
                r = m["record"]
                self.assertEqual(list(schemas[r["stream"]].iter_errors(r["data"])), [], r)
                counts[r["stream"]] = counts.get(r["stream"], 0) + 1
        self.assertEqual(counts, {"all_types": 4, "category": 11, "date": 365, "event": 1000, "venue": 202})
        for s in streams:
            statuses = [m["trace"]["stream_status"]["status"] for m in msgs if m["type"] == "TRACE"
                        and m["trace"]["stream_status"]["stream_descriptor"]["name"] == s["name"]]
            self.assertEqual(statuses, ["STARTED", "RUNNING", "COMPLETE"], s["name"])
            states = [m for m in msgs if m["type"] == "STATE" and m["state"]["stream"]["stream_descriptor"]["name"] == s["name"]]
            self.assertTrue(states and all("sourceStats" in m["state"] for m in states))
        # Integers are JSON integers (never 1.0), as the acceptance tests require.
        for line in p.stdout.splitlines():
            if '"stream":"venue"' in line:
                self.assertRegex(line, r'"venueid":\d+[,}]')

    def test_stream_names_stay_unique_across_schemas(self):
        EMU.psql("create schema if not exists other; create table if not exists other.category (catid int primary key, x text); "
                 "insert into other.category values (1, 'a'), (2, 'b') on conflict do nothing")
        p, msgs = self.airbyte("discover", "--config", self.config)
        names = [s["name"] for s in msgs[0]["catalog"]["streams"]]
        self.assertEqual(len(names), len(set(names)))
        self.assertIn("other.category", names)
        self.assertIn("public.category", names)
        self.assertIn("sales", names)  # unique table names stay plain
        stream = [s for s in msgs[0]["catalog"]["streams"] if s["name"] == "other.category"][0]
        cat = self.catalog([{"stream": stream, "sync_mode": "incremental", "cursor_field": ["catid"], "destination_sync_mode": "append"}])
        p, msgs = self.airbyte("read", "--config", self.config, "--catalog", cat)
        self.assertEqual(p.returncode, 0, p.stderr)
        records = [m["record"] for m in msgs if m["type"] == "RECORD"]
        self.assertEqual([(r["stream"], r["namespace"], r["data"]["x"]) for r in records],
                         [("other.category", "other", "a"), ("other.category", "other", "b")])
        state = [m["state"] for m in msgs if m["type"] == "STATE"][-1]
        self.assertEqual(state["stream"]["stream_descriptor"]["name"], "other.category")
        EMU.psql("insert into other.category values (3, 'c')")
        state_path = os.path.join(self.dir.name, "state.json")
        json.dump([state], open(state_path, "w"))
        p, msgs = self.airbyte("read", "--config", self.config, "--catalog", cat, "--state", state_path)
        self.assertEqual([m["record"]["data"]["x"] for m in msgs if m["type"] == "RECORD"], ["c"])
        EMU.psql("drop schema other cascade")

    def test_a_repeating_key_is_refused_with_advice_for_an_airbyte_user(self):
        # venue's venuestate repeats: named as the key in the configured catalog, the read is
        # refused before any record, and the fix named is the catalog's, not rsx sync's flags.
        stream = {"name": "venue", "namespace": "public", "supported_sync_modes": ["full_refresh"],
                  "json_schema": {"type": "object", "properties": {"venueid": {}, "venuestate": {}}}}
        cat = self.catalog([{"stream": stream, "sync_mode": "full_refresh", "destination_sync_mode": "overwrite",
                             "primary_key": [["venuestate"]]}])
        p, msgs = self.airbyte("read", "--config", self.config, "--catalog", cat)
        self.assertNotEqual(p.returncode, 0)
        self.assertEqual([m for m in msgs if m["type"] == "RECORD"], [])
        error = msgs[-1]["trace"]["error"]
        self.assertEqual(error["failure_type"], "config_error")
        self.assertIn("the key (venuestate) is not unique and non-null", error["message"])
        self.assertIn("primary_key in the configured catalog", error["message"])
        self.assertNotIn("--trust-key", error["message"])

    def test_config_errors_are_trace_errors(self):
        stream = {"name": "nope", "namespace": "public", "supported_sync_modes": ["full_refresh"],
                  "json_schema": {"type": "object", "properties": {}}}
        cat = self.catalog([{"stream": stream, "sync_mode": "full_refresh", "destination_sync_mode": "overwrite"}])
        p, msgs = self.airbyte("read", "--config", self.config, "--catalog", cat)
        self.assertNotEqual(p.returncode, 0)
        self.assertEqual(msgs[-1]["trace"]["type"], "ERROR")
        self.assertEqual(msgs[-1]["trace"]["error"]["failure_type"], "config_error")
        self.assertIn("public.nope", msgs[-1]["trace"]["error"]["message"])
        stream = {"name": "sales", "namespace": "public", "supported_sync_modes": ["incremental"],
                  "json_schema": {"type": "object", "properties": {"salesid": {}}}}
        cat = self.catalog([{"stream": stream, "sync_mode": "incremental", "cursor_field": ["nope"], "destination_sync_mode": "append"}])
        p, msgs = self.airbyte("read", "--config", self.config, "--catalog", cat)
        self.assertNotEqual(p.returncode, 0)
        self.assertIn("no cursor column 'nope'", msgs[-1]["trace"]["error"]["message"])
        with open(os.path.join(self.dir.name, "bad_state.json"), "w") as f:
            f.write("{not json")
        p, msgs = self.airbyte("read", "--config", self.config, "--catalog", cat, "--state", os.path.join(self.dir.name, "bad_state.json"))
        self.assertNotEqual(p.returncode, 0)
        self.assertIn("not valid JSON", msgs[-1]["trace"]["error"]["message"])


if __name__ == "__main__":
    unittest.main()
