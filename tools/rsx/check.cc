// rsx check: can rsx do its job with this connection? First the role, then each of the nine
// permissions with a harmless call; a table of granted/denied with AWS's message and the
// policy lines to add. Exit 0 only when everything is granted.

#include <cstdio>
#include <nlohmann/json.hpp>

#include "commands.h"
#include "connection.h"
#include "rsx/endpoints.h"
#include "rsx/sts.h"
#include "rsx/workspace.h"

namespace rsx::cli {
namespace {

struct CheckOptions {
  ConnectionFlags conn;
  bool json = false;
};

struct Probe {
  std::string action;
  std::string result;  // granted | denied | unknown
  std::string message;
};

// A probe call's outcome: AccessDenied names the action it denies (the workgroup login through
// GetCredentials can deny any workgroup call); any other answer proves the permission.
void Classify(const Status& st, const std::string& action, std::vector<Probe>* probes, bool* login_denied) {
  if (st.ok()) {
    probes->push_back({action, "granted", ""});
    return;
  }
  std::string code = st.detail("aws_error");
  if (code == "AccessDeniedException" || code == "AccessDenied" || st.code() == StatusCode::kPermissionDenied) {
    if (st.message().find("redshift-serverless:GetCredentials") != std::string::npos) {
      *login_denied = true;
      probes->push_back({action, "unknown", "the workgroup login (redshift-serverless:GetCredentials) was denied first"});
      return;
    }
    probes->push_back({action, "denied", st.message()});
    return;
  }
  if (code == "ResourceNotFoundException" || code == "ValidationException") {
    probes->push_back({action, "granted", ""});  // allowed to ask; the answer was about the input
    return;
  }
  probes->push_back({action, "unknown", st.ToString()});
}

int RunCheck(CheckOptions o) {
  if (Status st = ResolveSavedConnection(&o.conn); !st.ok()) return ReportError(st);
  ConnectionFlags& f = o.conn;
  const Environment& env = Environment::Process();
  if (f.region.empty()) f.region = RegionFromEnvironment(env);
  if (f.workgroup.empty() || f.database.empty() || f.role_arn.empty() || f.region.empty())
    return ReportError(Status::InvalidArgument(
        "rsx check needs a saved connection (rsx check NAME) or --region, --workgroup, --database and --role-arn"));
  nlohmann::json report = {{"connection", f.name}, {"role_arn", f.role_arn}, {"external_id", f.external_id}};
  auto fail_early = [&](const std::string& stage, const Status& st) {
    if (o.json) {
      report["ok"] = false;
      report["stage"] = stage;
      report["error"] = st.message();
      std::printf("%s\n", report.dump(2).c_str());
      return 1;
    }
    std::printf("✗ %s\n", stage.c_str());
    std::fflush(stdout);
    ReportError(st);
    return 1;  // a failed check, whatever the cause
  };

  // 1. Base credentials and who we are.
  auto http = NewCurlHttpClient();
  ChainOptions co;
  co.profile = f.profile;
  co.region = f.region;
  co.sts_endpoint = f.sts_endpoint_url;
  auto base = NewDefaultCredentialsChain(http, co);
  auto base_creds = base->Get();
  if (!base_creds.ok()) return fail_early("no base AWS credentials", base_creds.status());
  StsOptions so;
  so.region = f.region;
  so.endpoint_url = f.sts_endpoint_url;
  auto sts = StsClient::Create(http, so);
  if (!sts.ok()) return fail_early("the region or STS endpoint is not usable", sts.status());
  auto me = (*sts)->GetCallerIdentity(*base);
  if (!me.ok()) return fail_early("the base AWS credentials were refused", me.status());
  report["operator"] = me->arn;
  if (!o.json) std::printf("✓ base credentials: %s (account %s, from %s)\n", me->arn.c_str(), me->account.c_str(), base_creds->provider.c_str());

  // 2. Assume the customer's role. Nothing is sent to the Data API before this works.
  AssumeRoleParams params{f.role_arn, f.external_id, "", 900};
  auto assumed = (*sts)->AssumeRole(*base, params);
  if (!assumed.ok()) {
    Status st = assumed.status();
    std::string why = st.detail("aws_error") == "AccessDenied"
                          ? "the role could not be assumed: either it does not exist, or its trust policy does not "
                            "allow account " + me->account + ", or its sts:ExternalId condition is not \"" +
                                f.external_id + "\". Compare the trust policy with `rsx policy " +
                                (f.name.empty() ? std::string("NAME") : f.name) + "`. No Data API call was made."
                          : "the role could not be assumed. No Data API call was made.";
    return fail_early(why, st);
  }
  if (!o.json) std::printf("✓ assumed %s (external ID %s)\n", assumed->arn.c_str(), f.external_id.c_str());
  report["assumed"] = assumed->arn;

  // 3. Each permission with a harmless call.
  auto role = NewStaticCredentialsProvider(assumed->credentials);
  auto client = DataApiClient::Create(http, role, {f.region, f.workgroup, f.database, f.endpoint_url});
  if (!client.ok()) return fail_early("the Data API endpoint is not usable", client.status());
  DataApiClient& c = **client;
  std::vector<Probe> probes;
  bool login_denied = false;
  const std::string kNoSuchStatement = "00000000-0000-4000-8000-000000000000";
  auto dbs = c.ListDatabases();
  if (!dbs.ok() && dbs.status().message().find("endpoint doesn't exist") != std::string::npos)
    return fail_early("workgroup '" + f.workgroup + "' was not found in region " + f.region +
                          " (check the workgroup name and the region)",
                      dbs.status());
  Classify(dbs.status(), "redshift-data:ListDatabases", &probes, &login_denied);
  Classify(c.ListSchemas("pg_catalog").status(), "redshift-data:ListSchemas", &probes, &login_denied);
  Classify(c.ListTables("pg_catalog", "pg_namespace").status(), "redshift-data:ListTables", &probes, &login_denied);
  Classify(c.DescribeTable("pg_catalog", "pg_namespace").status(), "redshift-data:DescribeTable", &probes, &login_denied);
  ExecuteRequest one;
  one.sql = "select 1";
  auto exec = c.ExecuteStatement(one);
  Classify(exec.status(), "redshift-data:ExecuteStatement", &probes, &login_denied);
  // Statement calls on an ID that does not exist: "not found" proves the permission without
  // touching anything; AccessDenied refutes it.
  Classify(c.DescribeStatement(kNoSuchStatement).status(), "redshift-data:DescribeStatement", &probes, &login_denied);
  Classify(c.GetStatementResultPage(kNoSuchStatement, "", false).status(), "redshift-data:GetStatementResult", &probes, &login_denied);
  Classify(c.CancelStatement(kNoSuchStatement).status(), "redshift-data:CancelStatement", &probes, &login_denied);
  // The workgroup login: granted when any workgroup call got past it.
  bool any_workgroup_call = false;
  for (const auto& p : probes)
    if (p.result == "granted" && p.action != "redshift-data:DescribeStatement" &&
        p.action != "redshift-data:GetStatementResult" && p.action != "redshift-data:CancelStatement")
      any_workgroup_call = true;
  if (login_denied)
    probes.push_back({"redshift-serverless:GetCredentials", "denied",
                      "the Data API could not log in to the workgroup as the role"});
  else if (any_workgroup_call)
    probes.push_back({"redshift-serverless:GetCredentials", "granted", ""});
  else
    probes.push_back({"redshift-serverless:GetCredentials", "unknown", "no workgroup call was allowed, so the login was not reached"});
  if (exec.ok()) (void)c.CancelStatement(exec->id);  // select 1: long finished; nothing left running

  bool all = true;
  std::vector<std::string> missing;
  for (const auto& p : probes) {
    all = all && p.result == "granted";
    if (p.result == "denied") missing.push_back(p.action);
  }
  if (o.json) {
    nlohmann::json arr = nlohmann::json::array();
    for (const auto& p : probes) arr.push_back({{"action", p.action}, {"result", p.result}, {"message", p.message}});
    report["permissions"] = arr;
    report["missing"] = missing;
    report["ok"] = all;
    std::printf("%s\n", report.dump(2).c_str());
    return all ? 0 : 1;
  }
  std::printf("\n%-38s %-8s %s\n", "permission", "result", "AWS said");
  for (const auto& p : probes)
    std::printf("%-38s %-8s %s\n", p.action.c_str(), p.result.c_str(), p.message.substr(0, 160).c_str());
  if (all) {
    std::printf("\n✓ everything rsx needs is granted\n");
    return 0;
  }
  if (!missing.empty()) {
    std::printf("\nAdd to the role's permission policy:\n  \"Action\": [");
    for (size_t i = 0; i < missing.size(); ++i) std::printf("%s\"%s\"", i ? ", " : "", missing[i].c_str());
    std::printf("]\n(or print the whole policy with `rsx policy %s`)\n", f.name.empty() ? "NAME" : f.name.c_str());
  }
  return 1;
}

}  // namespace

void AddCheckCommand(CLI::App& app, Runner* run) {
  auto o = std::make_shared<CheckOptions>();
  CLI::App* cmd = app.add_subcommand(
      "check", "Check a connection: base credentials, assuming the role with the external ID,\n"
               "then each of the nine permissions with a harmless call. Exit 0 only when all hold.");
  cmd->add_option("name", o->conn.name, "saved connection (or give connection flags)");
  AddConnectionFlags(cmd, &o->conn);
  cmd->add_flag("--json", o->json, "print the result as JSON");
  cmd->callback([run, o] { *run = [o] { return RunCheck(*o); }; });
}

}  // namespace rsx::cli
