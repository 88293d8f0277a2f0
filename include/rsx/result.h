#pragma once
// Result<T>: a T or the Status saying why there is none. Close to std::expected:
// has_value(), value(), status(), operator*, operator->.

#include <cassert>
#include <utility>
#include <variant>

#include "rsx/status.h"

namespace rsx {

template <class T>
class [[nodiscard]] Result {
 public:
  Result(T value) : v_(std::move(value)) {}        // NOLINT: implicit by design
  Result(Status status) : v_(std::move(status)) {  // NOLINT
    assert(!std::get<Status>(v_).ok() && "Result built from an OK status");
  }

  bool ok() const { return v_.index() == 1; }
  bool has_value() const { return ok(); }
  const Status& status() const {
    static const Status kOk;
    return ok() ? kOk : std::get<Status>(v_);
  }
  T& value() & { return std::get<T>(v_); }
  const T& value() const& { return std::get<T>(v_); }
  T&& value() && { return std::get<T>(std::move(v_)); }
  T& operator*() & { return value(); }
  const T& operator*() const& { return value(); }
  T* operator->() { return &value(); }
  const T* operator->() const { return &value(); }

 private:
  std::variant<Status, T> v_;
};

#define RSX_CONCAT_INNER(a, b) a##b
#define RSX_CONCAT(a, b) RSX_CONCAT_INNER(a, b)
#define RSX_ASSIGN_OR_RETURN_IMPL(tmp, lhs, expr) \
  auto tmp = (expr);                              \
  if (!tmp.ok()) return tmp.status();             \
  lhs = std::move(tmp).value()
#define RSX_ASSIGN_OR_RETURN(lhs, expr) \
  RSX_ASSIGN_OR_RETURN_IMPL(RSX_CONCAT(_rsx_res_, __LINE__), lhs, expr)

}  // namespace rsx
