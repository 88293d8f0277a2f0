#include "rsx/status.h"

namespace rsx {

const char* StatusCodeName(StatusCode code) {
  switch (code) {
    case StatusCode::kOk:
      return "OK";
    case StatusCode::kInvalidArgument:
      return "InvalidArgument";
    case StatusCode::kNotFound:
      return "NotFound";
    case StatusCode::kUnauthenticated:
      return "Unauthenticated";
    case StatusCode::kPermissionDenied:
      return "PermissionDenied";
    case StatusCode::kThrottled:
      return "Throttled";
    case StatusCode::kUnavailable:
      return "Unavailable";
    case StatusCode::kTimeout:
      return "Timeout";
    case StatusCode::kStatementFailed:
      return "StatementFailed";
    case StatusCode::kCancelled:
      return "Cancelled";
    case StatusCode::kDataLoss:
      return "DataLoss";
    case StatusCode::kIoError:
      return "IoError";
    case StatusCode::kInternal:
      return "Internal";
    case StatusCode::kConflict:
      return "Conflict";
  }
  return "Unknown";
}

Status::Status(StatusCode code, std::string message) {
  if (code == StatusCode::kOk) return;
  state_ = std::make_shared<State>(State{code, std::move(message), {}});
}

const std::string& Status::message() const {
  static const std::string kEmpty;
  return state_ ? state_->message : kEmpty;
}

void Status::Detach() {
  if (state_ && state_.use_count() > 1) state_ = std::make_shared<State>(*state_);
}

Status& Status::WithDetail(std::string key, std::string value) {
  if (!state_) return *this;
  Detach();
  for (auto& kv : state_->details) {
    if (kv.first == key) {
      kv.second = std::move(value);
      return *this;
    }
  }
  state_->details.emplace_back(std::move(key), std::move(value));
  return *this;
}

const std::vector<std::pair<std::string, std::string>>& Status::details() const {
  static const std::vector<std::pair<std::string, std::string>> kNone;
  return state_ ? state_->details : kNone;
}

std::string Status::detail(const std::string& key) const {
  for (const auto& kv : details())
    if (kv.first == key) return kv.second;
  return "";
}

Status& Status::Prepend(const std::string& context) {
  if (!state_) return *this;
  Detach();
  state_->message = context + ": " + state_->message;
  return *this;
}

std::string Status::ToString() const {
  if (ok()) return "OK";
  std::string out = state_->message;
  if (!state_->details.empty()) {
    out += " (";
    bool first = true;
    for (const auto& kv : state_->details) {
      if (!first) out += ", ";
      first = false;
      out += kv.first + "=" + kv.second;
    }
    out += ")";
  }
  return out;
}

}  // namespace rsx
