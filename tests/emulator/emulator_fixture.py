"""Starts rsx-emulator for a test module and hands out boto3 clients signed as the operator
or as the assumed customer role. The emulator binary comes from RSX_EMULATOR_BIN."""
import json
import os
import shlex
import signal
import socket
import subprocess
import sys
import tempfile
import time

import boto3
import botocore.config

BIN = os.environ.get("RSX_EMULATOR_BIN", os.path.join(os.path.dirname(__file__), "../../build/rsx-emulator"))
NO_RETRY = botocore.config.Config(retries={"total_max_attempts": 1, "mode": "standard"})


class Emulator:
    def __init__(self, config=None, args=(), sample=True):
        self.dir = tempfile.TemporaryDirectory(prefix="rsx-emu-test-")
        ready = os.path.join(self.dir.name, "ready")
        cmd = [BIN, "--ready-file", ready, "--print-env"]
        if sample:
            cmd += ["--sample", "tickit"]
        if config is not None:
            path = os.path.join(self.dir.name, "config.json")
            with open(path, "w") as f:
                json.dump(config, f)
            cmd += ["--config", path]
        cmd += list(args)
        self.log = open(os.path.join(self.dir.name, "emulator.log"), "w+")
        self.proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=self.log, text=True)
        deadline = time.time() + 60
        while not os.path.exists(ready):
            if self.proc.poll() is not None or time.time() > deadline:
                self.log.seek(0)
                raise RuntimeError("rsx-emulator did not start: " + self.log.read())
            time.sleep(0.05)
        self.env = {}
        while "RSX_EMULATOR_PG_DSN" not in self.env:  # the last line --print-env writes
            line = self.proc.stdout.readline()
            if not line:
                raise RuntimeError("rsx-emulator --print-env output ended early: %r" % self.env)
            name, _, value = line.strip()[len("export "):].partition("=")
            self.env[name] = shlex.split(value)[0] if value else ""
        self.url = self.env["AWS_ENDPOINT_URL"]
        self.region = self.env["AWS_REGION"]

    def rsx_env(self, **extra):
        """The environment for running rsx against this emulator: its --print-env variables (not
        the PostgreSQL DSN) instead of the caller's AWS_*/RSX_*, no instance metadata, no home."""
        e = {k: v for k, v in os.environ.items() if not k.startswith(("AWS_", "RSX_"))}
        e.update({k: v for k, v in self.env.items() if k != "RSX_EMULATOR_PG_DSN"})
        e.update(AWS_EC2_METADATA_DISABLED="true", HOME="/nonexistent")
        e.update(extra)
        return e

    def stop(self):
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            self.proc.wait(timeout=30)
        report = self.read_log()
        if "Sanitizer" in report:  # a sanitizer build halted on a report: show it, not only its effects
            sys.stderr.write("rsx-emulator's log:\n" + report[-20000:] + "\n")
        self.log.close()
        self.dir.cleanup()

    def read_log(self):
        self.log.flush()
        with open(os.path.join(self.dir.name, "emulator.log"), errors="replace") as f:
            return f.read()

    def client(self, service, key_id=None, secret=None, token=None, config=None):
        return boto3.client(
            service, endpoint_url=self.url, region_name=self.region,
            aws_access_key_id=key_id or self.env["AWS_ACCESS_KEY_ID"],
            aws_secret_access_key=secret or self.env["AWS_SECRET_ACCESS_KEY"],
            aws_session_token=token, config=config)

    def assume(self, external_id=None, role_arn=None, duration=None):
        sts = self.client("sts")
        kw = dict(RoleArn=role_arn or self.env["RSX_ROLE_ARN"], RoleSessionName="rsx-test",
                  ExternalId=external_id or self.env["RSX_EXTERNAL_ID"])
        if duration:
            kw["DurationSeconds"] = duration
        return sts.assume_role(**kw)["Credentials"]

    def data(self, config=None, creds=None):
        c = creds or self.assume()
        return self.client("redshift-data", c["AccessKeyId"], c["SecretAccessKey"],
                           c["SessionToken"], config=config)

    def psql(self, sql, database="dev"):
        """Rows of `sql` as psql prints them (NULL as \\N), split on unit/record separators."""
        dsn = self.env["RSX_EMULATOR_PG_DSN"].replace("dbname='dev'", "dbname='%s'" % database)
        env = dict(os.environ, PGTZ="UTC", PGDATESTYLE="ISO")
        out = subprocess.run(["psql", dsn, "-X", "-A", "-t", "-F", "\x1f", "-R", "\x1e", "-P", "null=\\N",
                              "-v", "ON_ERROR_STOP=1", "-c", sql],
                             capture_output=True, text=True, env=env, check=True)
        return [rec.split("\x1f") for rec in out.stdout.rstrip("\n").split("\x1e") if rec != ""]


def wait(data, statement_id, timeout=30):
    deadline = time.time() + timeout
    while True:
        d = data.describe_statement(Id=statement_id)
        if d["Status"] in ("FINISHED", "FAILED", "ABORTED"):
            return d
        if time.time() > deadline:
            raise AssertionError("statement %s still %s" % (statement_id, d["Status"]))
        time.sleep(0.02)


def same_value(field, psql_text):
    """Does a Data API Field hold the value psql printed?"""
    if "doubleValue" in field and psql_text != "\\N":
        return float(psql_text) == field["doubleValue"]
    return field_text(field) == psql_text


def field_text(field):
    """A Data API Field as psql would print the value."""
    if field.get("isNull"):
        return "\\N"
    if "booleanValue" in field:
        return "t" if field["booleanValue"] else "f"
    if "longValue" in field:
        return str(field["longValue"])
    if "doubleValue" in field:
        return repr(field["doubleValue"]).replace("inf", "Infinity")
    if "blobValue" in field:
        return "\\x" + field["blobValue"].hex()
    return field["stringValue"]


def start_moto():
    """moto_server on a free loopback port: (process, URL), once it accepts connections."""
    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    port = sock.getsockname()[1]
    sock.close()
    proc = subprocess.Popen(["moto_server", "-H", "127.0.0.1", "-p", str(port)],
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    deadline = time.time() + 30
    while True:
        try:
            socket.create_connection(("127.0.0.1", port), timeout=1).close()
            return proc, "http://127.0.0.1:%d" % port
        except OSError:
            if time.time() > deadline:
                proc.kill()
                raise
            time.sleep(0.1)
