// rsx whoami: who am I to AWS, and can I assume the customer's role? The first command to run
// when access fails.

#include <cstdio>

#include "commands.h"
#include "connection.h"
#include "rsx/endpoints.h"
#include "rsx/strings.h"

namespace rsx::cli {
namespace {

struct WhoamiOptions {
  std::string role_arn, external_id, session_name, region, profile, sts_endpoint;
  int duration = 3600;
  bool json = false, credential_cache = true;
};

int RunWhoami(const WhoamiOptions& o) {
  const Environment& env = Environment::Process();
  std::string region = o.region.empty() ? RegionFromEnvironment(env) : o.region;
  if (region.empty()) region = "us-east-1";
  AssumeRoleParams params{o.role_arn, o.external_id, o.session_name, o.duration};
  if (o.role_arn.empty() && !o.external_id.empty())
    return ReportError(Status::InvalidArgument("--external-id needs --role-arn"));

  bool cache = o.credential_cache && o.session_name.empty() &&
               env.Get("RSX_NO_CREDENTIAL_CACHE").value_or("").empty();
  auto r = WhoAmI(*ProcessRuntime(o.profile), region, o.sts_endpoint,
                  o.role_arn.empty() ? nullptr : &params, cache ? CredentialCacheDir() : "");
  if (!r.ok()) return ReportError(r.status());
  const CallerIdentity& id = r->operator_identity;
  if (o.json) {
    std::printf("%s\n", IdentityReportJson(*r, o.external_id).c_str());
    return 0;
  }
  std::printf("Base identity\n");
  std::printf("  account     %s\n", id.account.c_str());
  std::printf("  arn         %s\n", id.arn.c_str());
  std::printf("  user id     %s\n", id.user_id.c_str());
  std::printf("  credentials %s\n", r->operator_access_key.c_str());
  std::printf("  sts         %s\n", r->sts_endpoint.c_str());
  if (r->assumed) {
    auto left =
        std::chrono::duration_cast<std::chrono::minutes>(r->expiration - Clock::Real().Now());
    std::printf("Assumed role\n");
    std::printf("  arn         %s\n", r->role_identity.arn.c_str());
    std::printf("  account     %s\n", r->role_identity.account.c_str());
    std::printf("  external id %s\n",
                o.external_id.empty() ? "(none sent)" : o.external_id.c_str());
    std::printf("  expires     %s (in %lld min)\n", util::FormatIso8601(r->expiration).c_str(),
                static_cast<long long>(left.count()));
    std::printf("  credentials %s\n", r->from_cache
                                          ? "from the credential cache (no AssumeRole call)"
                                      : cache ? "from AssumeRole (now in the credential cache)"
                                              : "from AssumeRole (not cached)");
  }
  return 0;
}

}  // namespace

void AddWhoamiCommand(CLI::App& app, Runner* run) {
  auto o = std::make_shared<WhoamiOptions>();
  CLI::App* cmd = app.add_subcommand(
      "whoami",
      "Show the AWS identity rsx runs as and which provider supplied it; with --role-arn,\n"
      "assume that role (with --external-id) and show the assumed identity and its expiry.");
  cmd->add_option("--role-arn", o->role_arn,
                  "IAM role to assume, arn:aws:iam::<account>:role/<name>");
  cmd->add_option("--external-id", o->external_id, "external ID the role's trust policy requires");
  cmd->add_option("--session-name", o->session_name, "role session name (default rsx-<epoch>)");
  cmd->add_option("--duration", o->duration, "assumed-role session length in seconds (900-43200)")
      ->default_val(3600);
  cmd->add_option("--region", o->region, "AWS region (default AWS_REGION, else us-east-1)");
  cmd->add_option("--profile", o->profile, "profile from ~/.aws/config (default AWS_PROFILE)");
  cmd->add_option("--sts-endpoint-url", o->sts_endpoint,
                  "STS endpoint URL (default AWS_ENDPOINT_URL_STS, AWS_ENDPOINT_URL, or the "
                  "regional endpoint)");
  cmd->add_flag("--json", o->json, "print JSON instead of text");
  cmd->add_flag("--no-credential-cache{false}", o->credential_cache,
                "assume the role afresh, ignoring the credentials cached in RSX_HOME/cache "
                "(a --session-name also bypasses the cache)");
  cmd->callback([run, o] { *run = [o] { return RunWhoami(*o); }; });
}

}  // namespace rsx::cli
