#!/usr/bin/env python3
"""What users write with boto3: the get_statement_result paginator, each row turned into a dict
(Field union -> value), written as JSON lines to OUT_FILE or stdout. Usage: boto3_loop.py STATEMENT_ID [OUT_FILE]"""
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
    sid = sys.argv[1]
    client = boto3.client("redshift-data")
    rows = 0
    with (open(sys.argv[2], "w") if len(sys.argv) > 2 else sys.stdout) as f:
        names = None
        for page in client.get_paginator("get_statement_result").paginate(Id=sid):
            if names is None:
                names = [c["name"] for c in page["ColumnMetadata"]]
            for record in page["Records"]:
                f.write(json.dumps(dict(zip(names, (value(x) for x in record)))) + "\n")
                rows += 1
    print(rows, file=sys.stderr)


if __name__ == "__main__":
    main()
