#include "connection.h"

#include <signal.h>
#include <unistd.h>

#include "rsx/endpoints.h"

namespace rsx::cli {

void AddConnectionFlags(CLI::App* cmd, ConnectionFlags* f) {
  cmd->add_option("--region", f->region, "AWS region of the workgroup (default AWS_REGION)");
  cmd->add_option("--workgroup", f->workgroup,
                  "Redshift Serverless workgroup (default RSX_WORKGROUP)");
  cmd->add_option("--database", f->database, "database (default RSX_DATABASE)");
  cmd->add_option("--role-arn", f->role_arn, "customer role to assume (default RSX_ROLE_ARN)");
  cmd->add_option("--external-id", f->external_id,
                  "external ID for the role (default RSX_EXTERNAL_ID)");
  cmd->add_option("--profile", f->profile,
                  "profile for the base credentials (default AWS_PROFILE)");
  cmd->add_option("--endpoint-url", f->endpoint_url,
                  "Data API endpoint (default AWS_ENDPOINT_URL_REDSHIFT_DATA, AWS_ENDPOINT_URL)");
  cmd->add_option("--sts-endpoint-url", f->sts_endpoint_url,
                  "STS endpoint (default AWS_ENDPOINT_URL_STS, AWS_ENDPOINT_URL)");
  cmd->add_flag(
      "--allow-insecure-http", f->allow_insecure_http,
      "allow an http:// endpoint on another host (the session token and SQL then cross the "
      "network in clear text; default: only this machine, or RSX_ALLOW_INSECURE_HTTP=1)");
}

Result<ConnectionConfig> ResolveConnection(const ConnectionFlags& f) {
  ConnectionConfig c;
  std::optional<Workspace> ws;
  if (!f.name.empty()) {
    RSX_ASSIGN_OR_RETURN(Workspace opened, Workspace::Open());
    ws.emplace(std::move(opened));
    RSX_ASSIGN_OR_RETURN(c, ws->GetConnection(f.name));
  }
  const Environment& env = Environment::Process();
  auto pick = [&](std::string* field, const std::string& flag, const char* var) {
    if (!flag.empty()) *field = flag;
    if (field->empty() && var) *field = env.Get(var).value_or("");
  };
  pick(&c.region, f.region, nullptr);
  pick(&c.workgroup, f.workgroup, "RSX_WORKGROUP");
  pick(&c.database, f.database, "RSX_DATABASE");
  pick(&c.role_arn, f.role_arn, "RSX_ROLE_ARN");
  // A saved connection without an external ID uses the workspace's, never RSX_EXTERNAL_ID.
  pick(&c.external_id, f.external_id, f.name.empty() ? "RSX_EXTERNAL_ID" : nullptr);
  pick(&c.endpoint_url, f.endpoint_url, nullptr);
  pick(&c.sts_endpoint_url, f.sts_endpoint_url, nullptr);
  if (c.external_id.empty() && ws) {
    RSX_ASSIGN_OR_RETURN(c.external_id, ws->ExternalId());
  }
  c.allow_insecure_http = c.allow_insecure_http || f.allow_insecure_http;
  if (c.region.empty()) c.region = RegionFromEnvironment(env);
  return c;
}

std::shared_ptr<Runtime> ProcessRuntime(const std::string& profile) {
  static std::shared_ptr<Runtime> runtime = [&] {
    RuntimeOptions o;
    o.profile = profile;
    return *Runtime::Create(o);  // Create does not fail
  }();
  return runtime;
}

Result<std::unique_ptr<Connection>> OpenConnection(const ConnectionFlags& f) {
  RSX_ASSIGN_OR_RETURN(ConnectionConfig c, ResolveConnection(f));
  if (c.region.empty())
    return Status::InvalidArgument("no region: pass --region or set AWS_REGION");
  if (c.workgroup.empty())
    return Status::InvalidArgument("no workgroup: pass --workgroup or set RSX_WORKGROUP");
  if (c.database.empty())
    return Status::InvalidArgument("no database: pass --database or set RSX_DATABASE");
  OpenOptions o;
  o.role_session_seconds = f.duration;
  return Connection::Open(c, ProcessRuntime(f.profile), o);
}

const ProtocolIo* ProtocolSession() {
  static ProtocolIo io = [] {
    ProtocolIo p;
    p.runtime = ProcessRuntime();
    p.interrupted = InstallInterruptHandler();
    return p;
  }();
  return &io;
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
