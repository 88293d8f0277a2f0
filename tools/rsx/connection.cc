#include "connection.h"

#include <signal.h>

#include <cstdlib>
#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>
#include <unistd.h>

#include "rsx/endpoints.h"
#include "rsx/sts.h"
#include "rsx/workspace.h"

namespace rsx::cli {

void AddConnectionFlags(CLI::App* cmd, ConnectionFlags* f) {
  cmd->add_option("--region", f->region, "AWS region of the workgroup (default AWS_REGION)");
  cmd->add_option("--workgroup", f->workgroup, "Redshift Serverless workgroup (default RSX_WORKGROUP)");
  cmd->add_option("--database", f->database, "database (default RSX_DATABASE)");
  cmd->add_option("--role-arn", f->role_arn, "customer role to assume (default RSX_ROLE_ARN)");
  cmd->add_option("--external-id", f->external_id, "external ID for the role (default RSX_EXTERNAL_ID)");
  cmd->add_option("--profile", f->profile, "profile for the base credentials (default AWS_PROFILE)");
  cmd->add_option("--endpoint-url", f->endpoint_url,
                  "Data API endpoint (default AWS_ENDPOINT_URL_REDSHIFT_DATA, AWS_ENDPOINT_URL)");
  cmd->add_option("--sts-endpoint-url", f->sts_endpoint_url,
                  "STS endpoint (default AWS_ENDPOINT_URL_STS, AWS_ENDPOINT_URL)");
  cmd->add_flag("--allow-insecure-http", f->allow_insecure_http,
                "allow an http:// endpoint on another host (the session token and SQL then cross the "
                "network in clear text; default: only this machine, or RSX_ALLOW_INSECURE_HTTP=1)");
}

Status ResolveSavedConnection(ConnectionFlags* f) {
  if (f->name.empty()) return Status::OK();
  RSX_ASSIGN_OR_RETURN(Workspace ws, Workspace::Open());
  RSX_ASSIGN_OR_RETURN(ConnectionConfig c, ws.GetConnection(f->name));
  auto fill = [](std::string* flag, const std::string& saved) {
    if (flag->empty()) *flag = saved;
  };
  fill(&f->region, c.region);
  fill(&f->workgroup, c.workgroup);
  fill(&f->database, c.database);
  fill(&f->role_arn, c.role_arn);
  fill(&f->endpoint_url, c.endpoint_url);
  fill(&f->sts_endpoint_url, c.sts_endpoint_url);
  if (f->external_id.empty()) {
    if (!c.external_id.empty()) {
      f->external_id = c.external_id;
    } else {
      RSX_ASSIGN_OR_RETURN(f->external_id, ws.ExternalId());
    }
  }
  f->max_concurrent_statements = c.max_concurrent_statements;
  f->statement_timeout_seconds = c.statement_timeout_seconds;
  f->allow_insecure_http = f->allow_insecure_http || c.allow_insecure_http;
  return Status::OK();
}

namespace {
std::shared_ptr<HttpCallStats> ProcessStats() {
  static auto stats = std::make_shared<HttpCallStats>();
  return stats;
}
}  // namespace

const HttpCallStats& ProcessHttpStats() { return *ProcessStats(); }

Result<std::shared_ptr<DataApiClient>> OpenClient(ConnectionFlags f) {
  RSX_RETURN_IF_ERROR(ResolveSavedConnection(&f));
  if (f.allow_insecure_http) setenv("RSX_ALLOW_INSECURE_HTTP", "1", 1);  // read by endpoint resolution
  const Environment& env = Environment::Process();
  auto fallback = [&](std::string* v, const char* var) {
    if (v->empty()) *v = env.Get(var).value_or("");
  };
  fallback(&f.workgroup, "RSX_WORKGROUP");
  fallback(&f.database, "RSX_DATABASE");
  fallback(&f.role_arn, "RSX_ROLE_ARN");
  fallback(&f.external_id, "RSX_EXTERNAL_ID");
  if (f.region.empty()) f.region = RegionFromEnvironment(env);
  if (f.region.empty())
    return Status::InvalidArgument("no region: pass --region or set AWS_REGION");
  RSX_RETURN_IF_ERROR(ValidateRegion(f.region));
  if (f.workgroup.empty())
    return Status::InvalidArgument("no workgroup: pass --workgroup or set RSX_WORKGROUP");
  if (f.database.empty())
    return Status::InvalidArgument("no database: pass --database or set RSX_DATABASE");
  AssumeRoleParams params{f.role_arn, f.external_id, "", f.duration};
  if (!f.role_arn.empty()) RSX_RETURN_IF_ERROR(ValidateAssumeRoleParams(params));

  auto http = NewTimedHttpClient(NewCurlHttpClient(), ProcessStats());
  ChainOptions co;
  co.profile = f.profile;
  co.region = f.region;
  co.sts_endpoint = f.sts_endpoint_url;
  std::shared_ptr<CredentialsProvider> creds = NewDefaultCredentialsChain(http, co);
  if (!f.role_arn.empty()) {
    StsOptions so;
    so.region = f.region;
    so.endpoint_url = f.sts_endpoint_url;
    RSX_ASSIGN_OR_RETURN(auto sts, StsClient::Create(http, so));
    creds = NewAssumeRoleProvider(sts, creds, params, co);
  }
  // Fail early, with the credentials error, rather than on the first Data API call.
  RSX_ASSIGN_OR_RETURN(Credentials ignored, creds->Get());
  (void)ignored;
  RSX_ASSIGN_OR_RETURN(auto client, DataApiClient::Create(http, creds, {f.region, f.workgroup, f.database, f.endpoint_url}));
  client->set_max_concurrent_statements(f.max_concurrent_statements);
  return client;
}

Result<std::string> ReadTextFile(const std::string& path, const char* what) {
  std::ifstream in(path);
  if (!in) return Status::InvalidArgument(std::string("cannot read the ") + what + " file " + path);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

Result<ConnectionFlags> FlagsFromConfigFile(const std::string& path, ConnectionConfig* config,
                                            const std::vector<std::string>& ignored_keys) {
  RSX_ASSIGN_OR_RETURN(std::string text, ReadTextFile(path, "config"));
  nlohmann::json j = nlohmann::json::parse(text, nullptr, false);
  if (j.is_discarded() || !j.is_object()) return Status::InvalidArgument("the config file " + path + " is not a JSON object");
  for (const auto& k : ignored_keys) j.erase(k);
  RSX_ASSIGN_OR_RETURN(*config, ConnectionConfig::FromJson(j.dump(), "config"));
  RSX_RETURN_IF_ERROR(ValidateConnection(*config));
  const ConnectionConfig& c = *config;
  ConnectionFlags f;
  f.region = c.region;
  f.workgroup = c.workgroup;
  f.database = c.database;
  f.role_arn = c.role_arn;
  f.external_id = c.external_id;
  f.endpoint_url = c.endpoint_url;
  f.sts_endpoint_url = c.sts_endpoint_url;
  f.max_concurrent_statements = c.max_concurrent_statements;
  f.statement_timeout_seconds = c.statement_timeout_seconds;
  f.allow_insecure_http = c.allow_insecure_http;
  if (f.external_id.empty()) {
    RSX_ASSIGN_OR_RETURN(Workspace ws, Workspace::Open());
    RSX_ASSIGN_OR_RETURN(f.external_id, ws.ExternalId());
  }
  return f;
}

namespace {
std::atomic<bool> g_interrupted{false};
void OnSignal(int) {
  if (g_interrupted.exchange(true)) _exit(130);
}
}  // namespace

const std::atomic<bool>* InstallInterruptHandler() {
  struct sigaction sa {};
  sa.sa_handler = OnSignal;
  sigemptyset(&sa.sa_mask);
  sigaction(SIGINT, &sa, nullptr);
  sigaction(SIGTERM, &sa, nullptr);
  return &g_interrupted;
}

}  // namespace rsx::cli
