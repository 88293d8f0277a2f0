#pragma once
// The two IAM policies a customer attaches to the role rsx assumes. Both are minimal and
// always valid JSON.

#include <string>

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

// The nine actions, in policy order.
const char* const* RsxActions(int* count);

// The partition of an ARN ("aws", "aws-cn", "aws-us-gov"); "aws" when it has none.
std::string PartitionOf(const std::string& arn);

}  // namespace rsx
