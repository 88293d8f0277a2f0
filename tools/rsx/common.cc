#include <cstdio>

#include "commands.h"

namespace rsx::cli {

int ReportError(const Status& st) {
  std::fprintf(stderr, "rsx: error: %s\n", st.message().c_str());
  for (const auto& [k, v] : st.details()) {
    if (k == "sent") continue;
    std::fprintf(stderr, "  %s: %s\n", k.c_str(), v.c_str());
  }
  return st.code() == StatusCode::kInvalidArgument ? 2 : 1;
}

}  // namespace rsx::cli
