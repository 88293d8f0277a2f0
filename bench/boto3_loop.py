#!/usr/bin/env python3
"""What users write with boto3: the get_statement_result paginator, each row turned into a dict
(Field union -> value), written as JSON lines. Usage: boto3_loop.py STATEMENT_ID OUT_FILE"""
import json
import sys

import boto3

def value(field):
    if field.get("isNull"):
        return None
    for k in ("stringValue", "longValue", "doubleValue", "booleanValue"):
        if k in field:
            return field[k]
    if "blobValue" in field:
        return field["blobValue"].hex()
    return None


def main():
    sid, out = sys.argv[1], sys.argv[2]
    client = boto3.client("redshift-data")
    rows = 0
    with open(out, "w") as f:
        names = None
        for page in client.get_paginator("get_statement_result").paginate(Id=sid):
            if names is None:
                names = [c["name"] for c in page["ColumnMetadata"]]
            for record in page["Records"]:
                f.write(json.dumps(dict(zip(names, (value(x) for x in record)))) + "\n")
                rows += 1
    print(rows)


if __name__ == "__main__":
    main()
