"""rsx-emulator's S3, driven by real peers: boto3's S3 client and the AWS CLI (`aws s3`), path
style, SigV4-signed. Objects round-trip byte for byte (ranges too), listings page and roll up
like S3's, a wrong secret or a tampered body is refused, and the customer role reaches only the
stage prefix it is granted."""
import concurrent.futures
import hashlib
import json
import os
import shutil
import subprocess
import tempfile
import unittest
import urllib.error
import urllib.request

import boto3
import botocore.auth
import botocore.awsrequest
import botocore.credentials
import botocore.exceptions

from emulator_fixture import Emulator, NO_RETRY

EMU = None
ADMIN = ("AKIACUSTOMERADMIN000", "customer/admin/secret/key")
CONFIG = {
    "users": [
        {"arn": "arn:aws:iam::111111111111:user/operator", "access_key_id": "AKIAEMULATOROPERATOR",
         "secret_access_key": "emulator/operator/secret/key/not+for+aws", "actions": ["sts:*"]},
        {"arn": "arn:aws:iam::222222222222:user/admin", "access_key_id": ADMIN[0],
         "secret_access_key": ADMIN[1], "actions": ["s3:*"]},
    ],
    "roles": [
        {"arn": "arn:aws:iam::222222222222:role/rsx-reader", "trusted_accounts": ["111111111111"],
         "external_id": "s3-test-external-id", "actions": ["redshift-data:*", "redshift-serverless:*"],
         "statements": [
             {"actions": ["s3:GetObject", "s3:DeleteObject"], "resources": ["arn:aws:s3:::rsx-stage/unload/*"]},
             {"actions": ["s3:ListBucket"], "resources": ["arn:aws:s3:::rsx-stage"], "s3_prefixes": ["unload/*"]},
             {"actions": ["s3:GetBucketLocation"], "resources": ["arn:aws:s3:::rsx-stage"]}]},
    ],
    "workgroups": [{"name": "default", "account": "222222222222", "databases": ["dev"]}],
    "buckets": [{"name": "rsx-stage", "account": "222222222222"},
                {"name": "elsewhere", "account": "333333333333"}],
}


S3DIR = None


def setUpModule():
    global EMU, S3DIR
    S3DIR = tempfile.mkdtemp(prefix="rsx-s3-test-")
    EMU = Emulator(config=CONFIG, sample=False, args=["--s3-dir", S3DIR])


def tearDownModule():
    EMU.stop()
    shutil.rmtree(S3DIR, ignore_errors=True)


def admin():
    return EMU.client("s3", *ADMIN, config=NO_RETRY)


def reader():
    c = EMU.assume(external_id="s3-test-external-id")
    return EMU.client("s3", c["AccessKeyId"], c["SecretAccessKey"], c["SessionToken"], config=NO_RETRY)


def code_of(fn):
    try:
        fn()
    except botocore.exceptions.ClientError as e:
        return e.response["Error"]["Code"]
    return "ok"


class Objects(unittest.TestCase):
    def test_round_trip_keys_ranges_and_listing(self):
        s3 = admin()
        odd_keys = ["unload/t1/a b+c%20d/0000_part_00", "unload/t1/ünï/日本", "unload/t1/../../../etc/passwd",
                    "unload/t1//double", "unload/t1/q?x=1&y", "unload/t1/tab\there"]
        bodies = {k: os.urandom(100 + i) for i, k in enumerate(odd_keys)}
        for k, b in bodies.items():
            etag = s3.put_object(Bucket="rsx-stage", Key=k, Body=b)["ETag"]
            self.assertEqual(etag, '"%s"' % hashlib.md5(b).hexdigest())
        for k, b in bodies.items():
            self.assertEqual(s3.get_object(Bucket="rsx-stage", Key=k)["Body"].read(), b, k)
            head = s3.head_object(Bucket="rsx-stage", Key=k)
            self.assertEqual(head["ContentLength"], len(b))
        # The traversal-looking key stayed an object of the bucket: nothing outside the folder.
        self.assertFalse(os.path.exists(os.path.join(os.path.dirname(S3DIR), "etc", "passwd")))
        self.assertEqual(sorted(os.listdir(S3DIR)), ["elsewhere", "made-by-test", "rsx-stage"]
                         if os.path.exists(os.path.join(S3DIR, "made-by-test")) else ["elsewhere", "rsx-stage"])
        for root, _, files in os.walk(S3DIR):
            for f in files:
                self.assertRegex(f, r"^[0-9a-f]{64}$")
        # Ranges: first, middle, suffix, open-ended, past the end (clipped), unsatisfiable.
        k, b = odd_keys[0], bodies[odd_keys[0]]
        for spec, want in [("bytes=0-0", b[0:1]), ("bytes=10-19", b[10:20]), ("bytes=-7", b[-7:]),
                           ("bytes=90-", b[90:]), ("bytes=95-5000", b[95:])]:
            r = s3.get_object(Bucket="rsx-stage", Key=k, Range=spec)
            self.assertEqual(r["ResponseMetadata"]["HTTPStatusCode"], 206, spec)
            self.assertEqual(r["Body"].read(), want, spec)
            self.assertTrue(r["ContentRange"].endswith("/%d" % len(b)), r["ContentRange"])
        self.assertEqual(code_of(lambda: s3.get_object(Bucket="rsx-stage", Key=k, Range="bytes=100-")),
                         "InvalidRange")
        # A ranged GET of a missing key is S3's error document, not a bare 404.
        self.assertEqual(code_of(lambda: s3.get_object(Bucket="rsx-stage", Key=k + "-missing", Range="bytes=0-0")),
                         "NoSuchKey")
        # Listing: every key once, pages of 2, with and without a delimiter, url-encoded.
        pages = s3.get_paginator("list_objects_v2").paginate(
            Bucket="rsx-stage", Prefix="unload/t1/", PaginationConfig={"PageSize": 2})
        listed = [o["Key"] for p in pages for o in p.get("Contents", [])]
        self.assertEqual(listed, sorted(odd_keys, key=lambda s: s.encode()))
        pages = list(s3.get_paginator("list_objects_v2").paginate(
            Bucket="rsx-stage", Prefix="unload/t1/", Delimiter="/", PaginationConfig={"PageSize": 1}))
        prefixes = [c["Prefix"] for p in pages for c in p.get("CommonPrefixes", [])]
        self.assertEqual(prefixes, ["unload/t1/../", "unload/t1//", "unload/t1/a b+c%20d/", "unload/t1/ünï/"])
        top = [o["Key"] for p in pages for o in p.get("Contents", [])]
        self.assertEqual(top, ["unload/t1/q?x=1&y", "unload/t1/tab\there"])
        self.assertGreaterEqual(len(pages), 6)
        # DeleteObjects, then nothing is left under the prefix.
        out = s3.delete_objects(Bucket="rsx-stage", Delete={"Objects": [{"Key": k} for k in odd_keys]})
        self.assertEqual(sorted(d["Key"] for d in out["Deleted"]), sorted(odd_keys))
        self.assertEqual(s3.list_objects_v2(Bucket="rsx-stage", Prefix="unload/t1/")["KeyCount"], 0)
        self.assertEqual(code_of(lambda: s3.get_object(Bucket="rsx-stage", Key=odd_keys[0])), "NoSuchKey")

    def test_big_object_by_parallel_ranged_gets(self):
        s3 = admin()
        body = os.urandom(12 * 1024 * 1024 + 123)
        s3.put_object(Bucket="rsx-stage", Key="unload/big/0000_part_00", Body=body)
        size = s3.head_object(Bucket="rsx-stage", Key="unload/big/0000_part_00")["ContentLength"]
        self.assertEqual(size, len(body))
        step = 1 << 20

        def part(i):
            return s3.get_object(Bucket="rsx-stage", Key="unload/big/0000_part_00",
                                 Range="bytes=%d-%d" % (i, min(i + step, size) - 1))["Body"].read()
        with concurrent.futures.ThreadPoolExecutor(8) as pool:
            got = b"".join(pool.map(part, range(0, size, step)))
        self.assertEqual(hashlib.sha256(got).hexdigest(), hashlib.sha256(body).hexdigest())
        s3.delete_object(Bucket="rsx-stage", Key="unload/big/0000_part_00")

    def test_buckets(self):
        s3 = admin()
        s3.create_bucket(Bucket="made-by-test")
        s3.head_bucket(Bucket="made-by-test")
        names = [b["Name"] for b in s3.list_buckets()["Buckets"]]
        self.assertIn("made-by-test", names)
        self.assertIn("rsx-stage", names)
        self.assertNotIn("elsewhere", names)  # another account's
        self.assertEqual(code_of(lambda: s3.create_bucket(Bucket="made-by-test")), "BucketAlreadyOwnedByYou")
        self.assertEqual(code_of(lambda: s3.create_bucket(Bucket="elsewhere")), "BucketAlreadyExists")
        self.assertEqual(code_of(lambda: s3.create_bucket(Bucket="Bad_Name")), "InvalidBucketName")
        self.assertEqual(code_of(lambda: s3.get_object(Bucket="no-such-bucket", Key="k")), "NoSuchBucket")
        self.assertEqual(code_of(lambda: s3.get_object(Bucket="elsewhere", Key="k")), "AccessDenied")
        self.assertIsNone(s3.get_bucket_location(Bucket="rsx-stage").get("LocationConstraint"))


class Signing(unittest.TestCase):
    def test_wrong_secret_unknown_key_and_no_signature(self):
        bad = EMU.client("s3", ADMIN[0], "not-the-secret", config=NO_RETRY)
        self.assertEqual(code_of(lambda: bad.list_objects_v2(Bucket="rsx-stage")), "SignatureDoesNotMatch")
        self.assertEqual(code_of(lambda: bad.put_object(Bucket="rsx-stage", Key="unload/x", Body=b"1")),
                         "SignatureDoesNotMatch")
        unknown = EMU.client("s3", "AKIANOBODY0000000000", "whatever", config=NO_RETRY)
        self.assertEqual(code_of(lambda: unknown.list_objects_v2(Bucket="rsx-stage")), "InvalidAccessKeyId")
        with self.assertRaises(urllib.error.HTTPError) as e:
            urllib.request.urlopen(EMU.url + "/rsx-stage/unload/x")
        self.assertEqual(e.exception.code, 403)
        self.assertIn(b"<Code>AccessDenied</Code>", e.exception.read())
        self.assertEqual(code_of(lambda: admin().get_object(Bucket="rsx-stage", Key="unload/x")), "NoSuchKey")

    def test_body_changed_after_signing_is_refused(self):
        creds = botocore.credentials.Credentials(*ADMIN)
        url = EMU.url + "/rsx-stage/unload/tampered"
        req = botocore.awsrequest.AWSRequest(method="PUT", url=url, data=b"signed body")
        botocore.auth.S3SigV4Auth(creds, "s3", EMU.region).add_auth(req)
        prepared = req.prepare()
        headers = dict(prepared.headers)
        r = urllib.request.Request(url, data=b"other body!", method="PUT", headers=headers)
        with self.assertRaises(urllib.error.HTTPError) as e:
            urllib.request.urlopen(r)
        self.assertIn(b"XAmzContentSHA256Mismatch", e.exception.read())
        # The same request with its own body goes through.
        r = urllib.request.Request(url, data=b"signed body", method="PUT", headers=headers)
        self.assertEqual(urllib.request.urlopen(r).status, 200)
        self.assertEqual(admin().get_object(Bucket="rsx-stage", Key="unload/tampered")["Body"].read(), b"signed body")


class RoleScope(unittest.TestCase):
    def test_reader_reaches_the_stage_prefix_only(self):
        s3, r = admin(), reader()
        s3.put_object(Bucket="rsx-stage", Key="unload/r/0000_part_00", Body=b"row1\n")
        s3.put_object(Bucket="rsx-stage", Key="private/secret", Body=b"no")
        self.assertEqual(r.get_object(Bucket="rsx-stage", Key="unload/r/0000_part_00")["Body"].read(), b"row1\n")
        self.assertEqual(r.list_objects_v2(Bucket="rsx-stage", Prefix="unload/r/")["KeyCount"], 1)
        self.assertEqual(code_of(lambda: r.get_object(Bucket="rsx-stage", Key="unload/missing")), "NoSuchKey")
        # Outside the prefix: denied, and a missing key there is not told apart from a present one.
        self.assertEqual(code_of(lambda: r.get_object(Bucket="rsx-stage", Key="private/secret")), "AccessDenied")
        self.assertEqual(code_of(lambda: r.get_object(Bucket="rsx-stage", Key="private/missing")), "AccessDenied")
        self.assertEqual(code_of(lambda: r.list_objects_v2(Bucket="rsx-stage", Prefix="private/")), "AccessDenied")
        self.assertEqual(code_of(lambda: r.list_objects_v2(Bucket="rsx-stage")), "AccessDenied")
        self.assertEqual(code_of(lambda: r.put_object(Bucket="rsx-stage", Key="unload/r/new", Body=b"x")),
                         "AccessDenied")
        self.assertEqual(code_of(lambda: r.delete_object(Bucket="rsx-stage", Key="private/secret")), "AccessDenied")
        out = r.delete_objects(Bucket="rsx-stage", Delete={"Objects": [{"Key": "unload/r/0000_part_00"},
                                                                          {"Key": "private/secret"}]})
        self.assertEqual([d["Key"] for d in out.get("Deleted", [])], ["unload/r/0000_part_00"])
        self.assertEqual([(e["Key"], e["Code"]) for e in out["Errors"]], [("private/secret", "AccessDenied")])
        self.assertEqual(s3.get_object(Bucket="rsx-stage", Key="private/secret")["Body"].read(), b"no")
        # The operator's own identity (another account) gets nothing.
        op = EMU.client("s3", config=NO_RETRY)
        self.assertEqual(code_of(lambda: op.list_objects_v2(Bucket="rsx-stage", Prefix="unload/")), "AccessDenied")


class AwsCli(unittest.TestCase):
    def env(self, secret=ADMIN[1]):
        env = {k: v for k, v in os.environ.items() if not k.startswith("AWS_")}
        env.update(AWS_ACCESS_KEY_ID=ADMIN[0], AWS_SECRET_ACCESS_KEY=secret, AWS_DEFAULT_REGION=EMU.region,
                   AWS_ENDPOINT_URL_S3=EMU.env["AWS_ENDPOINT_URL_S3"], AWS_EC2_METADATA_DISABLED="true",
                   AWS_CONFIG_FILE="/dev/null", AWS_SHARED_CREDENTIALS_FILE="/dev/null")
        return env

    def aws(self, *args, secret=ADMIN[1], check=True):
        p = subprocess.run(["aws"] + list(args), capture_output=True, text=True, env=self.env(secret))
        if check:
            self.assertEqual(p.returncode, 0, p.stderr)
        return p

    def test_cp_ls_rm(self):
        upload = os.path.join(S3DIR, "..", os.path.basename(S3DIR) + "-upload.bin")
        with open(upload, "wb") as f:
            data = os.urandom(300000)
            f.write(data)
        try:
            self.aws("s3", "cp", upload, "s3://rsx-stage/unload/cli/one file.bin")
            self.aws("s3", "cp", upload, "s3://rsx-stage/unload/cli/sub/two.bin")
            ls = self.aws("s3", "ls", "s3://rsx-stage/unload/cli/").stdout
            self.assertIn("PRE sub/", ls)
            self.assertIn("300000 one file.bin", ls)
            rec = self.aws("s3", "ls", "--recursive", "s3://rsx-stage/unload/cli/").stdout
            self.assertEqual(rec.count("300000"), 2)
            got = subprocess.run(["aws", "s3", "cp", "s3://rsx-stage/unload/cli/sub/two.bin", "-"],
                                 capture_output=True, env=self.env()).stdout
            self.assertEqual(got, data)
            self.aws("s3", "rm", "--recursive", "s3://rsx-stage/unload/cli/")
            self.assertEqual(admin().list_objects_v2(Bucket="rsx-stage", Prefix="unload/cli/")["KeyCount"], 0)
            bad = self.aws("s3", "ls", "s3://rsx-stage/", secret="wrong", check=False)
            self.assertNotEqual(bad.returncode, 0)
            self.assertIn("SignatureDoesNotMatch", bad.stderr)
        finally:
            os.remove(upload)


class Latency(unittest.TestCase):
    def test_latency_applies_to_s3_and_the_data_api(self):
        import time
        emu = Emulator(sample=False, args=["--latency-ms", "150"])
        try:
            c = emu.assume()
            s3 = emu.client("s3", c["AccessKeyId"], c["SecretAccessKey"], c["SessionToken"], config=NO_RETRY)
            data = emu.data(creds=c)
            for call in [lambda: s3.list_objects_v2(Bucket="rsx-stage", Prefix="unload/"),
                         lambda: data.list_databases(WorkgroupName="default", Database="dev")]:
                started = time.time()
                call()
                self.assertGreaterEqual(time.time() - started, 0.15)
        finally:
            emu.stop()


class Faults(unittest.TestCase):
    def test_a_fault_names_an_s3_operation(self):
        req = urllib.request.Request(EMU.url + "/_emulator/faults", method="POST", data=json.dumps(
            {"operation": "GetObject", "action": "error", "status": 503, "error": "SlowDown",
             "message": "Please reduce your request rate."}).encode())
        urllib.request.urlopen(req).read()
        s3 = admin()
        s3.put_object(Bucket="rsx-stage", Key="unload/f/x", Body=b"1")
        self.assertEqual(code_of(lambda: s3.get_object(Bucket="rsx-stage", Key="unload/f/x")), "SlowDown")
        self.assertEqual(s3.get_object(Bucket="rsx-stage", Key="unload/f/x")["Body"].read(), b"1")


if __name__ == "__main__":
    unittest.main()
