#pragma once
// Authentication and authorization of the emulator: SigV4 verified on every request against
// the configured keys and the session credentials it issued (S3's form too: the signed
// x-amz-content-sha256, no path normalisation); trust policies on AssumeRole; each
// principal's allowed actions and resource-scoped statements. Thread-safe.

#include <httplib.h>

#include <map>
#include <mutex>
#include <optional>
#include <string>
#include <variant>
#include <vector>

#include "config.h"
#include "rsx/clock.h"

namespace rsx::emu {

// An error in AWS's shape.
struct ApiError {
  int http = 400;
  std::string type;  // "ValidationException", "AccessDeniedException", ...
  std::string message;
};

inline ApiError Validation(std::string msg) { return {400, "ValidationException", std::move(msg)}; }

template <class T>
using ApiResult = std::variant<T, ApiError>;

struct Principal {
  std::string arn;  // user ARN, or arn:aws:sts::ACCT:assumed-role/ROLE/SESSION
  std::string account;
  std::string user_id;  // AIDA... or AROA...:SESSION
  std::string owner;    // who owns statements: user ARN or role ARN
  std::string db_user;  // IAM:<user> or IAMR:<role>
  std::vector<std::string> actions;
  std::vector<PolicyStatement> statements;
};

struct IssuedCredentials {
  std::string access_key_id, secret_access_key, session_token;
  TimePoint expiration;
  std::string assumed_arn, assumed_role_id;
};

class Auth {
 public:
  explicit Auth(const EmulatorConfig& config, const Clock* clock = &Clock::Real());

  // Verifies the Authorization header of `req` (signing name `service`).
  ApiResult<Principal> Authenticate(const httplib::Request& req, const std::string& service) const;

  ApiResult<IssuedCredentials> AssumeRole(const Principal& caller, const std::string& role_arn,
                                          const std::string& session_name,
                                          const std::string& external_id, int duration_seconds);

  // AccessDeniedException in AWS's words when `who` may not perform `action` on `resource`.
  std::optional<ApiError> Authorize(const Principal& who, const std::string& action,
                                    const std::string& resource) const;
  // Whether `who` may perform `action` on `resource`: an action granted outright, or a
  // statement naming both. `s3_prefix`, when given, must match the statement's s3_prefixes.
  bool Allowed(const Principal& who, const std::string& action, const std::string& resource,
               const std::string* s3_prefix = nullptr) const;
  // The principal a configured role acts as when the service itself uses it (a namespace's
  // role for UNLOAD); nullopt when no such role is configured.
  std::optional<Principal> ServiceRole(const std::string& role_arn) const;

 private:
  struct Session {
    IssuedCredentials creds;
    Principal principal;
  };
  const EmulatorConfig& config_;
  const Clock* clock_;
  mutable std::mutex mu_;
  std::map<std::string, Session> sessions_;  // by access key id
};

}  // namespace rsx::emu
