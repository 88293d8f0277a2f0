// rsx serve: the connector as a multi-tenant service (docs/service.md).

#include <cstdio>

#include "commands.h"
#include "connection.h"
#include "rsx/files.h"
#include "rsx/service.h"
#include "rsx/strings.h"
#include "rsx/workspace.h"

namespace rsx::cli {
namespace {

struct ServeCliOptions {
  ServeOptions o;
  std::string admin_token_file, profile, min_interval = "60s", health_interval = "5m";
};

int RunServe(ServeCliOptions c) {
  ServeOptions o = c.o;
  if (!c.admin_token_file.empty()) {
    auto token = ReadTextFile(c.admin_token_file, "--admin-token-file", 4096);
    if (!token.ok()) return ReportError(token.status());
    o.admin_token = util::Trim(*token);
  } else if (const char* env = std::getenv("RSX_ADMIN_TOKEN")) {
    o.admin_token = env;
  }
  auto min_interval = ParseDuration("--min-interval", c.min_interval, std::chrono::seconds(60));
  if (!min_interval.ok()) return ReportError(min_interval.status());
  o.min_interval_seconds = static_cast<int>(min_interval->count() / 1000);
  auto health = ParseDuration("--health-interval", c.health_interval, std::chrono::minutes(5));
  if (!health.ok()) return ReportError(health.status());
  o.health_interval_seconds = static_cast<int>(health->count() / 1000);
  if (o.store.empty() || o.data_dir.empty()) {
    auto ws = Workspace::Open();
    if (!ws.ok()) return ReportError(ws.status());
    if (o.store.empty()) o.store = "sqlite:" + ws->dir() + "/service.db";
    if (o.data_dir.empty()) o.data_dir = ws->dir() + "/service-data";
  }
  o.runtime = ProcessRuntime(c.profile);
  o.stop = InstallInterruptHandler();
  Status st = Serve(o);
  if (!st.ok()) return ReportError(st);
  return 0;
}

}  // namespace

void AddServeCommand(CLI::App& app, Runner* run) {
  auto c = std::make_shared<ServeCliOptions>();
  CLI::App* cmd = app.add_subcommand(
      "serve",
      "Run rsx as a service for many organizations: each gets its own external ID and API\n"
      "keys; connections, syncs on schedules and run history live behind a JSON API under\n"
      "/api/v1 (docs/service.md). The admin token that creates organizations comes from\n"
      "RSX_ADMIN_TOKEN or --admin-token-file, never from a flag. SIGTERM stops gracefully:\n"
      "running syncs stop at their last checkpoint and resume at the next start.");
  cmd->add_option("--listen", c->o.listen,
                  "host:port to listen on (default 127.0.0.1:8080; port 0: any)");
  cmd->add_option("--store", c->o.store, "sqlite:PATH (default sqlite:$RSX_HOME/service.db)");
  cmd->add_option("--data-dir", c->o.data_dir,
                  "where runs write files: DIR/<organization id>/<destination path>/ (default "
                  "$RSX_HOME/service-data)");
  cmd->add_option("--admin-token-file", c->admin_token_file,
                  "file holding the admin token (else RSX_ADMIN_TOKEN)");
  cmd->add_option("--ready-file", c->o.ready_file, "write the bound host:port here once serving");
  cmd->add_option("--tls-cert", c->o.tls_cert, "PEM certificate: serve HTTPS");
  cmd->add_option("--tls-key", c->o.tls_key, "PEM private key for --tls-cert");
  cmd->add_flag("--insecure-http", c->o.insecure_http,
                "allow plain HTTP on a non-loopback address (API keys in clear text)");
  cmd->add_option("--workers", c->o.workers, "runs executed at once (default 4)");
  cmd->add_option("--rate-limit", c->o.rate_limit,
                  "API requests per second per organization, bursts of twice that (default 100; "
                  "0 off); more answer 429");
  cmd->add_option("--min-interval", c->min_interval,
                  "the shortest interval schedule accepted, e.g. 60s (default), 5s in tests");
  cmd->add_option("--health-interval", c->health_interval,
                  "how often connection health is refreshed (default 5m; 0 off)");
  cmd->add_option("--operator-account", c->o.operator_account,
                  "your 12-digit AWS account for trust policies (default: from STS)");
  cmd->add_option("--lease", c->o.lease_seconds,
                  "seconds a worker holds a run between heartbeats before others may resume it "
                  "(default 30)");
  cmd->add_option("--profile", c->profile, "AWS profile of the operator's credentials");
  cmd->callback([run, c] { *run = [c] { return RunServe(*c); }; });
}

}  // namespace rsx::cli
