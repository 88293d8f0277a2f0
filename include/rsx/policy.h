#pragma once
// The two IAM policies a customer attaches to the role rsx assumes. Both are minimal and
// always valid JSON.

#include <string>
#include <vector>

#include "rsx/result.h"

namespace rsx {

// The nine permissions rsx needs. With `workgroup_arn`, the actions IAM allows on a workgroup
// (ExecuteStatement, DescribeTable, ListDatabases, ListSchemas, ListTables, GetCredentials) are
// limited to it and the statement-level ones (DescribeStatement, GetStatementResult,
// CancelStatement, which accept only "*") are limited to statements the caller owns with the
// redshift-data:statement-owner-iam-userid condition.
std::string PermissionPolicy(const std::string& workgroup_arn = "");

// Trust: the operator's account may assume the role only with this external ID.
std::string TrustPolicy(const std::string& operator_account, const std::string& external_id,
                        const std::string& partition = "aws");

// With a stage for UNLOAD (s3://bucket/prefix/, docs/unload.md), the two further policies:
//   `connector`: for the role rsx assumes: s3:GetObject and s3:DeleteObject on the prefix's
//     objects, s3:ListBucket on the bucket for that prefix only, s3:GetBucketLocation;
//   `redshift`: for the IAM role the namespace writes with (UNLOAD's IAM_ROLE): s3:PutObject,
//     s3:DeleteObject (CLEANPATH) on the prefix's objects, s3:ListBucket for the prefix,
//     s3:GetBucketLocation.
// kInvalidArgument for a stage that is not s3://bucket/...
struct StagePolicies {
  std::string connector, redshift;
};
Result<StagePolicies> StagePolicy(const std::string& stage, const std::string& partition = "aws");

// The nine actions, in policy order.
const char* const* RsxActions(int* count);

// The database user Redshift maps an IAM identity to inside the database: "IAMR:<role name>"
// for arn:<partition>:iam::<account>:role/[<path>/]<name>, "IAM:<user name>" for a user.
// kInvalidArgument naming the ARN for anything else.
Result<std::string> DatabaseUserFor(const std::string& iam_arn);

// The SQL the customer's database administrator runs so `db_user` can read `schemas`: per
// schema GRANT USAGE ON SCHEMA, GRANT SELECT ON ALL TABLES IN SCHEMA (the tables there now) and
// ALTER DEFAULT PRIVILEGES IN SCHEMA ... GRANT SELECT ON TABLES (tables the administrator
// creates later). Names are quoted as SQL identifiers; one statement per line.
std::string GrantSql(const std::string& db_user, const std::vector<std::string>& schemas);

// `name` as a quoted SQL identifier ("a""b" for a"b).
std::string QuoteSqlIdentifier(const std::string& name);

// The partition of an ARN ("aws", "aws-cn", "aws-us-gov"); "aws" when it has none.
std::string PartitionOf(const std::string& arn);

}  // namespace rsx
