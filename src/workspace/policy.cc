#include "rsx/policy.h"

#include <nlohmann/json.hpp>

#include "rsx/s3.h"
#include "rsx/strings.h"

namespace rsx {

using nlohmann::ordered_json;

const char* const* RsxActions(int* count) {
  static const char* const kActions[] = {
      "redshift-data:CancelStatement",     "redshift-data:DescribeStatement",
      "redshift-data:DescribeTable",       "redshift-data:ExecuteStatement",
      "redshift-data:GetStatementResult",  "redshift-data:ListDatabases",
      "redshift-data:ListSchemas",         "redshift-data:ListTables",
      "redshift-serverless:GetCredentials"};
  *count = 9;
  return kActions;
}

std::string PermissionPolicy(const std::string& wg) {
  ordered_json statements = ordered_json::array();
  if (wg.empty()) {
    statements.push_back({{"Sid", "RsxReadThroughTheDataApi"},
                          {"Effect", "Allow"},
                          {"Action",
                           {"redshift-data:CancelStatement", "redshift-data:DescribeStatement",
                            "redshift-data:DescribeTable", "redshift-data:ExecuteStatement",
                            "redshift-data:GetStatementResult", "redshift-data:ListDatabases",
                            "redshift-data:ListSchemas", "redshift-data:ListTables"}},
                          {"Resource", "*"}});
    statements.push_back({{"Sid", "RsxLogInToTheWorkgroup"},
                          {"Effect", "Allow"},
                          {"Action", {"redshift-serverless:GetCredentials"}},
                          {"Resource", "*"}});
  } else {
    statements.push_back(
        {{"Sid", "RsxWorkgroupCalls"},
         {"Effect", "Allow"},
         {"Action",
          {"redshift-data:DescribeTable", "redshift-data:ExecuteStatement",
           "redshift-data:ListDatabases", "redshift-data:ListSchemas", "redshift-data:ListTables"}},
         {"Resource", wg}});
    statements.push_back(
        {{"Sid", "RsxOwnStatements"},
         {"Effect", "Allow"},
         {"Action",
          {"redshift-data:CancelStatement", "redshift-data:DescribeStatement",
           "redshift-data:GetStatementResult"}},
         {"Resource", "*"},
         {"Condition",
          {{"StringEquals", {{"redshift-data:statement-owner-iam-userid", "${aws:userid}"}}}}}});
    statements.push_back({{"Sid", "RsxLogInToTheWorkgroup"},
                          {"Effect", "Allow"},
                          {"Action", {"redshift-serverless:GetCredentials"}},
                          {"Resource", wg}});
  }
  return ordered_json{{"Version", "2012-10-17"}, {"Statement", statements}}.dump(2);
}

Result<StagePolicies> StagePolicy(const std::string& stage, const std::string& partition) {
  RSX_ASSIGN_OR_RETURN(S3Location loc, ParseS3Url(stage));
  std::string prefix = loc.key;
  if (!prefix.empty() && prefix.back() != '/') prefix += '/';
  std::string bucket_arn = "arn:" + partition + ":s3:::" + loc.bucket;
  std::string objects = bucket_arn + "/" + prefix + "*";
  auto list = [&](const char* sid) {
    return ordered_json{{"Sid", sid},
                        {"Effect", "Allow"},
                        {"Action", {"s3:ListBucket"}},
                        {"Resource", bucket_arn},
                        {"Condition", {{"StringLike", {{"s3:prefix", {prefix + "*"}}}}}}};
  };
  auto location = ordered_json{{"Sid", "RsxStageBucketRegion"},
                               {"Effect", "Allow"},
                               {"Action", {"s3:GetBucketLocation"}},
                               {"Resource", bucket_arn}};
  StagePolicies out;
  out.connector = ordered_json{
      {"Version", "2012-10-17"},
      {"Statement",
       {{{"Sid", "RsxReadAndCleanTheStage"},
         {"Effect", "Allow"},
         {"Action", {"s3:GetObject", "s3:DeleteObject"}},
         {"Resource", objects}},
        list("RsxListTheStage"),
        location}}}.dump(2);
  out.redshift = ordered_json{
      {"Version", "2012-10-17"},
      {"Statement",
       {{{"Sid", "RedshiftUnloadToTheStage"},
         {"Effect", "Allow"},
         {"Action", {"s3:PutObject", "s3:DeleteObject"}},
         {"Resource", objects}},
        list("RedshiftListTheStage"),
        location}}}.dump(2);
  return out;
}

std::string TrustPolicy(const std::string& account, const std::string& external_id,
                        const std::string& partition) {
  ordered_json statement = {
      {"Sid", "RsxAssumeWithExternalId"},
      {"Effect", "Allow"},
      {"Principal", {{"AWS", "arn:" + partition + ":iam::" + account + ":root"}}},
      {"Action", "sts:AssumeRole"},
      {"Condition", {{"StringEquals", {{"sts:ExternalId", external_id}}}}}};
  return ordered_json{{"Version", "2012-10-17"}, {"Statement", ordered_json::array({statement})}}
      .dump(2);
}

std::string PartitionOf(const std::string& arn) {
  auto parts = util::Split(arn, ':');
  return parts.size() > 1 && !parts[1].empty() ? parts[1] : "aws";
}

Result<std::string> DatabaseUserFor(const std::string& iam_arn) {
  auto parts = util::Split(iam_arn, ':');
  if (parts.size() == 6 && parts[0] == "arn" && parts[2] == "iam") {
    const std::string& resource = parts[5];
    size_t slash = resource.rfind('/');
    std::string kind = resource.substr(0, resource.find('/'));
    std::string name = slash == std::string::npos ? "" : resource.substr(slash + 1);
    if (!name.empty() && kind == "role") return "IAMR:" + name;
    if (!name.empty() && kind == "user") return "IAM:" + name;
  }
  return Status::InvalidArgument("'" + iam_arn +
                                 "' is not an IAM role or user ARN "
                                 "(arn:aws:iam::<account>:role/<name>)");
}

std::string QuoteSqlIdentifier(const std::string& name) {
  std::string out = "\"";
  for (char c : name) {
    if (c == '"') out += '"';
    out += c;
  }
  return out + "\"";
}

std::string GrantSql(const std::string& db_user, const std::vector<std::string>& schemas) {
  std::string user = QuoteSqlIdentifier(db_user), out;
  for (const auto& schema : schemas) {
    std::string s = QuoteSqlIdentifier(schema);
    out += "GRANT USAGE ON SCHEMA " + s + " TO " + user + ";\n";
    out += "GRANT SELECT ON ALL TABLES IN SCHEMA " + s + " TO " + user + ";\n";
    out += "ALTER DEFAULT PRIVILEGES IN SCHEMA " + s + " GRANT SELECT ON TABLES TO " + user + ";\n";
  }
  return out;
}

}  // namespace rsx
