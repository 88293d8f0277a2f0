// Credentials fetched from somewhere else: STS with a web identity token, the container
// credentials endpoint (ECS/EKS), and EC2 instance metadata (IMDSv2).

#include <fstream>
#include <sstream>

#include "aws/credentials_internal.h"
#include "rsx/endpoints.h"
#include "rsx/strings.h"
#include "rsx/sts.h"

namespace rsx {
namespace {

Result<std::string> ReadWholeFile(const std::string& path, const std::string& what) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return Status::Unauthenticated("cannot read " + what + " " + path);
  std::stringstream ss;
  ss << in.rdbuf();
  return util::Trim(ss.str());
}

bool ContainerHostAllowed(const std::string& url) {
  if (util::StartsWith(url, "https://")) return true;
  static const char* kHosts[] = {"http://127.",           "http://localhost",
                                 "http://[::1]",          "http://169.254.170.2",
                                 "http://169.254.170.23", "http://[fd00:ec2::23]"};
  for (const char* h : kHosts)
    if (util::StartsWith(url, h)) return true;
  return false;
}

}  // namespace

std::shared_ptr<CredentialsProvider> NewWebIdentityProvider(
    std::shared_ptr<HttpClient> http, const ChainOptions& o, std::string role_arn,
    std::string token_file, std::string session_name, std::string region) {
  StsOptions sts_opt;
  sts_opt.region = region;
  sts_opt.endpoint_url = o.sts_endpoint;
  sts_opt.env = o.env;
  sts_opt.clock = o.clock;
  auto fetch = [http, sts_opt, role_arn, token_file, session_name]() -> Result<Credentials> {
    RSX_ASSIGN_OR_RETURN(auto sts, StsClient::Create(http, sts_opt));
    RSX_ASSIGN_OR_RETURN(std::string token, ReadWholeFile(token_file, "web identity token file"));
    RSX_ASSIGN_OR_RETURN(AssumedRole r,
                         sts->AssumeRoleWithWebIdentity(role_arn, session_name, token, 3600));
    r.credentials.provider = "web identity " + role_arn;
    return r.credentials;
  };
  return std::make_shared<RefreshingProvider>("web identity " + role_arn, fetch, o.clock,
                                              o.refresh_ahead);
}

ProviderLookup LookupWebIdentityProvider(std::shared_ptr<HttpClient> http, const ChainOptions& o) {
  auto file = o.env->Get("AWS_WEB_IDENTITY_TOKEN_FILE");
  auto role = o.env->Get("AWS_ROLE_ARN");
  if (!file && !role)
    return ProviderLookup::Skip("AWS_WEB_IDENTITY_TOKEN_FILE and AWS_ROLE_ARN are not set");
  if (!file || !role)
    return ProviderLookup::Fail(Status::Unauthenticated(
        std::string("web identity is half configured: ") +
        (file ? "AWS_ROLE_ARN" : "AWS_WEB_IDENTITY_TOKEN_FILE") + " is not set"));
  AssumeRoleParams check{*role, "", o.env->Get("AWS_ROLE_SESSION_NAME").value_or(""), 3600};
  if (Status st = ValidateAssumeRoleParams(check); !st.ok())
    return ProviderLookup::Fail(st.Prepend("AWS_ROLE_ARN / AWS_ROLE_SESSION_NAME"));
  std::string region = o.region.empty() ? RegionFromEnvironment(*o.env) : o.region;
  return ProviderLookup::Use(
      NewWebIdentityProvider(http, o, *role, *file, check.role_session_name, region));
}

ProviderLookup LookupContainerProvider(std::shared_ptr<HttpClient> http, const ChainOptions& o) {
  std::string url;
  if (auto rel = o.env->Get("AWS_CONTAINER_CREDENTIALS_RELATIVE_URI")) {
    url = "http://169.254.170.2" + *rel;
  } else if (auto full = o.env->Get("AWS_CONTAINER_CREDENTIALS_FULL_URI")) {
    url = *full;
    if (!ContainerHostAllowed(url))
      return ProviderLookup::Fail(Status::InvalidArgument(
          "AWS_CONTAINER_CREDENTIALS_FULL_URI must use https or a loopback / 169.254.170.2 / "
          "169.254.170.23 host, got '" +
          url + "'"));
  } else {
    return ProviderLookup::Skip(
        "AWS_CONTAINER_CREDENTIALS_RELATIVE_URI and AWS_CONTAINER_CREDENTIALS_FULL_URI are not "
        "set");
  }
  auto token = o.env->Get("AWS_CONTAINER_AUTHORIZATION_TOKEN");
  auto token_file = o.env->Get("AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE");
  auto fetch = [http, url, token, token_file]() -> Result<Credentials> {
    HttpRequest req;
    req.method = "GET";
    req.url = url;
    req.timeout = std::chrono::milliseconds(2000);
    std::string auth = token.value_or("");
    if (token_file) {
      RSX_ASSIGN_OR_RETURN(auth, ReadWholeFile(*token_file, "container authorization token file"));
    }
    if (!auth.empty()) req.headers.emplace_back("Authorization", auth);
    Result<HttpResponse> resp = Status::Internal("not sent");
    for (int attempt = 0; attempt < 3; ++attempt) {  // the endpoint is local; retry briefly
      resp = http->Send(req);
      if (resp.ok() && resp->status < 500) break;
    }
    if (!resp.ok()) return Status(resp.status()).Prepend("container credentials endpoint");
    if (resp->status != 200)
      return Status::Unauthenticated("container credentials endpoint " + url + " answered HTTP " +
                                     std::to_string(resp->status));
    return ParseCredentialsJson(resp->body, "Token", "container credentials");
  };
  auto provider = std::make_shared<RefreshingProvider>("container credentials", fetch, o.clock,
                                                       o.refresh_ahead);
  auto first = provider->Get();
  if (!first.ok()) return ProviderLookup::Fail(first.status());
  return ProviderLookup::Use(provider);
}

ProviderLookup LookupImdsProvider(std::shared_ptr<HttpClient> http, const ChainOptions& o) {
  if (util::ToLower(o.env->Get("AWS_EC2_METADATA_DISABLED").value_or("")) == "true")
    return ProviderLookup::Skip("AWS_EC2_METADATA_DISABLED=true");
  std::string base =
      o.env->Get("AWS_EC2_METADATA_SERVICE_ENDPOINT").value_or("http://169.254.169.254");
  while (util::EndsWith(base, "/")) base.pop_back();
  auto fetch = [http, base]() -> Result<Credentials> {
    const auto kTimeout = std::chrono::milliseconds(1000);
    HttpRequest token_req{"PUT",
                          base + "/latest/api/token",
                          {{"X-aws-ec2-metadata-token-ttl-seconds", "21600"}},
                          "",
                          kTimeout};
    RSX_ASSIGN_OR_RETURN(HttpResponse token, http->Send(token_req));
    if (token.status != 200)
      return Status::Unavailable("IMDSv2 token request to " + base + " answered HTTP " +
                                 std::to_string(token.status));
    HeaderList h = {{"X-aws-ec2-metadata-token", util::Trim(token.body)}};
    HttpRequest role_req{"GET", base + "/latest/meta-data/iam/security-credentials/", h, "",
                         kTimeout};
    RSX_ASSIGN_OR_RETURN(HttpResponse role, http->Send(role_req));
    std::string role_name = util::Trim(util::Split(role.body, '\n')[0]);
    if (role.status != 200 || role_name.empty())
      return Status::Unauthenticated("the EC2 instance has no IAM role (instance metadata at " +
                                     base + " answered HTTP " + std::to_string(role.status) + ")");
    HttpRequest cred_req{"GET", base + "/latest/meta-data/iam/security-credentials/" + role_name, h,
                         "", kTimeout};
    RSX_ASSIGN_OR_RETURN(HttpResponse cred, http->Send(cred_req));
    if (cred.status != 200)
      return Status::Unauthenticated("instance metadata credentials answered HTTP " +
                                     std::to_string(cred.status));
    return ParseCredentialsJson(cred.body, "Token",
                                "EC2 instance metadata (role " + role_name + ")");
  };
  auto provider = std::make_shared<RefreshingProvider>("EC2 instance metadata", fetch, o.clock,
                                                       o.refresh_ahead);
  auto first = provider->Get();
  if (!first.ok())
    return ProviderLookup::Skip("instance metadata at " + base + ": " + first.status().message());
  return ProviderLookup::Use(provider);
}

}  // namespace rsx
