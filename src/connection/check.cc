// CheckConnection: the operator's credentials, the role, then each of the nine permissions
// with a harmless call (see rsx/connection.h).

#include <algorithm>
#include <chrono>
#include <nlohmann/json.hpp>

#include "rsx/connection.h"
#include "rsx/crypto.h"
#include "rsx/endpoints.h"
#include "rsx/policy.h"
#include "rsx/statement_runner.h"
#include "rsx/strings.h"
#include "rsx/sts.h"

namespace rsx {
namespace {

// A probe call's outcome: AccessDenied names the action it denies (the workgroup login through
// GetCredentials can deny any workgroup call); any other answer proves the permission.
void Classify(const Status& st, const std::string& action, std::vector<PermissionResult>* probes,
              bool* login_denied) {
  PermissionResult p;
  p.action = action;
  p.aws_error = st.ok() ? "" : st.detail("aws_error");
  const std::string& code = p.aws_error;
  if (st.ok()) {
    p.outcome = PermissionResult::kGranted;
  } else if (code == "AccessDeniedException" || code == "AccessDenied" ||
             st.code() == StatusCode::kPermissionDenied) {
    if (st.message().find("redshift-serverless:GetCredentials") != std::string::npos) {
      *login_denied = true;
      p.outcome = PermissionResult::kUnknown;
      p.message = "the workgroup login (redshift-serverless:GetCredentials) was denied first";
    } else {
      p.outcome = PermissionResult::kDenied;
      p.message = st.message();
    }
  } else if (code == "ResourceNotFoundException" || code == "ValidationException") {
    p.outcome = PermissionResult::kGranted;  // allowed to ask; the answer was about the input
  } else {
    p.outcome = PermissionResult::kUnknown;
    p.message = st.ToString();
  }
  probes->push_back(std::move(p));
}

}  // namespace

const char* PermissionResult::Name(Outcome o) {
  switch (o) {
    case kGranted:
      return "granted";
    case kDenied:
      return "denied";
    default:
      return "unknown";
  }
}

bool CheckReport::ok() const {
  if (!failed_stage.empty() || permissions.empty()) return false;
  for (const auto& p : permissions)
    if (p.outcome != PermissionResult::kGranted) return false;
  return database.checked && database.Unreadable().empty();
}

std::vector<std::string> DatabaseAccess::Unreadable() const {
  std::vector<std::string> out;
  for (const auto& s : schemas)
    for (const auto& t : s.unreadable) out.push_back(s.schema + "." + t);
  return out;
}

std::string DatabaseAccess::FixSql() const {
  std::vector<std::string> fix;
  for (const auto& s : schemas)
    if (!s.usage || !s.unreadable.empty()) fix.push_back(s.schema);
  return fix.empty() ? "" : GrantSql(user, fix);
}

namespace {

bool IsSystemSchema(const std::string& s) {
  return s == "pg_catalog" || s == "information_schema" || s == "pg_internal" || s == "pg_automv" ||
         s == "catalog_history" || s.rfind("pg_toast", 0) == 0 || s.rfind("pg_temp", 0) == 0;
}

// One statement: the user, each schema's USAGE and each table's SELECT.
DatabaseAccess ReadAccess(DataApiClient& c, const std::vector<std::string>& only,
                          const std::atomic<bool>* interrupted) {
  DatabaseAccess a;
  TextRows rows;
  RunOptions o;
  o.timeout = std::chrono::minutes(2);
  o.interrupted = interrupted;
  auto run = RunStatement(
      c,
      "select current_user, n.nspname, has_schema_privilege(n.nspname, 'USAGE'), "
      "coalesce(c.relname, ''), case when c.relname is null then false when not "
      "has_schema_privilege(n.nspname, 'USAGE') then false else "
      "has_table_privilege(quote_ident(n.nspname) || '.' || quote_ident(c.relname), 'SELECT') "
      "end from pg_namespace n left join pg_class c on c.relnamespace = n.oid and c.relkind in "
      "('r', 'p', 'v', 'm') where n.nspname not in ('pg_catalog', 'information_schema', "
      "'pg_internal', 'pg_automv', 'catalog_history') and n.nspname not like 'pg_toast%' and "
      "n.nspname not like 'pg_temp%' order by 2, 4",
      o, &rows);
  if (!run.ok()) {
    a.error = Status(run.status()).Prepend("reading the database user's privileges");
    return a;
  }
  auto yes = [](const std::string& v) { return v == "true" || v == "t"; };
  for (const auto& r : rows.rows) {
    if (r.size() != 5 || IsSystemSchema(r[1])) continue;
    if (!only.empty() && std::find(only.begin(), only.end(), r[1]) == only.end()) continue;
    a.user = r[0];
    if (a.schemas.empty() || a.schemas.back().schema != r[1])
      a.schemas.push_back(SchemaAccess{r[1], yes(r[2]), {}, {}});
    if (r[3].empty()) continue;
    SchemaAccess& s = a.schemas.back();
    (s.usage && yes(r[4]) ? s.readable : s.unreadable).push_back(r[3]);
  }
  a.checked = true;
  return a;
}

// The stage's four actions with harmless calls: list the prefix; get and delete a key that
// does not exist (S3 answers NoSuchKey, or 204 for the delete, only to a caller who may); the
// bucket's region.
void ProbeStage(const ConnectionConfig& f, Runtime& runtime,
                const std::shared_ptr<CredentialsProvider>& role,
                std::vector<PermissionResult>* probes) {
  auto add = [&](const std::string& action, PermissionResult::Outcome o, const std::string& code,
                 const std::string& message) {
    PermissionResult p;
    p.action = action;
    p.outcome = o;
    p.aws_error = code;
    p.message = message;
    probes->push_back(std::move(p));
  };
  auto loc = ParseS3Url(f.unload.stage);
  std::string region = f.unload.region.empty() ? f.region : f.unload.region;
  auto s3 = S3Client::Create(runtime.http(), role, region, runtime.env());
  if (!loc.ok() || !s3.ok()) {
    add("s3:ListBucket", PermissionResult::kUnknown, "",
        (!loc.ok() ? loc.status() : s3.status()).message());
    return;
  }
  std::string prefix = loc->key;
  if (!prefix.empty() && prefix.back() != '/') prefix += '/';
  auto judge = [&](const std::string& action, const Status& st, const char* fine_code) {
    std::string code = st.ok() ? "" : st.detail("aws_error");
    if (st.ok() || (fine_code && code == fine_code))
      add(action, PermissionResult::kGranted, code, "");
    else if (code == "AccessDenied" || st.code() == StatusCode::kPermissionDenied)
      add(action, PermissionResult::kDenied, code, st.message() + " (on " + f.unload.stage + ")");
    else
      add(action, PermissionResult::kUnknown, code, st.message());
  };
  judge("s3:ListBucket", (*s3)->List(loc->bucket, prefix).status(), nullptr);
  std::string missing =
      prefix + "rsx-check-" + crypto::Sha256Hex(crypto::RandomBytes(8)).substr(0, 12);
  judge("s3:GetObject", (*s3)->Get(loc->bucket, missing, 0, 0).status(), "NoSuchKey");
  judge("s3:DeleteObject", (*s3)->Delete(loc->bucket, {missing}), nullptr);
  auto where = (*s3)->BucketRegion(loc->bucket);
  judge("s3:GetBucketLocation", where.status(), nullptr);
  if (where.ok()) {
    std::string actual = where->empty() ? "us-east-1" : *where;
    if (actual != region)
      probes->back() = PermissionResult{"s3:GetBucketLocation", PermissionResult::kUnknown, "",
                                        "the stage bucket is in " + actual + ", not " + region +
                                            ": set --unload-region " + actual};
  }
}

}  // namespace

std::vector<std::string> CheckReport::Missing() const {
  std::vector<std::string> out;
  for (const auto& p : permissions)
    if (p.outcome == PermissionResult::kDenied) out.push_back(p.action);
  return out;
}

CheckReport CheckConnection(const ConnectionConfig& f, Runtime& runtime,
                            const std::atomic<bool>* interrupted) {
  CheckReport r;
  auto fail = [&](const std::string& stage, const Status& st) {
    r.failed_stage = stage;
    r.error = st;
    return r;
  };
  if (f.workgroup.empty() || f.database.empty() || f.role_arn.empty() || f.region.empty())
    return fail("the connection is incomplete",
                Status::InvalidArgument("rsx check needs a saved connection (rsx check NAME) or "
                                        "--region, --workgroup, --database and --role-arn"));

  // 1. Base credentials and who we are.
  auto base = runtime.OperatorCredentials(f.region, f.sts_endpoint_url);
  auto base_creds = base->Get();
  if (!base_creds.ok()) return fail("no base AWS credentials", base_creds.status());
  r.operator_provider = base_creds->provider;
  StsOptions so;
  so.region = f.region;
  so.endpoint_url = f.sts_endpoint_url;
  so.env = &runtime.env();
  auto sts = StsClient::Create(runtime.http(), so);
  if (!sts.ok()) return fail("the region or STS endpoint is not usable", sts.status());
  auto me = (*sts)->GetCallerIdentity(*base);
  if (!me.ok()) return fail("the base AWS credentials were refused", me.status());
  r.operator_arn = me->arn;
  r.operator_account = me->account;

  // 2. Assume the customer's role. Nothing is sent to the Data API before this works.
  AssumeRoleParams params{f.role_arn, f.external_id, "", 900};
  auto assumed = (*sts)->AssumeRole(*base, params);
  if (!assumed.ok()) {
    Status st = assumed.status();
    std::string why = st.detail("aws_error") == "AccessDenied"
                          ? "the role could not be assumed: either it does not exist, or its trust "
                            "policy does not "
                            "allow account " +
                                me->account + ", or its sts:ExternalId condition is not \"" +
                                f.external_id + "\". Compare the trust policy with `rsx policy " +
                                (f.name.empty() ? std::string("NAME") : f.name) +
                                "`. No Data API call was made."
                          : "the role could not be assumed. No Data API call was made.";
    return fail(why, st);
  }
  r.assumed_arn = assumed->arn;

  // 3. Each permission with a harmless call.
  auto role = NewStaticCredentialsProvider(assumed->credentials);
  auto client = DataApiClient::Create(
      runtime.http(), role, {f.region, f.workgroup, f.database, f.endpoint_url}, runtime.env());
  if (!client.ok()) return fail("the Data API endpoint is not usable", client.status());
  DataApiClient& c = **client;
  std::vector<PermissionResult>& probes = r.permissions;
  bool login_denied = false;
  const std::string kNoSuchStatement = "00000000-0000-4000-8000-000000000000";
  auto dbs = c.ListDatabases();
  if (!dbs.ok() && dbs.status().message().find("endpoint doesn't exist") != std::string::npos)
    return fail("workgroup '" + f.workgroup + "' was not found in region " + f.region +
                    " (check the workgroup name and the region)",
                dbs.status());
  Classify(dbs.status(), "redshift-data:ListDatabases", &probes, &login_denied);
  Classify(c.ListSchemas("pg_catalog").status(), "redshift-data:ListSchemas", &probes,
           &login_denied);
  Classify(c.ListTables("pg_catalog", "pg_namespace").status(), "redshift-data:ListTables", &probes,
           &login_denied);
  Classify(c.DescribeTable("pg_catalog", "pg_namespace").status(), "redshift-data:DescribeTable",
           &probes, &login_denied);
  ExecuteRequest one;
  one.sql = "select 1";
  auto exec = c.ExecuteStatement(one);
  Classify(exec.status(), "redshift-data:ExecuteStatement", &probes, &login_denied);
  // Statement calls on an ID that does not exist: "not found" proves the permission without
  // touching anything; AccessDenied refutes it.
  Classify(c.DescribeStatement(kNoSuchStatement).status(), "redshift-data:DescribeStatement",
           &probes, &login_denied);
  Classify(c.GetStatementResultPage(kNoSuchStatement, "", false).status(),
           "redshift-data:GetStatementResult", &probes, &login_denied);
  Classify(c.CancelStatement(kNoSuchStatement).status(), "redshift-data:CancelStatement", &probes,
           &login_denied);
  // The workgroup login: granted when any workgroup call got past it.
  bool any_workgroup_call = false;
  for (const auto& p : probes)
    if (p.outcome == PermissionResult::kGranted && p.action != "redshift-data:DescribeStatement" &&
        p.action != "redshift-data:GetStatementResult" &&
        p.action != "redshift-data:CancelStatement")
      any_workgroup_call = true;
  PermissionResult login;
  login.action = "redshift-serverless:GetCredentials";
  if (login_denied) {
    login.outcome = PermissionResult::kDenied;
    login.message = "the Data API could not log in to the workgroup as the role";
  } else if (any_workgroup_call) {
    login.outcome = PermissionResult::kGranted;
  } else {
    login.message = "no workgroup call was allowed, so the login was not reached";
  }
  probes.push_back(login);
  if (exec.ok())
    (void)c.CancelStatement(exec->id);  // select 1: long finished; nothing left running
  // With a stage for UNLOAD: what the role may do there.
  if (!f.unload.stage.empty()) ProbeStage(f, runtime, role, &probes);
  // 4. Inside the database: the role's own user and what it may read.
  bool can_query = true;
  for (const auto& p : probes)
    if ((p.action == "redshift-data:ExecuteStatement" ||
         p.action == "redshift-data:DescribeStatement" ||
         p.action == "redshift-data:GetStatementResult" ||
         p.action == "redshift-serverless:GetCredentials") &&
        p.outcome != PermissionResult::kGranted)
      can_query = false;
  if (can_query) r.database = ReadAccess(c, f.schemas, interrupted);
  return r;
}

}  // namespace rsx

namespace rsx {

Result<IdentityReport> WhoAmI(Runtime& runtime, const std::string& region,
                              const std::string& sts_endpoint, const AssumeRoleParams* role,
                              const std::string& credential_cache_dir) {
  if (Status st = ValidateRegion(region); !st.ok()) return st.Prepend("--region");
  if (role) RSX_RETURN_IF_ERROR(ValidateAssumeRoleParams(*role));
  auto base = runtime.OperatorCredentials(region, sts_endpoint);
  StsOptions so;
  so.region = region;
  so.endpoint_url = sts_endpoint;
  so.env = &runtime.env();
  RSX_ASSIGN_OR_RETURN(auto sts, StsClient::Create(runtime.http(), so));
  RSX_ASSIGN_OR_RETURN(Credentials creds, base->Get());
  IdentityReport r;
  r.operator_provider = creds.provider;
  r.operator_access_key = creds.Describe();
  r.sts_endpoint = sts->endpoint_url();
  RSX_ASSIGN_OR_RETURN(r.operator_identity, sts->GetCallerIdentity(*base));
  if (!role) return r;
  if (!credential_cache_dir.empty()) {
    CredentialCacheOptions cache;
    cache.dir = credential_cache_dir;
    cache.sts_endpoint = sts->endpoint_url();
    cache.warn = [&runtime](const std::string& m) { runtime.Log(m); };
    ChainOptions co;
    co.env = &runtime.env();
    co.region = region;
    auto cached = NewCachedAssumeRoleProvider(sts, base, *role, cache, co);
    auto got = cached->Get();
    if (!got.ok())
      return Status(got.status())
          .Prepend("as " + r.operator_identity.arn + " (account " + r.operator_identity.account +
                   ", credentials from " + r.operator_provider + ")");
    r.from_cache = util::EndsWith(got->provider, kFromCredentialCache);
    auto role_creds = NewStaticCredentialsProvider(*got);
    RSX_ASSIGN_OR_RETURN(r.role_identity, sts->GetCallerIdentity(*role_creds));
    r.assumed = true;
    r.assumed_role_id = r.role_identity.user_id;  // AROA...:session, as AssumeRole names it
    if (got->expiration) r.expiration = *got->expiration;
    return r;
  }
  auto assumed = sts->AssumeRole(*base, *role);
  if (!assumed.ok())
    return Status(assumed.status())
        .Prepend("as " + r.operator_identity.arn + " (account " + r.operator_identity.account +
                 ", credentials from " + r.operator_provider + ")");
  auto role_creds = NewStaticCredentialsProvider(assumed->credentials);
  RSX_ASSIGN_OR_RETURN(r.role_identity, sts->GetCallerIdentity(*role_creds));
  r.assumed = true;
  r.assumed_role_id = assumed->assumed_role_id;
  if (assumed->credentials.expiration) r.expiration = *assumed->credentials.expiration;
  return r;
}

Result<std::string> OperatorAccount(Runtime& runtime, const ConnectionConfig& c,
                                    const std::string& given) {
  if (!given.empty()) {
    if (given.size() != 12 || given.find_first_not_of("0123456789") != std::string::npos)
      return Status::InvalidArgument("--operator-account '" + given + "' must be 12 digits");
    return given;
  }
  RSX_ASSIGN_OR_RETURN(IdentityReport id, WhoAmI(runtime, c.region, c.sts_endpoint_url));
  return id.operator_identity.account;
}

std::string IdentityReportJson(const IdentityReport& r, const std::string& external_id) {
  const CallerIdentity& id = r.operator_identity;
  nlohmann::json out;
  out["base"] = {{"account", id.account},
                 {"arn", id.arn},
                 {"user_id", id.user_id},
                 {"provider", r.operator_provider},
                 {"access_key", r.operator_access_key}};
  out["sts_endpoint"] = r.sts_endpoint;
  if (r.assumed) {
    auto left =
        std::chrono::duration_cast<std::chrono::minutes>(r.expiration - Clock::Real().Now());
    out["assumed"] = {{"arn", r.role_identity.arn},
                      {"account", r.role_identity.account},
                      {"assumed_role_id", r.assumed_role_id},
                      {"expiration", util::FormatIso8601(r.expiration)},
                      {"minutes_left", left.count()},
                      {"external_id", external_id},
                      {"from_cache", r.from_cache}};
  }
  return out.dump(2);
}

std::string CheckReportJson(const CheckReport& r, const ConnectionConfig& f) {
  nlohmann::json report = {
      {"connection", f.name}, {"role_arn", f.role_arn}, {"external_id", f.external_id}};
  if (!r.operator_arn.empty()) report["operator"] = r.operator_arn;
  if (!r.assumed_arn.empty()) report["assumed"] = r.assumed_arn;
  if (!r.failed_stage.empty()) {
    report["ok"] = false;
    report["stage"] = r.failed_stage;
    report["error"] = r.error.message();
    return report.dump(2);
  }
  nlohmann::json arr = nlohmann::json::array();
  for (const auto& p : r.permissions)
    arr.push_back({{"action", p.action},
                   {"result", PermissionResult::Name(p.outcome)},
                   {"message", p.message}});
  report["permissions"] = arr;
  report["missing"] = r.Missing();
  const DatabaseAccess& d = r.database;
  if (d.checked) {
    nlohmann::json schemas = nlohmann::json::array();
    for (const auto& s : d.schemas)
      schemas.push_back({{"schema", s.schema},
                         {"usage", s.usage},
                         {"readable", s.readable},
                         {"unreadable", s.unreadable}});
    report["database"] = {{"user", d.user},
                          {"schemas", schemas},
                          {"unreadable", d.Unreadable()},
                          {"grant_sql", d.FixSql()}};
  } else if (!d.error.ok()) {
    report["database"] = {{"error", d.error.message()}};
  } else {
    report["database"] = nullptr;
  }
  report["ok"] = r.ok();
  return report.dump(2);
}

}  // namespace rsx
