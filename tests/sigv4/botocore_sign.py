#!/usr/bin/env python3
"""Signs N randomized requests with botocore's SigV4Auth and prints one JSON object a line:
the request (method, path as plain text, query pairs, header pairs, base64 body), the signing
inputs (keys, token, region, service, time) and botocore's Authorization header.

Usage: botocore_sign.py COUNT SEED
"""
import base64
import datetime
import json
import random
import sys

import botocore.auth
from botocore.awsrequest import AWSRequest
from botocore.credentials import Credentials

PATH_CHARS = list("abcXYZ019-_.~") + [" ", "é", "ሴ", "日本", "😀", "!", "$", "&", "'", "(",
                                       ")", "*", "+", ",", ";", "=", ":", "@", "%", "[", "]"]
QUERY_CHARS = PATH_CHARS + ["/", "?", "#", "^", "`", "{", "}", "|", "\"", "<", ">"]
VALUE_CHARS = [chr(c) for c in range(0x21, 0x7F)]
SKIP_NAMES = {"host", "x-amz-date", "authorization", "x-amz-security-token", "date",
              "x-amz-content-sha256"}


def rand_text(rng, chars, lo, hi):
    return "".join(rng.choice(chars) for _ in range(rng.randint(lo, hi)))


def rand_path(rng):
    segs = []
    for _ in range(rng.randint(0, 5)):
        r = rng.random()
        if r < 0.08:
            segs.append(".")
        elif r < 0.16:
            segs.append("..")
        elif r < 0.22:
            segs.append("")  # makes '//'
        else:
            segs.append(rand_text(rng, PATH_CHARS, 1, 8))
    path = "/" + "/".join(segs)
    if rng.random() < 0.3:
        path += "/"
    return path


def rand_header_value(rng):
    parts = []
    for _ in range(rng.randint(0, 4)):
        parts.append(rand_text(rng, VALUE_CHARS, 1, 10))
        parts.append(rng.choice([" ", "  ", "\t", " \t ", "\n  ", "\n\t"]))
    if rng.random() < 0.3:
        parts.insert(0, rng.choice([" ", "  ", "\t"]))
    return "".join(parts)


def rand_header_name(rng):
    while True:
        name = rand_text(rng, list("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-"), 1, 12)
        if name[0] != "-" and name.lower() not in SKIP_NAMES:
            return name


def one(rng):
    method = rng.choice(["GET", "POST", "PUT", "DELETE", "HEAD", "PATCH"])
    host = rng.choice(["example.amazonaws.com", "redshift-data.eu-west-1.amazonaws.com",
                       "127.0.0.1:45123"])
    path = rand_path(rng)
    query = []
    for _ in range(rng.randint(0, 5)):
        if query and rng.random() < 0.25:
            key = rng.choice(query)[0]  # repeated key
        elif rng.random() < 0.1:
            key = ""  # empty key
        else:
            key = rand_text(rng, QUERY_CHARS, 1, 6)
        value = "" if rng.random() < 0.2 else rand_text(rng, QUERY_CHARS, 1, 8)
        query.append((key, value))
    headers = [("Host", host)]
    names = []
    for _ in range(rng.randint(0, 6)):
        if names and rng.random() < 0.2:
            name = rng.choice(names)
            name = "".join(c.upper() if rng.random() < 0.5 else c.lower() for c in name)
        else:
            name = rand_header_name(rng)
        names.append(name)
        headers.append((name, rand_header_value(rng)))
    if rng.random() < 0.2:
        headers.append(("User-Agent", "rsx-test/1.0"))
    r = rng.random()
    if r < 0.3:
        body = b""
    elif r < 0.6:
        body = bytes(rng.randrange(256) for _ in range(rng.randint(1, 300)))
    else:
        body = json.dumps({"Sql": rand_text(rng, PATH_CHARS, 0, 40)}).encode()
    token = rand_text(rng, VALUE_CHARS, 20, 80) if rng.random() < 0.5 else None
    region = rng.choice(["us-east-1", "eu-west-1", "cn-north-1", "us-gov-west-1"])
    service = rng.choice(["redshift-data", "sts", "redshift-serverless", "service"])
    when = datetime.datetime(2000, 1, 1, tzinfo=datetime.timezone.utc) + datetime.timedelta(
        seconds=rng.randint(0, 30 * 365 * 86400))
    key_id = "AKID" + rand_text(rng, list("ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789"), 16, 16)
    secret = rand_text(rng, list("abcdefghijklmnopqrstuvwxyzABCDEFGHIJ0123456789/+"), 40, 40)

    req = AWSRequest(method=method, url="http://" + host + path, data=body, params=query)
    for n, v in headers:
        req.headers[n] = v  # HTTPHeaders appends: repeated names stay repeated
    botocore.auth.get_current_datetime = lambda: when.replace(tzinfo=None)
    botocore.auth.SigV4Auth(Credentials(key_id, secret, token), service, region).add_auth(req)
    return {
        "method": method, "path": path, "query": query, "headers": headers,
        "body_b64": base64.b64encode(body).decode(), "access_key_id": key_id,
        "secret_access_key": secret, "session_token": token or "", "region": region,
        "service": service, "time": when.strftime("%Y-%m-%dT%H:%M:%SZ"),
        "authorization": req.headers["Authorization"],
    }


def main():
    count, seed = int(sys.argv[1]), int(sys.argv[2])
    rng = random.Random(seed)
    for _ in range(count):
        print(json.dumps(one(rng), ensure_ascii=True))


if __name__ == "__main__":
    main()
