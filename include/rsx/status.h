#pragma once
// Status: the error channel of rsx. An OK status carries nothing; a failure carries a code,
// a message meant for the user, and structured details (AWS error code, HTTP status, request
// id, ...). Status is a value type: copy it freely; const methods are safe from many threads.
//
// IMPORTANT: messages and details never hold secrets (secret keys, session tokens).

#include <memory>
#include <string>
#include <utility>
#include <vector>

namespace rsx {

enum class StatusCode {
  kOk = 0,
  kInvalidArgument,   // bad input from the user (flag, file, field)
  kNotFound,          // a named thing does not exist (profile, file, statement)
  kUnauthenticated,   // no credentials, bad signature, expired token
  kPermissionDenied,  // credentials valid but not allowed (AccessDenied)
  kThrottled,         // the service asked us to slow down
  kUnavailable,       // transient: network failure, 5xx
  kTimeout,           // a deadline passed
  kStatementFailed,   // SQL ran and failed
  kCancelled,         // stopped on request
  kDataLoss,          // rows or pages missing or repeated
  kIoError,           // local file system failure
  kInternal,          // a bug or an unexpected answer
  kConflict,          // conflicts with the current state (a name taken, a run already active)
};

const char* StatusCodeName(StatusCode code);

class [[nodiscard]] Status {
 public:
  Status() = default;  // OK
  Status(StatusCode code, std::string message);

  static Status OK() { return Status(); }
  static Status InvalidArgument(std::string m) {
    return {StatusCode::kInvalidArgument, std::move(m)};
  }
  static Status NotFound(std::string m) { return {StatusCode::kNotFound, std::move(m)}; }
  static Status Unauthenticated(std::string m) {
    return {StatusCode::kUnauthenticated, std::move(m)};
  }
  static Status PermissionDenied(std::string m) {
    return {StatusCode::kPermissionDenied, std::move(m)};
  }
  static Status Throttled(std::string m) { return {StatusCode::kThrottled, std::move(m)}; }
  static Status Unavailable(std::string m) { return {StatusCode::kUnavailable, std::move(m)}; }
  static Status Timeout(std::string m) { return {StatusCode::kTimeout, std::move(m)}; }
  static Status Cancelled(std::string m) { return {StatusCode::kCancelled, std::move(m)}; }
  static Status IoError(std::string m) { return {StatusCode::kIoError, std::move(m)}; }
  static Status Internal(std::string m) { return {StatusCode::kInternal, std::move(m)}; }
  static Status Conflict(std::string m) { return {StatusCode::kConflict, std::move(m)}; }

  bool ok() const { return state_ == nullptr; }
  StatusCode code() const { return state_ ? state_->code : StatusCode::kOk; }
  const std::string& message() const;

  // Details: structured diagnostics, e.g. ("aws_error", "AccessDenied"), ("request_id", ...).
  Status& WithDetail(std::string key, std::string value);
  const std::vector<std::pair<std::string, std::string>>& details() const;
  // The value of a detail, or "" when absent.
  std::string detail(const std::string& key) const;

  // Prepends context: "while X: <message>".
  Status& Prepend(const std::string& context);

  // "<message> (aws_error=..., request_id=...)".
  std::string ToString() const;

 private:
  struct State {
    StatusCode code;
    std::string message;
    std::vector<std::pair<std::string, std::string>> details;
  };
  std::shared_ptr<State> state_;  // null means OK; copy-on-write in mutators
  void Detach();
};

#define RSX_RETURN_IF_ERROR(expr)      \
  do {                                 \
    ::rsx::Status _rsx_st = (expr);    \
    if (!_rsx_st.ok()) return _rsx_st; \
  } while (0)

}  // namespace rsx
