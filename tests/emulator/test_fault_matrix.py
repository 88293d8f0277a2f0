"""The fault matrix: every fault the emulator injects x every operation a sync calls x {full,
parallel, incremental} on a 200,000-row table. Each fault must have fired; the output must be
exactly the table (every id once, rows checked by digest). Transient faults are absorbed by
retries (exit 0); a failed or stalled statement ends the run, and the rerun completes it."""
import json
import os
import subprocess
import tempfile
import time
import unittest

from emulator_fixture import Emulator
import matrix_common as mc

EMU = None
# (name, fault) pairs; transient ones must be retried within one run.
TRANSIENT = [
    ("throttle", {"action": "error", "error": "ThrottlingException", "status": 400, "message": "Rate exceeded"}),
    ("500", {"action": "error", "error": "InternalServerException", "status": 500, "message": "Injected"}),
    ("reset", {"action": "reset"}),
    ("lost_response", {"action": "reset_after"}),
    ("delay", {"action": "delay", "delay_ms": 300}),
]
FATAL = [
    ("fail_statement", {"action": "fail_statement", "message": "ERROR: injected failure"}),
    ("stall_statement", {"action": "stall_statement"}),
]


def setUpModule():
    global EMU
    EMU = Emulator()
    mc.ROWS = int(os.environ.get("RSX_MATRIX_ROWS", "200000"))
    mc.create_table(EMU)


def tearDownModule():
    EMU.stop()


class FaultMatrix(unittest.TestCase):
    counts = {"runs": 0, "faults_fired": 0, "reruns": 0}

    @classmethod
    def setUpClass(cls):
        # Which operations a sync calls, and how often, from a clean run of each mode.
        cls.ops = {}
        for mode in mc.MODES:
            before = mc.control(EMU, "/_emulator/stats")["calls"]
            with tempfile.TemporaryDirectory() as out:
                p = subprocess.run(mc.sync_args(mode, out), env=mc.env(EMU), capture_output=True, text=True, timeout=300)
                assert p.returncode == 0, p.stderr
                assert mc.digest(mc.output_ids(out)) == mc.expected_digest()
            after = mc.control(EMU, "/_emulator/stats")["calls"]
            cls.ops[mode] = {op: n - before.get(op, 0) for op, n in after.items() if n - before.get(op, 0) > 0}

    @classmethod
    def tearDownClass(cls):
        ops = sorted({op for per_mode in cls.ops.values() for op in per_mode})
        mc.report("fault matrix: %d faulted syncs (%d operations x %d transient faults x %d modes, + %d fatal), "
                  "%d faults fired, %d reruns after a fatal fault; every output exactly the %d-row table"
                  % (cls.counts["runs"], len(ops), len(TRANSIENT), len(cls.ops), len(FATAL) * len(cls.ops),
                     cls.counts["faults_fired"], cls.counts["reruns"], mc.ROWS))

    def run_case(self, mode, op, name, fault, fatal):
        calls = self.ops[mode][op]
        nth = 1 if calls <= 2 else min(3, calls)  # mid-run where the operation repeats
        mc.control(EMU, "/_emulator/faults", method="DELETE")
        before = mc.fired(EMU).get("%s:%s" % (op, fault["action"]), 0)
        mc.control(EMU, "/_emulator/faults", dict(fault, operation=op, nth=nth), method="POST")
        with tempfile.TemporaryDirectory() as out:
            args = mc.sync_args(mode, out)
            if name == "stall_statement":
                args[args.index("--statement-timeout") + 1] = "2s"
            p = subprocess.run(args, env=mc.env(EMU), capture_output=True, text=True, timeout=300)
            FaultMatrix.counts["runs"] += 1
            after = mc.fired(EMU).get("%s:%s" % (op, fault["action"]), 0)
            self.assertGreater(after, before, "the fault never fired")
            FaultMatrix.counts["faults_fired"] += after - before
            if fatal:
                self.assertNotEqual(p.returncode, 0, "a %s must end the run" % name)
                mc.control(EMU, "/_emulator/faults", method="DELETE")
                p = subprocess.run(mc.sync_args(mode, out), env=mc.env(EMU), capture_output=True, text=True, timeout=300)
                FaultMatrix.counts["reruns"] += 1
            self.assertEqual(p.returncode, 0, p.stderr)
            ids = mc.output_ids(out)
            self.assertEqual(len(ids), mc.ROWS, "rows lost or repeated")
            self.assertEqual(mc.digest(ids), mc.expected_digest())

    def test_transient_faults_on_every_operation(self):
        for mode, ops in sorted(self.ops.items()):
            for op in sorted(ops):
                for name, fault in TRANSIENT:
                    with self.subTest(mode=mode, op=op, fault=name):
                        self.run_case(mode, op, name, fault, fatal=False)

    def test_failed_and_stalled_statements(self):
        for mode in sorted(self.ops):
            for name, fault in FATAL:
                with self.subTest(mode=mode, fault=name):
                    self.run_case(mode, "ExecuteStatement", name, fault, fatal=True)


if __name__ == "__main__":
    unittest.main()
