"""The crash matrix: kill -9 at 30 seeded random points of full, parallel and incremental syncs
of a 300,000-row table (incremental with rows added between runs), then rerun to the end:
every line of the output parses and the output is exactly the table, each row once.
RSX_CRASH_SEED picks other points; the seed is printed so a failure can be replayed."""
import os
import random
import signal
import subprocess
import tempfile
import time
import unittest

from emulator_fixture import Emulator
import matrix_common as mc

EMU = None
SEED = int(os.environ.get("RSX_CRASH_SEED", "20261129"))
POINTS_PER_MODE = 10


def setUpModule():
    global EMU
    EMU = Emulator()
    mc.create_table(EMU)


def tearDownModule():
    EMU.stop()


def run_to_end(mode, out):
    p = subprocess.run(mc.sync_args(mode, out), env=mc.env(EMU), capture_output=True, text=True, timeout=300)
    assert p.returncode == 0, p.stderr


def kill_after(mode, out, seconds):
    """Starts a sync and kills it after `seconds`; True when it was still running."""
    proc = subprocess.Popen(mc.sync_args(mode, out), env=mc.env(EMU), stdout=subprocess.DEVNULL,
                            stderr=subprocess.DEVNULL)
    time.sleep(seconds)
    alive = proc.poll() is None
    proc.send_signal(signal.SIGKILL)
    proc.wait()
    return alive


class CrashMatrix(unittest.TestCase):
    def test_kill_9_at_random_points_then_resume(self):
        rng = random.Random(SEED)
        kills = 0
        next_id = mc.ROWS + 1
        for mode in ("full", "parallel", "incremental"):
            t0 = time.time()
            with tempfile.TemporaryDirectory() as out:
                run_to_end(mode, out)
            duration = time.time() - t0
            for point in range(POINTS_PER_MODE):
                with self.subTest(mode=mode, point=point, seed=SEED):
                    with tempfile.TemporaryDirectory() as out:
                        added = []
                        if mode == "incremental":  # a first complete run, then kills during the next
                            run_to_end(mode, out)
                        # One to three kills in a row, each at a random point of a run.
                        for _ in range(rng.randint(1, 3)):
                            if mode == "incremental":  # rows written between runs, later cursor values
                                ids = list(range(next_id, next_id + 500))
                                next_id += 500
                                EMU.psql("insert into matrix_t select g, timestamp '2030-01-01' + g * interval '1 second', "
                                         "'new' from generate_series(%d, %d) g" % (ids[0], ids[-1]))
                                added += ids
                            kills += kill_after(mode, out, rng.uniform(0.05, duration))
                        run_to_end(mode, out)
                        got = mc.output_ids(out)  # every line parses
                        expected = list(range(1, next_id))  # the table, with every row added so far
                        self.assertEqual(len(got), len(set(got)), "a row was written twice")
                        self.assertEqual(sorted(got), expected)
        mc.report("crash matrix (seed %d): %d kill -9 of running syncs over %d points (full, parallel, "
                  "incremental); every line parsed, every output exactly the table" % (SEED, kills, 3 * POINTS_PER_MODE))
        self.assertGreaterEqual(kills, 3 * POINTS_PER_MODE * 0.7, "too few kills landed while a sync was running")


if __name__ == "__main__":
    unittest.main()
