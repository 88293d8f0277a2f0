// rsx whoami: who am I to AWS, and can I assume the customer's role? The first command to run
// when access fails.

#include <cstdio>
#include <nlohmann/json.hpp>

#include "commands.h"
#include "rsx/credentials.h"
#include "rsx/endpoints.h"
#include "rsx/http.h"
#include "rsx/sts.h"
#include "util/strings.h"

namespace rsx::cli {
namespace {

struct WhoamiOptions {
  std::string role_arn, external_id, session_name, region, profile, sts_endpoint;
  int duration = 3600;
  bool json = false;
};

int RunWhoami(const WhoamiOptions& o) {
  const Environment& env = Environment::Process();
  std::string region = o.region.empty() ? RegionFromEnvironment(env) : o.region;
  if (region.empty()) region = "us-east-1";
  if (Status st = ValidateRegion(region); !st.ok()) return ReportError(st.Prepend("--region"));
  AssumeRoleParams params{o.role_arn, o.external_id, o.session_name, o.duration};
  if (!o.role_arn.empty() || !o.external_id.empty()) {
    if (o.role_arn.empty())
      return ReportError(Status::InvalidArgument("--external-id needs --role-arn"));
    if (Status st = ValidateAssumeRoleParams(params); !st.ok()) return ReportError(st);
  }

  auto http = NewCurlHttpClient();
  ChainOptions chain_opt;
  chain_opt.profile = o.profile;
  chain_opt.region = region;
  chain_opt.sts_endpoint = o.sts_endpoint;
  auto base = NewDefaultCredentialsChain(http, chain_opt);
  StsOptions sts_opt;
  sts_opt.region = region;
  sts_opt.endpoint_url = o.sts_endpoint;
  auto sts = StsClient::Create(http, sts_opt);
  if (!sts.ok()) return ReportError(sts.status());

  auto base_creds = base->Get();
  if (!base_creds.ok()) return ReportError(base_creds.status());
  auto id = (*sts)->GetCallerIdentity(*base);
  if (!id.ok()) return ReportError(id.status());

  nlohmann::json out;
  out["base"] = {{"account", id->account}, {"arn", id->arn}, {"user_id", id->user_id},
                 {"provider", base_creds->provider}, {"access_key", base_creds->Describe()}};
  out["sts_endpoint"] = (*sts)->endpoint_url();
  if (!o.role_arn.empty()) {
    auto assumed = (*sts)->AssumeRole(*base, params);
    if (!assumed.ok()) {
      if (!o.json) {
        std::fprintf(stderr, "Base identity: %s (account %s), credentials from %s\n",
                     id->arn.c_str(), id->account.c_str(), base_creds->provider.c_str());
      }
      return ReportError(assumed.status());
    }
    auto role_creds = NewStaticCredentialsProvider(assumed->credentials);
    auto role_id = (*sts)->GetCallerIdentity(*role_creds);
    if (!role_id.ok()) return ReportError(role_id.status());
    auto left = std::chrono::duration_cast<std::chrono::minutes>(*assumed->credentials.expiration -
                                                                  Clock::Real().Now());
    out["assumed"] = {{"arn", role_id->arn},
                      {"account", role_id->account},
                      {"assumed_role_id", assumed->assumed_role_id},
                      {"expiration", util::FormatIso8601(*assumed->credentials.expiration)},
                      {"minutes_left", left.count()},
                      {"external_id", o.external_id}};
  }
  if (o.json) {
    std::printf("%s\n", out.dump(2).c_str());
    return 0;
  }
  std::printf("Base identity\n");
  std::printf("  account     %s\n", id->account.c_str());
  std::printf("  arn         %s\n", id->arn.c_str());
  std::printf("  user id     %s\n", id->user_id.c_str());
  std::printf("  credentials %s\n", base_creds->Describe().c_str());
  std::printf("  sts         %s\n", (*sts)->endpoint_url().c_str());
  if (out.contains("assumed")) {
    const auto& a = out["assumed"];
    std::printf("Assumed role\n");
    std::printf("  arn         %s\n", a["arn"].get<std::string>().c_str());
    std::printf("  account     %s\n", a["account"].get<std::string>().c_str());
    std::printf("  external id %s\n", o.external_id.empty() ? "(none sent)" : o.external_id.c_str());
    std::printf("  expires     %s (in %lld min)\n", a["expiration"].get<std::string>().c_str(),
                static_cast<long long>(a["minutes_left"].get<long long>()));
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
  cmd->add_option("--role-arn", o->role_arn, "IAM role to assume, arn:aws:iam::<account>:role/<name>");
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
  cmd->callback([run, o] { *run = [o] { return RunWhoami(*o); }; });
}

}  // namespace rsx::cli
