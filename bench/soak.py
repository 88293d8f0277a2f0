"""Soak: syncs of a 300,000-row table for SOAK_MINUTES (default 30), each with a random mode,
a random fault (or none) and sometimes a kill -9, always followed by runs to the end; every
output must be exactly the table. Prints one line per round and a summary. Not part of CI."""
import os
import random
import signal
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "../tests/emulator"))
os.environ.setdefault("RSX_EMULATOR_BIN", os.path.join(HERE, "../build/rsx-emulator"))
os.environ.setdefault("RSX_BIN", os.path.join(HERE, "../build/rsx"))

from emulator_fixture import Emulator  # noqa: E402
import matrix_common as mc  # noqa: E402

FAULTS = [None,
          {"action": "error", "error": "ThrottlingException", "status": 400, "message": "Rate exceeded"},
          {"action": "error", "error": "InternalServerException", "status": 500, "message": "Injected"},
          {"action": "reset"}, {"action": "reset_after"}, {"action": "delay", "delay_ms": 500},
          {"action": "fail_statement", "message": "ERROR: injected failure"}]
OPS = ["ExecuteStatement", "DescribeStatement", "GetStatementResult", "AssumeRole", "DescribeTable"]


def main():
    minutes = float(os.environ.get("SOAK_MINUTES", "30"))
    seed = int(os.environ.get("SOAK_SEED", str(int(time.time()))))
    rng = random.Random(seed)
    mc.RSX = os.environ["RSX_BIN"]
    emu = Emulator()
    mc.create_table(emu)
    stats = {"rounds": 0, "kills": 0, "faults": 0, "runs": 0}
    deadline = time.time() + minutes * 60
    try:
        while time.time() < deadline:
            mode = rng.choice(list(mc.MODES))
            fault = rng.choice(FAULTS)
            mc.control(emu, "/_emulator/faults", method="DELETE")
            if fault:
                op = "ExecuteStatement" if fault["action"] == "fail_statement" else rng.choice(OPS)
                mc.control(emu, "/_emulator/faults", dict(fault, operation=op, nth=rng.randint(1, 4)), method="POST")
            fired_before = sum(mc.fired(emu).values())
            with tempfile.TemporaryDirectory() as out:
                if rng.random() < 0.5:
                    proc = subprocess.Popen(mc.sync_args(mode, out), env=mc.env(emu), stdout=subprocess.DEVNULL,
                                            stderr=subprocess.DEVNULL)
                    time.sleep(rng.uniform(0.05, 1.5))
                    if proc.poll() is None:
                        stats["kills"] += 1
                    proc.send_signal(signal.SIGKILL)
                    proc.wait()
                for attempt in range(3):
                    stats["runs"] += 1
                    p = subprocess.run(mc.sync_args(mode, out), env=mc.env(emu), capture_output=True, text=True)
                    if p.returncode == 0:
                        break
                    mc.control(emu, "/_emulator/faults", method="DELETE")
                else:
                    raise SystemExit("round %d (%s, %s): no run completed: %s" % (stats["rounds"], mode, fault, p.stderr))
                ids = mc.output_ids(out)
                if len(ids) != mc.ROWS or mc.digest(ids) != mc.expected_digest():
                    raise SystemExit("round %d (%s, %s): output is not the table (%d rows)" % (stats["rounds"], mode, fault, len(ids)))
            stats["faults"] += sum(mc.fired(emu).values()) - fired_before
            stats["rounds"] += 1
            print("round %d: %s, fault %s: exact" % (stats["rounds"], mode, fault["action"] if fault else "none"), flush=True)
    finally:
        emu.stop()
    print("soak (seed %d, %.0f min): %d rounds, %d runs, %d faults fired, %d kill -9 of running syncs; "
          "every output exactly the table" % (seed, minutes, stats["rounds"], stats["runs"], stats["faults"], stats["kills"]))


if __name__ == "__main__":
    main()
