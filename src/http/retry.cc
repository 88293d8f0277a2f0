#include "http/retry.h"

#include <algorithm>
#include <cmath>
#include <cstdlib>
#include <thread>

namespace rsx {

Result<RetryPolicy> RetryPolicy::FromEnvironment(const Environment& env) {
  RetryPolicy p;
  if (auto v = env.Get("AWS_MAX_ATTEMPTS")) {
    char* end = nullptr;
    long n = std::strtol(v->c_str(), &end, 10);
    if (end == v->c_str() || *end != '\0' || n < 1 || n > 100)
      return Status::InvalidArgument("AWS_MAX_ATTEMPTS must be an integer from 1 to 100, got '" +
                                     *v + "'");
    p.max_attempts = static_cast<int>(n);
  }
  return p;
}

std::chrono::milliseconds RetryPolicy::Backoff(int attempt, std::mt19937_64& rng) const {
  double ceiling = static_cast<double>(base.count()) * std::pow(2.0, std::max(0, attempt - 1));
  ceiling = std::min(ceiling, static_cast<double>(max_backoff.count()));
  std::uniform_real_distribution<double> dist(0.0, ceiling);
  return std::chrono::milliseconds(static_cast<long long>(dist(rng)));
}

bool IsThrottlingErrorCode(const std::string& code) {
  static const char* kCodes[] = {"Throttling",
                                 "ThrottlingException",
                                 "ThrottledException",
                                 "RequestThrottledException",
                                 "TooManyRequestsException",
                                 "ProvisionedThroughputExceededException",
                                 "TransactionInProgressException",
                                 "RequestLimitExceeded",
                                 "BandwidthLimitExceeded",
                                 "LimitExceededException",
                                 "RequestThrottled",
                                 "SlowDown",
                                 "PriorRequestNotComplete",
                                 "EC2ThrottledException"};
  for (const char* c : kCodes)
    if (code == c) return true;
  return false;
}

bool IsTransientErrorCode(const std::string& code) {
  return code == "RequestTimeout" || code == "RequestTimeoutException" || code == "InternalError" ||
         code == "InternalFailure" || code == "ServiceUnavailable" ||
         code == "IDPCommunicationError";
}

Sleeper RealSleeper() {
  return [](std::chrono::milliseconds d) { std::this_thread::sleep_for(d); };
}

}  // namespace rsx
