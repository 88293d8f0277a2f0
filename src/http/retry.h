#pragma once
// Retry policy in the AWS SDKs' "standard" mode: at most 3 attempts by default
// (AWS_MAX_ATTEMPTS), exponential backoff with full jitter capped at 20 s, retrying throttling
// errors, 5xx and transient network failures.

#include <chrono>
#include <functional>
#include <random>
#include <string>

#include "rsx/clock.h"
#include "rsx/result.h"

namespace rsx {

struct RetryPolicy {
  int max_attempts = 3;                          // total attempts, including the first
  std::chrono::milliseconds base{1000};          // backoff base: delay <= base * 2^(attempt-1)
  std::chrono::milliseconds max_backoff{20000};  // cap on one delay

  // Reads AWS_MAX_ATTEMPTS (an integer >= 1). A bad value is an error naming the variable.
  static Result<RetryPolicy> FromEnvironment(const Environment& env);

  // Full jitter: uniform in [0, min(cap, base * 2^(attempt-1))], attempt counted from 1.
  std::chrono::milliseconds Backoff(int attempt, std::mt19937_64& rng) const;
};

// Throttling error codes as the SDKs list them.
bool IsThrottlingErrorCode(const std::string& code);
// Error codes that are transient whatever the HTTP status.
bool IsTransientErrorCode(const std::string& code);

using Sleeper = std::function<void(std::chrono::milliseconds)>;
Sleeper RealSleeper();

}  // namespace rsx
