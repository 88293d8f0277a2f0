#pragma once
// Clock and Environment: the two seams through which rsx reads time and the process
// environment, so tests can inject both (as leveldb injects Env).
// Both interfaces must be safe for concurrent use.

#include <chrono>
#include <map>
#include <mutex>
#include <optional>
#include <string>

namespace rsx {

using TimePoint = std::chrono::system_clock::time_point;

class Clock {
 public:
  virtual ~Clock() = default;
  virtual TimePoint Now() const = 0;
  // The process-wide real clock.
  static const Clock& Real();
};

// A clock that moves only when told to. Thread-safe.
class ManualClock : public Clock {
 public:
  explicit ManualClock(TimePoint start) : now_(start) {}
  TimePoint Now() const override {
    std::lock_guard<std::mutex> lock(mu_);
    return now_;
  }
  void Advance(std::chrono::seconds d) {
    std::lock_guard<std::mutex> lock(mu_);
    now_ += d;
  }
  void Set(TimePoint t) {
    std::lock_guard<std::mutex> lock(mu_);
    now_ = t;
  }

 private:
  mutable std::mutex mu_;
  TimePoint now_;
};

class Environment {
 public:
  virtual ~Environment() = default;
  // The variable's value; nullopt when unset. An empty value counts as unset, as in the
  // AWS SDKs.
  virtual std::optional<std::string> Get(const std::string& name) const = 0;
  // The process environment.
  static const Environment& Process();
};

// A fixed set of variables, for tests.
class MapEnvironment : public Environment {
 public:
  MapEnvironment() = default;
  explicit MapEnvironment(std::map<std::string, std::string> vars) : vars_(std::move(vars)) {}
  std::optional<std::string> Get(const std::string& name) const override {
    auto it = vars_.find(name);
    if (it == vars_.end() || it->second.empty()) return std::nullopt;
    return it->second;
  }
  void Set(const std::string& k, const std::string& v) { vars_[k] = v; }

 private:
  std::map<std::string, std::string> vars_;
};

}  // namespace rsx
