#pragma once
// StsClient: AssumeRole, AssumeRoleWithWebIdentity and GetCallerIdentity over STS's query
// protocol (form POST, XML answers). Errors come back as typed Statuses whose message says
// what to do; details carry aws_error, http_status and request_id.
// Thread-safe.

#include <functional>
#include <memory>
#include <string>

#include "rsx/credentials.h"
#include "rsx/http.h"

namespace rsx {

struct CallerIdentity {
  std::string account;
  std::string arn;
  std::string user_id;
};

struct AssumedRole {
  Credentials credentials;  // with expiration
  std::string arn;          // arn:aws:sts::ACCOUNT:assumed-role/ROLE/SESSION
  std::string assumed_role_id;
};

struct StsOptions {
  std::string region;        // signing region and regional endpoint
  std::string endpoint_url;  // explicit override (else AWS_ENDPOINT_URL_STS, AWS_ENDPOINT_URL)
  const Environment* env = &Environment::Process();
  const Clock* clock = &Clock::Real();
  int max_attempts = 0;  // 0: AWS_MAX_ATTEMPTS or 3
};

class StsClient {
 public:
  // Resolves the endpoint; fails on a malformed region or endpoint URL.
  static Result<std::shared_ptr<StsClient>> Create(std::shared_ptr<HttpClient> http,
                                                   StsOptions options);

  Result<CallerIdentity> GetCallerIdentity(CredentialsProvider& caller);
  // Validates params first (no network call on bad input).
  Result<AssumedRole> AssumeRole(CredentialsProvider& caller, const AssumeRoleParams& params);
  // Unsigned call; `token` is the OIDC token's text.
  Result<AssumedRole> AssumeRoleWithWebIdentity(const std::string& role_arn,
                                                const std::string& session_name,
                                                const std::string& token, int duration_seconds);

  const std::string& endpoint_url() const { return endpoint_url_; }
  const std::string& region() const { return region_; }

  // Exposed for tests: the sleeps between retries can be replaced.
  void TEST_SetSleeper(std::function<void(std::chrono::milliseconds)> s) {
    sleeper_ = std::move(s);
  }

 private:
  StsClient() = default;
  Result<std::string> Call(CredentialsProvider* caller,
                           std::vector<std::pair<std::string, std::string>> params,
                           bool idempotent);

  std::shared_ptr<HttpClient> http_;
  std::string endpoint_url_, region_;
  const Clock* clock_ = nullptr;
  int max_attempts_ = 3;
  std::function<void(std::chrono::milliseconds)> sleeper_;
};

}  // namespace rsx
