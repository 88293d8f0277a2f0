#include "connection.h"

#include <signal.h>
#include <unistd.h>

#include "rsx/endpoints.h"

namespace rsx::cli {

void AddUnloadFlags(CLI::App* cmd, UnloadConfig* u) {
  cmd->add_option("--stage", u->stage,
                  "S3 prefix for reading through UNLOAD, s3://bucket/prefix/ (default RSX_STAGE; "
                  "see docs/unload.md)");
  cmd->add_option("--unload-role", u->iam_role,
                  "the IAM role Redshift writes the stage with: default (the namespace's default "
                  "role) or arn:aws:iam::<account>:role/<name>");
  cmd->add_option("--unload-region", u->region,
                  "the stage bucket's region (default: the workgroup's)");
  cmd->add_option("--unload-compression", u->compression,
                  "compression of the staged files: gzip (default), zstd or none")
      ->check(CLI::IsMember({"gzip", "zstd", "none"}));
}

void AddConnectionFlags(CLI::App* cmd, ConnectionFlags* f) {
  cmd->add_option("--region", f->c.region, "AWS region of the workgroup (default AWS_REGION)");
  cmd->add_option("--workgroup", f->c.workgroup,
                  "Redshift Serverless workgroup (default RSX_WORKGROUP)");
  cmd->add_option("--database", f->c.database, "database (default RSX_DATABASE)");
  cmd->add_option("--role-arn", f->c.role_arn, "customer role to assume (default RSX_ROLE_ARN)");
  cmd->add_option("--external-id", f->c.external_id,
                  "external ID for the role (default RSX_EXTERNAL_ID)");
  cmd->add_option("--profile", f->profile,
                  "profile for the base credentials (default AWS_PROFILE)");
  cmd->add_option("--endpoint-url", f->c.endpoint_url,
                  "Data API endpoint (default AWS_ENDPOINT_URL_REDSHIFT_DATA, AWS_ENDPOINT_URL)");
  cmd->add_option("--sts-endpoint-url", f->c.sts_endpoint_url,
                  "STS endpoint (default AWS_ENDPOINT_URL_STS, AWS_ENDPOINT_URL)");
  cmd->add_flag(
      "--allow-insecure-http", f->c.allow_insecure_http,
      "allow an http:// endpoint on another host (the session token and SQL then cross the "
      "network in clear text; default: only this machine, or RSX_ALLOW_INSECURE_HTTP=1)");
  cmd->add_option("--long-polling", f->c.long_polling,
                  "wait for statements in the Data API's long polls (July 2026): auto (default: "
                  "where the endpoint has them, else polling; RSX_LONG_POLLING), on or off")
      ->check(CLI::IsMember({"auto", "on", "off"}));
  AddUnloadFlags(cmd, &f->c.unload);
  cmd->add_flag("--no-credential-cache{false}", f->c.credential_cache,
                "assume the role afresh instead of reusing its credentials from RSX_HOME/cache "
                "(also RSX_NO_CREDENTIAL_CACHE=1, or a connection's credential_cache: false)");
}

std::string CredentialCacheDir() {
  auto ws = Workspace::Open();
  return ws.ok() ? ws->dir() + "/cache/credentials" : "";
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
  RSX_ASSIGN_OR_RETURN(ConnectionConfig c, ResolveConnection(f.c));
  if (c.region.empty())
    return Status::InvalidArgument("no region: pass --region or set AWS_REGION");
  if (c.workgroup.empty())
    return Status::InvalidArgument("no workgroup: pass --workgroup or set RSX_WORKGROUP");
  if (c.database.empty())
    return Status::InvalidArgument("no database: pass --database or set RSX_DATABASE");
  OpenOptions o;
  o.role_session_seconds = f.duration;
  o.credential_cache_dir = CredentialCacheDir();
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
