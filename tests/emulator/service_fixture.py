"""Starts `rsx serve` for a test module and calls its API. The service reaches AWS at
`aws_url` (an rsx-emulator, possibly started after the service: the port is chosen first)."""
import json
import os
import shutil
import signal
import socket
import subprocess
import tempfile
import time
import urllib.error
import urllib.request

RSX = os.environ.get("RSX_BIN", os.path.join(os.path.dirname(__file__), "../../build/rsx"))
ADMIN_TOKEN = "test-admin-token-0123456789"
OPERATOR_KEY = ("AKIAEMULATOROPERATOR", "emulator/operator/secret/key/not+for+aws")


def free_port():
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    return port


class Service:
    def __init__(self, aws_url, store=None, data_dir=None, args=(), home=None):
        self.home = home or tempfile.mkdtemp(prefix="rsx-serve-test-")
        self.store = store or "sqlite:" + os.path.join(self.home, "service.db")
        self.data_dir = data_dir or os.path.join(self.home, "data")
        self.aws_url = aws_url
        self.args = list(args)
        self.records = os.path.join(self.home, "responses.jsonl")
        self.start()

    def start(self):
        ready = os.path.join(self.home, "ready")
        if os.path.exists(ready):
            os.unlink(ready)
        env = {k: v for k, v in os.environ.items() if not k.startswith(("AWS_", "RSX_"))}
        env.update(AWS_ENDPOINT_URL=self.aws_url, AWS_ACCESS_KEY_ID=OPERATOR_KEY[0],
                   AWS_SECRET_ACCESS_KEY=OPERATOR_KEY[1], AWS_REGION="us-east-1",
                   AWS_EC2_METADATA_DISABLED="true", RSX_HOME=self.home, HOME="/nonexistent",
                   RSX_ADMIN_TOKEN=ADMIN_TOKEN, AWS_MAX_ATTEMPTS="2")
        self.log = open(os.path.join(self.home, "serve.log"), "a+")
        defaults = {"--min-interval": "1s", "--lease": "3", "--rate-limit": "0", "--health-interval": "30s"}
        extra = [x for flag, value in defaults.items() if flag not in self.args for x in (flag, value)]
        cmd = [RSX, "serve", "--listen", "127.0.0.1:0", "--ready-file", ready, "--store", self.store,
               "--data-dir", self.data_dir] + extra + self.args
        self.proc = subprocess.Popen(cmd, stdout=self.log, stderr=self.log, env=env)
        deadline = time.time() + 30
        while not os.path.exists(ready):
            if self.proc.poll() is not None or time.time() > deadline:
                raise RuntimeError("rsx serve did not start: " + self.read_log())
            time.sleep(0.05)
        with open(ready) as f:
            self.url = "http://" + f.read().strip()

    def cleanup(self):
        shutil.rmtree(self.home, ignore_errors=True)

    def read_log(self):
        if not self.log.closed:
            self.log.flush()
        with open(os.path.join(self.home, "serve.log")) as f:
            return f.read()

    def stop(self, sig=signal.SIGTERM):
        if self.proc.poll() is None:
            self.proc.send_signal(sig)
            self.proc.wait(timeout=30)
        self.log.close()

    def call(self, method, path, body=None, key=None, headers=None, raw=None):
        """(status, parsed JSON or None, raw bytes)."""
        data = raw if raw is not None else (json.dumps(body).encode() if body is not None else None)
        req = urllib.request.Request(self.url + path, data=data, method=method)
        if key:
            req.add_header("Authorization", "Bearer " + key)
        if data is not None:
            req.add_header("Content-Type", "application/json")
        for k, v in (headers or {}).items():
            req.add_header(k, v)
        try:
            with urllib.request.urlopen(req, timeout=60) as r:
                status, payload = r.status, r.read()
        except urllib.error.HTTPError as e:
            status, payload = e.code, e.read()
            headers = e.headers
        except (TimeoutError, OSError) as e:  # a hang must say what the service was doing
            raise AssertionError("%s %s: no answer (%s); the service's log ends with:\n%s"
                                 % (method, path, e, self.read_log()[-6000:]))
        else:
            headers = r.headers
        try:
            parsed = json.loads(payload) if payload else None
        except ValueError:
            parsed = None
        with open(self.records, "a") as f:  # every answer, for the OpenAPI check
            f.write(json.dumps({"method": method, "path": path, "status": status,
                                "content_type": headers.get("Content-Type", ""),
                                "body": payload.decode("utf-8", "replace")}) + "\n")
        return status, parsed, payload

    def ok(self, method, path, body=None, key=None, expect=(200, 201, 202, 204)):
        status, j, raw = self.call(method, path, body, key)
        if status not in expect:
            raise AssertionError("%s %s -> %d %s" % (method, path, status, raw[:500]))
        return j

    def create_org(self, name):
        return self.ok("POST", "/api/v1/organizations", {"name": name}, key=ADMIN_TOKEN)

    def wait_run(self, key, run_id, states=("succeeded", "failed", "cancelled"), timeout=120):
        deadline = time.time() + timeout
        while True:
            run = self.ok("GET", "/api/v1/runs/" + run_id, key=key)
            if run["status"] in states:
                return run
            if time.time() > deadline:
                raise AssertionError("run %s still %s: %s" % (run_id, run["status"], self.read_log()[-3000:]))
            time.sleep(0.1)


def check_openapi(records):
    """Validates docs/openapi.json (OpenAPI 3.1) and every recorded answer against it (ajv)."""
    root = os.path.join(os.path.dirname(__file__), "../..")
    node = os.path.join(root, "tests/node")
    if not os.path.isdir(os.path.join(node, "node_modules/ajv")):
        raise AssertionError("tests/node/node_modules is missing: run scripts/setup (npm ci in tests/node)")
    p = subprocess.run(["node", os.path.join(node, "validate-openapi.mjs"), os.path.join(root, "docs/openapi.json"),
                        records], capture_output=True, text=True, timeout=120)
    if p.returncode != 0:
        raise AssertionError("OpenAPI check failed:\n" + p.stdout + p.stderr)
    return p.stdout.strip()
