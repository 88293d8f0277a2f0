#pragma once
// AwsCaller: one AWS API call made robustly. Each attempt is signed afresh (credentials may
// have been refreshed), sent, and classified; throttling, 5xx and transient network failures
// are retried with backoff. A call that is not idempotent is re-sent only when the earlier
// attempt surely did not run (throttled, or never reached the server).
// Thread-safe.

#include <functional>
#include <memory>
#include <mutex>
#include <random>
#include <string>

#include "http/retry.h"
#include "rsx/credentials.h"
#include "rsx/http.h"

namespace rsx {

// Where and how to sign.
struct AwsEndpoint {
  std::string url;  // e.g. https://sts.eu-west-1.amazonaws.com
  std::string signing_region;
  std::string signing_name;  // "sts", "redshift-data", "redshift-serverless"
};

// An error as the service reported it.
struct AwsError {
  std::string code;  // e.g. "AccessDenied", "ThrottlingException"; "" when none found
  std::string message;
  std::string request_id;
};

using AwsErrorParser = std::function<AwsError(const HttpResponse&)>;

struct AwsCallLog {
  int attempts = 0;
  std::vector<std::chrono::milliseconds> delays;  // sleeps taken between attempts
};

class AwsCaller {
 public:
  // `credentials` may be null: requests are then sent unsigned (AssumeRoleWithWebIdentity).
  AwsCaller(std::shared_ptr<HttpClient> http, std::shared_ptr<CredentialsProvider> credentials,
            RetryPolicy policy, const Clock* clock = &Clock::Real(),
            Sleeper sleeper = RealSleeper());

  // Sends `req` (method, path+query in req.url relative to endpoint.url when it starts with
  // '/', headers without auth, body). Returns the 2xx response, or a Status with details
  // aws_error, http_status, request_id and attempts.
  Result<HttpResponse> Call(const AwsEndpoint& endpoint, HttpRequest req, bool idempotent,
                            const AwsErrorParser& parse_error, AwsCallLog* log = nullptr);

 private:
  Result<HttpRequest> Sign(const AwsEndpoint& endpoint, const HttpRequest& req);

  std::shared_ptr<HttpClient> http_;
  std::shared_ptr<CredentialsProvider> credentials_;
  RetryPolicy policy_;
  const Clock* clock_;
  Sleeper sleeper_;
  std::mutex rng_mu_;
  std::mt19937_64 rng_;
};

// Maps an AWS error to a Status code: AccessDenied -> kPermissionDenied, token/signature
// errors -> kUnauthenticated, throttling -> kThrottled, 5xx -> kUnavailable, other 4xx ->
// kInvalidArgument. A ValidationException whose message names ThrottlingException or says
// "Rate exceeded" is a throttle (as Redshift Serverless sometimes reports one).
StatusCode ClassifyAwsError(int http_status, const std::string& code,
                            const std::string& message = "");

// The error of an awsJson 1.1 service: code from "__type" (text after '#', before ':'),
// message from "message" or "Message", else the x-amzn-ErrorType header.
AwsError ParseJsonError(const HttpResponse& resp);

}  // namespace rsx
