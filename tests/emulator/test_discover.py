"""rsx discover against rsx-emulator: the catalog validates against the Airbyte protocol
(shared/protocols/airbyte_protocol.yaml) on the TICKIT sample and on 1,000 tables holding
every column type; the time for the 1,000 tables is printed."""
import json
import os
import subprocess
import time
import unittest

import jsonschema
import yaml

from emulator_fixture import Emulator

RSX = os.environ.get("RSX_BIN", os.path.join(os.path.dirname(__file__), "../../build/rsx"))
PROTOCOL = os.path.join(os.path.dirname(__file__), "../../../shared/protocols/airbyte_protocol.yaml")
EMU = None


def setUpModule():
    global EMU
    EMU = Emulator()
    EMU.psql("create schema wide; "
             "do $$ begin for i in 1..1000 loop "
             "execute format('create table wide.t%s (like public.all_types including all)', lpad(i::text, 4, '0')); "
             "end loop; end $$;")


def tearDownModule():
    EMU.stop()


def discover(*args):
    env = {k: v for k, v in os.environ.items() if not k.startswith(("AWS_", "RSX_"))}
    env.update({k: v for k, v in EMU.env.items() if k != "RSX_EMULATOR_PG_DSN"})
    env.update(AWS_EC2_METADATA_DISABLED="true", HOME="/nonexistent")
    return subprocess.run([RSX, "discover"] + list(args), capture_output=True, text=True, env=env, timeout=600)


def validator():
    doc = yaml.safe_load(open(PROTOCOL))
    schema = {"$ref": "#/definitions/AirbyteCatalog", "definitions": doc["definitions"]}
    return jsonschema.Draft7Validator(schema)


class Discover(unittest.TestCase):
    def test_tickit_catalog_validates(self):
        p = discover("--schemas", "public")
        self.assertEqual(p.returncode, 0, p.stderr)
        catalog = json.loads(p.stdout)
        errors = list(validator().iter_errors(catalog))
        self.assertEqual(errors, [])
        by = {(s["namespace"], s["name"]): s for s in catalog["streams"]}
        self.assertEqual(sorted(n for _, n in by), ["all_types", "category", "date", "event", "listing", "sales", "users", "venue"])
        sales = by[("public", "sales")]
        self.assertEqual(sales["source_defined_primary_key"], [["salesid"]])
        self.assertIn("saletime", sales["x_rsx"]["cursor_candidates"])
        self.assertEqual(sales["x_rsx"]["row_estimate"], 17000)
        props = by[("public", "all_types")]["json_schema"]["properties"]
        self.assertEqual(props["id"], {"type": "integer"})
        self.assertEqual(props["c_timestamptz"]["airbyte_type"], "timestamp_with_timezone")
        self.assertEqual(props["c_timestamp"]["airbyte_type"], "timestamp_without_timezone")
        self.assertEqual(props["c_decimal"]["type"], ["null", "number"])
        # Each column schema is itself a valid JSON Schema.
        for s in catalog["streams"]:
            jsonschema.Draft7Validator.check_schema(s["json_schema"])

    def test_thousand_tables(self):
        t0 = time.time()
        p = discover("--schemas", "wide")
        took = time.time() - t0
        self.assertEqual(p.returncode, 0, p.stderr)
        catalog = json.loads(p.stdout)
        self.assertEqual(len(catalog["streams"]), 1000)
        self.assertEqual(list(validator().iter_errors(catalog)), [])
        self.assertTrue(all(len(s["json_schema"]["properties"]) == 19 for s in catalog["streams"]))
        print("\ndiscover of 1,000 tables x 19 columns: %.2f s (%s)" % (took, p.stderr.strip()))

    def test_unknown_schema_is_named(self):
        p = discover("--schemas", "public,nope")
        self.assertEqual(p.returncode, 1)
        self.assertIn("schema 'nope' does not exist", p.stderr)


if __name__ == "__main__":
    unittest.main()
