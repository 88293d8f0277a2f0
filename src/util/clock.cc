#include "rsx/clock.h"

#include <cstdlib>

namespace rsx {
namespace {

class RealClock : public Clock {
 public:
  TimePoint Now() const override { return std::chrono::system_clock::now(); }
};

class ProcessEnvironment : public Environment {
 public:
  std::optional<std::string> Get(const std::string& name) const override {
    const char* v = std::getenv(name.c_str());
    if (v == nullptr || *v == '\0') return std::nullopt;
    return std::string(v);
  }
};

}  // namespace

const Clock& Clock::Real() {
  static const RealClock clock;
  return clock;
}

const Environment& Environment::Process() {
  static const ProcessEnvironment env;
  return env;
}

}  // namespace rsx
