#!/usr/bin/env python3
"""The rsx serve benchmark (bench/service.sh builds and runs it; results in docs/benchmarks.md).

1. API load: CLIENTS threads (default 50), each with its own keep-alive connection, spread over
   five organizations (each with its own role and external ID in the emulator), for SECONDS
   (default 30) per store, against the service on SQLite and then on PostgreSQL. The mix per
   client loop: GET /organization, GET /syncs (a page), GET /syncs/{id}, GET /syncs/{id}/runs,
   GET /connections/{id}, POST /api-keys (a write). Reports requests/s, p50/p99 latency, and
   errors (any answer that is not the expected 2xx; there must be none).
2. Syncs: SYNCS (default 20) syncs of the TICKIT sample (every table but all_types, full
   refresh) started at once on a service with --workers SYNCS; total rows/s from the first start
   to the last finish, and the service's peak RSS (VmHWM).

Environment: CLIENTS, SECONDS, SYNCS, STORES=sqlite,postgresql, BENCH_DOCS=0 (print only).
"""
import http.client
import json
import os
import platform
import statistics
import subprocess
import sys
import threading
import time

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), ".."))
sys.path.insert(0, os.path.join(ROOT, "tests/emulator"))
os.environ.setdefault("RSX_EMULATOR_BIN", os.path.join(ROOT, "build/rsx-emulator"))
os.environ.setdefault("RSX_BIN", os.path.join(ROOT, "build/rsx"))
from emulator_fixture import Emulator  # noqa: E402
from service_fixture import Service, free_port  # noqa: E402

CLIENTS = int(os.environ.get("CLIENTS", "50"))
SECONDS = float(os.environ.get("SECONDS", "30"))
SYNCS = int(os.environ.get("SYNCS", "20"))
STORES = os.environ.get("STORES", "sqlite,postgresql").split(",")
TABLES = ["category", "date", "event", "listing", "sales", "users", "venue"]
ROLE = "arn:aws:iam::222222222222:role/rsx-reader"


def setup_org(svc, org, role):
    key = org["api_key"]
    conn = svc.ok("POST", "/api/v1/connections", {"name": "c", "region": "us-east-1", "workgroup": "default",
                                                  "database": "dev", "role_arn": role}, key=key)
    sync = svc.ok("POST", "/api/v1/syncs", {"connection_id": conn["id"], "streams": [{"stream": "public.category"}],
                                            "destination": {"path": "bench"}}, key=key)
    run = svc.ok("POST", "/api/v1/syncs/%s/runs" % sync["id"], key=key)
    assert svc.wait_run(key, run["id"])["status"] == "succeeded"
    return {"key": key, "conn": conn["id"], "sync": sync["id"]}


def load(svc, orgs):
    host, port = svc.url[len("http://"):].split(":")
    lat, errors, stop = [], [], time.time() + SECONDS
    lock = threading.Lock()

    def client(i):
        o = orgs[i % len(orgs)]
        h = {"Authorization": "Bearer " + o["key"], "Content-Type": "application/json"}
        calls = [("GET", "/api/v1/organization", None, 200), ("GET", "/api/v1/syncs?limit=10", None, 200),
                 ("GET", "/api/v1/syncs/" + o["sync"], None, 200), ("GET", "/api/v1/syncs/%s/runs" % o["sync"], None, 200),
                 ("GET", "/api/v1/connections/" + o["conn"], None, 200),
                 ("POST", "/api/v1/api-keys", json.dumps({"name": "bench"}), 201)]
        c = http.client.HTTPConnection(host, int(port), timeout=30)
        mine, bad, n = [], [], 0
        while time.time() < stop:
            method, path, body, want = calls[n % len(calls)]
            n += 1
            t0 = time.perf_counter()
            try:
                c.request(method, path, body=body, headers=h)
                r = c.getresponse()
                r.read()
                if r.status != want:
                    bad.append("%s %s -> %d" % (method, path, r.status))
            except Exception as e:  # a dropped connection counts as an error
                bad.append("%s %s: %r" % (method, path, e))
                c = http.client.HTTPConnection(host, int(port), timeout=30)
            mine.append(time.perf_counter() - t0)
        with lock:
            lat.extend(mine)
            errors.extend(bad)

    threads = [threading.Thread(target=client, args=(i,)) for i in range(CLIENTS)]
    t0 = time.time()
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    wall = time.time() - t0
    lat.sort()
    return {"requests": len(lat), "rps": len(lat) / wall, "p50_ms": 1000 * lat[len(lat) // 2],
            "p99_ms": 1000 * lat[int(len(lat) * 0.99)], "errors": len(errors), "first_errors": errors[:5]}


def peak_rss_mb(pid):
    with open("/proc/%d/status" % pid) as f:
        for line in f:
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024.0
    return 0.0


def syncs(svc, org):
    key = org["key"]
    ids = []
    for i in range(SYNCS):
        s = svc.ok("POST", "/api/v1/syncs", {"connection_id": org["conn"],
                                             "streams": [{"stream": "public." + t} for t in TABLES],
                                             "destination": {"path": "many/%02d" % i}}, key=key)
        ids.append(s["id"])
    t0 = time.time()
    runs = [svc.ok("POST", "/api/v1/syncs/%s/runs" % i, key=key)["id"] for i in ids]
    done = [svc.wait_run(key, r, timeout=600) for r in runs]
    wall = time.time() - t0
    assert all(r["status"] == "succeeded" for r in done), [r for r in done if r["status"] != "succeeded"][:2]
    rows = sum(st["rows"] for r in done for st in r["streams"])
    return {"syncs": SYNCS, "rows": rows, "seconds": wall, "rows_per_s": rows / wall,
            "peak_rss_mb": peak_rss_mb(svc.proc.pid)}


def main():
    pg_host = Emulator(sample=False) if "postgresql" in STORES else None
    port = free_port()
    aws = "http://127.0.0.1:%d" % port
    services, results = {}, {}
    try:
        for store in STORES:
            spec = None
            if store == "postgresql":
                dsn = pg_host.env["RSX_EMULATOR_PG_DSN"]
                subprocess.run(["psql", dsn.replace("dbname='dev'", "dbname='postgres'"), "-X", "-q", "-c",
                                "create database rsx_bench"], check=True, capture_output=True)
                spec = "postgresql:" + dsn.replace("dbname='dev'", "dbname='rsx_bench'")
            services[store] = Service(aws, store=spec, args=["--workers", str(SYNCS), "--operator-account",
                                                             "111111111111"])
        # Each organization's customer has a role trusting that organization's external ID.
        orgs = {store: [svc.create_org("bench-%d" % i) for i in range(5)] for store, svc in services.items()}
        roles = []
        for store in services:
            for org in orgs[store]:
                org["role"] = "arn:aws:iam::222222222222:role/rsx-reader-%d" % len(roles)
                roles.append({"arn": org["role"], "trusted_accounts": ["111111111111"],
                              "external_id": org["external_id"], "actions": ["*"], "max_session_seconds": 43200})
        cfg = {"region": "us-east-1",
               "users": [{"arn": "arn:aws:iam::111111111111:user/operator", "access_key_id": "AKIAEMULATOROPERATOR",
                          "secret_access_key": "emulator/operator/secret/key/not+for+aws", "actions": ["*"]}],
               "roles": roles,
               "workgroups": [{"name": "default", "account": "222222222222", "databases": ["dev"]}]}
        emu = Emulator(config=cfg, args=["--listen", "127.0.0.1:%d" % port])
        try:
            for store, svc in services.items():
                ready = [setup_org(svc, o, o["role"]) for o in orgs[store]]
                results[store] = {"api": load(svc, ready)}
                results[store]["syncs"] = syncs(svc, ready[0])
                print(store, json.dumps(results[store]), flush=True)
        finally:
            emu.stop()
    finally:
        for svc in services.values():
            svc.stop()
            svc.cleanup()
        if pg_host:
            pg_host.stop()
    write_docs(results)


def write_docs(results):
    cpu = "?"
    with open("/proc/cpuinfo") as f:
        for line in f:
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    lines = ["<!-- bench/service.sh: begin -->",
             "Run %s on %s, %d cores (%s), Linux %s. %d API clients for %.0f s per store (each client loops "
             "GET organization, GET syncs, GET sync, GET runs, GET connection, POST api-keys over a keep-alive "
             "connection; the clients are Python threads on the same 2 cores), then %d syncs of the TICKIT sample "
             "(7 tables, full refresh) started at once with --workers %d." % (
                 time.strftime("%Y-%m-%d"), platform.node(), os.cpu_count(), cpu, platform.release(),
                 CLIENTS, SECONDS, SYNCS, SYNCS),
             "",
             "| store | requests | requests/s | p50 ms | p99 ms | errors | syncs: rows | rows/s | peak RSS MB |",
             "| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |"]
    for store, r in results.items():
        a, s = r["api"], r["syncs"]
        lines.append("| %s | %d | %.0f | %.1f | %.1f | %d | %d | %.0f | %.0f |" % (
            store, a["requests"], a["rps"], a["p50_ms"], a["p99_ms"], a["errors"], s["rows"], s["rows_per_s"],
            s["peak_rss_mb"]))
    lines.append("<!-- bench/service.sh: end -->")
    block = "\n".join(lines)
    print(block)
    if os.environ.get("BENCH_DOCS", "1") == "0":
        return
    path = os.path.join(ROOT, "docs/benchmarks.md")
    text = open(path).read()
    if "<!-- bench/service.sh: begin -->" in text:
        start = text.index("<!-- bench/service.sh: begin -->")
        end = text.index("<!-- bench/service.sh: end -->") + len("<!-- bench/service.sh: end -->")
        text = text[:start] + block + text[end:]
    else:
        text += "\n## rsx serve\n\n`bash bench/service.sh` (bench/service_bench.py).\n\n" + block + "\n"
    with open(path, "w") as f:
        f.write(text)


if __name__ == "__main__":
    main()
