#include <cstdio>
#include <cstdlib>
#include <string>

#include "commands.h"
#include "rsx/strings.h"

namespace rsx::cli {

int ReportError(const Status& st) {
  std::fprintf(stderr, "rsx: error: %s\n", util::TerminalSafe(st.message()).c_str());
  for (const auto& [k, v] : st.details()) {
    if (k == "sent") continue;
    std::fprintf(stderr, "  %s: %s\n", util::TerminalSafe(k).c_str(),
                 util::TerminalSafe(v).c_str());
  }
  return st.code() == StatusCode::kInvalidArgument ? 2 : 1;
}

Result<std::chrono::milliseconds> ParseDuration(const std::string& flag, const std::string& s,
                                                std::chrono::milliseconds def) {
  if (s.empty()) return def;
  auto bad = [&] {
    return Status::InvalidArgument(flag + " '" + s +
                                   "' is not a duration like 90s, 15m, 1h or 250ms");
  };
  char* end = nullptr;
  double v = std::strtod(s.c_str(), &end);
  if (end == s.c_str() || !(v >= 0) || v > 1e9) return bad();
  std::string unit = end;
  double ms;
  if (unit.empty() || unit == "s")
    ms = v * 1000;
  else if (unit == "ms")
    ms = v;
  else if (unit == "m")
    ms = v * 60000;
  else if (unit == "h")
    ms = v * 3600000;
  else
    return bad();
  return std::chrono::milliseconds(static_cast<long long>(ms));
}

}  // namespace rsx::cli
