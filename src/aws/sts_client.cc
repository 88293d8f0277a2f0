#include "http/aws_call.h"
#include "rsx/endpoints.h"
#include "rsx/strings.h"
#include "rsx/sts.h"
#include "rsx/xml.h"

namespace rsx {
namespace {

AwsError ParseStsError(const HttpResponse& resp) {
  AwsError err;
  auto doc = xml::Parse(resp.body);
  if (doc.ok()) {
    // AWS sends <ErrorResponse><Error>; some emulators nest it in <Errors>, as EC2 does.
    const xml::Element* e = doc->Child("Error");
    if (!e && doc->Child("Errors")) e = doc->Child("Errors")->Child("Error");
    if (e) {
      err.code = e->TextAt("Code");
      err.message = e->TextAt("Message");
    }
    err.request_id = doc->TextAt("RequestId");
  }
  return err;
}

Result<Credentials> CredentialsFrom(const xml::Element& result, const std::string& provider) {
  Credentials c;
  c.access_key_id = result.TextAt("Credentials/AccessKeyId");
  c.secret_access_key = result.TextAt("Credentials/SecretAccessKey");
  c.session_token = result.TextAt("Credentials/SessionToken");
  c.provider = provider;
  std::string exp = result.TextAt("Credentials/Expiration");
  if (c.access_key_id.empty() || c.secret_access_key.empty() || exp.empty())
    return Status::Internal("STS answered without credentials or their expiration");
  auto t = util::ParseTimestamp(exp);
  if (!t.ok())
    return Status::Internal("STS credentials have an unreadable Expiration '" + exp + "'");
  c.expiration = *t;
  return c;
}

}  // namespace

Result<std::shared_ptr<StsClient>> StsClient::Create(std::shared_ptr<HttpClient> http,
                                                     StsOptions options) {
  std::string region =
      options.region.empty() ? RegionFromEnvironment(*options.env) : options.region;
  if (region.empty()) region = "us-east-1";
  RSX_ASSIGN_OR_RETURN(ResolvedEndpoint ep,
                       ResolveEndpoint("sts", region, *options.env, options.endpoint_url));
  auto client = std::shared_ptr<StsClient>(new StsClient());
  client->http_ = std::move(http);
  client->endpoint_url_ = ep.url;
  client->region_ = ep.signing_region;
  client->clock_ = options.clock;
  if (options.max_attempts > 0) {
    client->max_attempts_ = options.max_attempts;
  } else {
    RSX_ASSIGN_OR_RETURN(RetryPolicy p, RetryPolicy::FromEnvironment(*options.env));
    client->max_attempts_ = p.max_attempts;
  }
  client->sleeper_ = RealSleeper();
  return client;
}

Result<std::string> StsClient::Call(CredentialsProvider* caller,
                                    std::vector<std::pair<std::string, std::string>> params,
                                    bool idempotent) {
  std::shared_ptr<CredentialsProvider> creds;
  if (caller) creds = std::shared_ptr<CredentialsProvider>(caller, [](CredentialsProvider*) {});
  RetryPolicy policy;
  policy.max_attempts = max_attempts_;
  AwsCaller aws(http_, creds, policy, clock_, sleeper_);
  HttpRequest req;
  req.method = "POST";
  req.url = "/";
  req.headers.emplace_back("Content-Type", "application/x-www-form-urlencoded; charset=utf-8");
  params.insert(params.begin() + 1, {"Version", "2011-06-15"});  // after Action
  req.body = util::FormEncode(params);
  RSX_ASSIGN_OR_RETURN(HttpResponse resp, aws.Call(AwsEndpoint{endpoint_url_, region_, "sts"},
                                                   std::move(req), idempotent, ParseStsError));
  return std::move(resp.body);
}

Result<CallerIdentity> StsClient::GetCallerIdentity(CredentialsProvider& caller) {
  auto body = Call(&caller, {{"Action", "GetCallerIdentity"}}, true);
  if (!body.ok()) {
    Status st = body.status();
    if (st.code() == StatusCode::kUnauthenticated)
      st.Prepend(
          "the base AWS credentials were rejected by STS (check the access key, secret "
          "and session token, and that they have not expired)");
    else
      st.Prepend("sts:GetCallerIdentity failed at " + endpoint_url_);
    return st;
  }
  RSX_ASSIGN_OR_RETURN(xml::Element doc, xml::Parse(*body));
  CallerIdentity id;
  id.account = doc.TextAt("GetCallerIdentityResult/Account");
  id.arn = doc.TextAt("GetCallerIdentityResult/Arn");
  id.user_id = doc.TextAt("GetCallerIdentityResult/UserId");
  if (id.arn.empty()) return Status::Internal("STS GetCallerIdentity answered without an Arn");
  return id;
}

Result<AssumedRole> StsClient::AssumeRole(CredentialsProvider& caller, const AssumeRoleParams& in) {
  RSX_RETURN_IF_ERROR(ValidateAssumeRoleParams(in));
  AssumeRoleParams p = in;
  if (p.role_session_name.empty())
    p.role_session_name = "rsx-" + std::to_string(std::chrono::duration_cast<std::chrono::seconds>(
                                                      clock_->Now().time_since_epoch())
                                                      .count());
  std::vector<std::pair<std::string, std::string>> params = {
      {"Action", "AssumeRole"},
      {"RoleArn", p.role_arn},
      {"RoleSessionName", p.role_session_name},
      {"DurationSeconds", std::to_string(p.duration_seconds)}};
  if (!p.external_id.empty()) params.emplace_back("ExternalId", p.external_id);
  auto body = Call(&caller, params, true);
  if (!body.ok()) {
    Status st = body.status();
    std::string code = st.detail("aws_error");
    if (code == "AccessDenied") {
      std::string why = "could not assume role " + p.role_arn + ": " + st.message() +
                        ". The role's trust policy must allow this AWS account to call "
                        "sts:AssumeRole";
      why += p.external_id.empty()
                 ? " (no external ID was sent; if the trust policy requires sts:ExternalId, "
                   "pass the external ID)"
                 : " with the condition sts:ExternalId = \"" + p.external_id +
                       "\"; compare this value with the one in the trust policy (STS does not "
                       "say whether the role, the account or the external ID failed)";
      Status denied(StatusCode::kPermissionDenied, why);
      return denied.WithDetail("aws_error", code)
          .WithDetail("http_status", st.detail("http_status"))
          .WithDetail("request_id", st.detail("request_id"));
    }
    if (st.code() == StatusCode::kUnauthenticated)
      return st.Prepend("the base AWS credentials used to assume " + p.role_arn +
                        " were rejected by STS (check them and that they have not expired)");
    if (code == "RegionDisabledException")
      return st.Prepend("STS is not activated in region " + region_ +
                        " for this account (activate it in IAM account settings or use another "
                        "region)");
    return st.Prepend("sts:AssumeRole of " + p.role_arn + " failed");
  }
  RSX_ASSIGN_OR_RETURN(xml::Element doc, xml::Parse(*body));
  const xml::Element* result = doc.Child("AssumeRoleResult");
  if (!result) return Status::Internal("STS AssumeRole answered without AssumeRoleResult");
  AssumedRole out;
  RSX_ASSIGN_OR_RETURN(out.credentials, CredentialsFrom(*result, "assume-role " + p.role_arn));
  out.arn = result->TextAt("AssumedRoleUser/Arn");
  out.assumed_role_id = result->TextAt("AssumedRoleUser/AssumedRoleId");
  return out;
}

Result<AssumedRole> StsClient::AssumeRoleWithWebIdentity(const std::string& role_arn,
                                                         const std::string& session_name,
                                                         const std::string& token,
                                                         int duration_seconds) {
  AssumeRoleParams check{role_arn, "", session_name, duration_seconds};
  RSX_RETURN_IF_ERROR(ValidateAssumeRoleParams(check));
  if (token.empty()) return Status::InvalidArgument("the web identity token file is empty");
  auto body = Call(nullptr,
                   {{"Action", "AssumeRoleWithWebIdentity"},
                    {"RoleArn", role_arn},
                    {"RoleSessionName", session_name.empty() ? "rsx-web-identity" : session_name},
                    {"WebIdentityToken", token},
                    {"DurationSeconds", std::to_string(duration_seconds)}},
                   true);
  if (!body.ok()) {
    Status st = body.status();
    return st.Prepend("sts:AssumeRoleWithWebIdentity of " + role_arn + " failed");
  }
  RSX_ASSIGN_OR_RETURN(xml::Element doc, xml::Parse(*body));
  const xml::Element* result = doc.Child("AssumeRoleWithWebIdentityResult");
  if (!result) return Status::Internal("STS answered without AssumeRoleWithWebIdentityResult");
  AssumedRole out;
  RSX_ASSIGN_OR_RETURN(out.credentials, CredentialsFrom(*result, "web identity " + role_arn));
  out.arn = result->TextAt("AssumedRoleUser/Arn");
  out.assumed_role_id = result->TextAt("AssumedRoleUser/AssumedRoleId");
  return out;
}

}  // namespace rsx
