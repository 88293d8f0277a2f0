"""rsx-emulator's life cycle: a throwaway cluster that is gone after SIGTERM (no PostgreSQL
process, no directory), --pg-dsn against an existing server, bad flags."""
import os
import re
import subprocess
import time
import unittest

from emulator_fixture import BIN, Emulator, wait


def postgres_processes(data_dir):
    out = subprocess.run(["ps", "-eo", "args"], capture_output=True, text=True).stdout
    return [l for l in out.splitlines() if data_dir in l and "postgres" in l]


class Lifecycle(unittest.TestCase):
    def test_sigterm_leaves_nothing_behind(self):
        emu = Emulator(sample=False)
        pg_dir = re.search(r"host='([^']+)'", emu.env["RSX_EMULATOR_PG_DSN"]).group(1)
        self.assertTrue(os.path.isdir(pg_dir))
        self.assertTrue(postgres_processes(pg_dir))
        data = emu.data()
        r = data.execute_statement(WorkgroupName="default", Database="dev", Sql="select pg_sleep(60)")
        time.sleep(0.3)
        t0 = time.time()
        emu.stop()  # SIGTERM while a statement runs
        self.assertLess(time.time() - t0, 10)
        self.assertFalse(os.path.exists(pg_dir))
        self.assertEqual(postgres_processes(pg_dir), [])

    def test_kill_9_leaves_no_cluster_behind(self):
        emu = Emulator(sample=False)
        pg_dir = re.search(r"host='([^']+)'", emu.env["RSX_EMULATOR_PG_DSN"]).group(1)
        self.assertTrue(postgres_processes(pg_dir))
        emu.proc.kill()  # SIGKILL: no handler runs; the watchdog must clean up
        emu.proc.wait()
        deadline = time.time() + 15
        while time.time() < deadline and (os.path.exists(pg_dir) or postgres_processes(pg_dir)):
            time.sleep(0.1)
        self.assertEqual(postgres_processes(pg_dir), [])
        self.assertFalse(os.path.exists(pg_dir))
        emu.log.close()
        emu.dir.cleanup()

    def test_idle_half_sent_and_bad_length_requests_do_not_stall_others(self):
        import socket
        emu = Emulator(sample=False)
        try:
            host, port = emu.url.split("//")[1].split(":")

            def ask(raw, wait=10):
                s = socket.create_connection((host, int(port)))
                s.settimeout(wait)
                t0 = time.time()
                s.sendall(raw)
                try:
                    head = s.recv(64)
                finally:
                    s.close()
                return time.time() - t0, head

            held = [socket.create_connection((host, int(port))) for _ in range(60)]
            for s in held[:30]:
                s.sendall(b"POST / HTTP/1.1\r\nHost: x\r\nContent-Le")  # half-sent headers
            took, head = ask(b"GET /_emulator/health HTTP/1.1\r\nHost: x\r\n\r\n")
            self.assertTrue(head.startswith(b"HTTP/1.1 200"), head)
            self.assertLess(took, 1.0)
            for s in held:
                s.close()
            for raw, status in ((b"POST / HTTP/1.1\r\nHost: x\r\n\r\n{}", b"400"),
                                (b"POST / HTTP/1.1\r\nHost: x\r\nContent-Length: -5\r\n\r\n{}", b"413"),
                                (b"POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 10737418240\r\n\r\n{}", b"413")):
                took, head = ask(raw)
                self.assertIn(status, head.split(b"\r\n")[0], raw)
                self.assertLess(took, 4.0, raw)
        finally:
            emu.stop()

    def test_finished_results_spill_to_disk(self):
        emu = Emulator(sample=False)
        try:
            data = emu.data()

            def rss_mb():
                with open("/proc/%d/status" % emu.proc.pid) as f:
                    return int([l for l in f if l.startswith("VmRSS:")][0].split()[1]) / 1024.0

            def run(n):
                ids = []
                for _ in range(n):  # ~12 MB of encoded rows each
                    r = data.execute_statement(WorkgroupName="default", Database="dev",
                                               Sql="select g, repeat('x', 100) as pad from generate_series(1, 100000) g")
                    self.assertEqual(wait(data, r["Id"], timeout=120)["Status"], "FINISHED")
                    ids.append(r["Id"])
                return ids

            run(12)  # every worker thread has run a large statement: its allocator arena is warm
            warm = rss_mb()
            ids = run(12)  # 12 more results, ~150 MB, kept for 24 hours
            grown = rss_mb() - warm
            print("\nemulator RSS %.0f MB after 12 large results, +%.0f MB after 12 more" % (warm, grown))
            self.assertLess(grown, 40, "finished results are held in memory")
            # A spilled result still reads back whole, page after page.
            pages, rows, token = 0, 0, None
            while True:
                kw = {"Id": ids[3]}
                if token:
                    kw["NextToken"] = token
                page = data.get_statement_result(**kw)
                rows += len(page["Records"])
                pages += 1
                token = page.get("NextToken")
                if not token:
                    break
            self.assertEqual(rows, 100000)
            self.assertEqual(page["Records"][-1][0]["longValue"], 100000)
            self.assertGreater(pages, 5)
        finally:
            emu.stop()

    def test_pg_dsn_uses_an_existing_server(self):
        host = Emulator(sample=False)  # provides a running PostgreSQL
        try:
            pg_dir = re.search(r"host='([^']+)'", host.env["RSX_EMULATOR_PG_DSN"]).group(1)
            guest = Emulator(sample=False, args=["--pg-dsn", "host='%s' port=5432 user=postgres" % pg_dir],
                             config={"users": [{"arn": "arn:aws:iam::111111111111:user/operator",
                                                "access_key_id": "AKIAEMULATOROPERATOR",
                                                "secret_access_key": "emulator/operator/secret/key/not+for+aws",
                                                "actions": ["sts:*"]}],
                                     "roles": [{"arn": "arn:aws:iam::222222222222:role/rsx-reader",
                                                "trusted_accounts": ["111111111111"],
                                                "external_id": "rsx-emulator-external-id",
                                                "actions": ["redshift-data:*", "redshift-serverless:*"]}],
                                     "workgroups": [{"name": "wg-two", "account": "222222222222",
                                                     "databases": ["second_db"]}]})
            try:
                data = guest.data()
                r = data.execute_statement(WorkgroupName="wg-two", Database="second_db",
                                           Sql="select current_database()")
                self.assertEqual(wait(data, r["Id"])["Status"], "FINISHED")
                self.assertEqual(data.get_statement_result(Id=r["Id"])["Records"][0][0]["stringValue"], "second_db")
                self.assertIn(["second_db"], host.psql("select datname from pg_database", database="postgres"))
            finally:
                guest.stop()
            # The guest did not own the server: it is still there.
            self.assertTrue(postgres_processes(pg_dir))
        finally:
            host.stop()

    def test_bad_flags_are_clear_errors(self):
        for args, expect in ((["--listen", "0.0.0.0:0"], "loopback"),
                             (["--config", "/nonexistent.json"], "cannot read --config"),
                             (["--sample", "nope"], "nope")):
            p = subprocess.run([BIN] + args, capture_output=True, text=True, timeout=60)
            self.assertNotEqual(p.returncode, 0)
            self.assertIn(expect, p.stderr + p.stdout)

    def test_bad_config_names_the_key(self):
        import tempfile
        with tempfile.NamedTemporaryFile("w", suffix=".json") as f:
            f.write('{"workgroups": [{"name": "x", "databases": ["d"], "acount": "1"}]}')
            f.flush()
            p = subprocess.run([BIN, "--config", f.name], capture_output=True, text=True, timeout=60)
        self.assertNotEqual(p.returncode, 0)
        self.assertIn("unknown key 'acount'", p.stderr)


if __name__ == "__main__":
    unittest.main()
