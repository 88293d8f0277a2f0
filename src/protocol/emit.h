#pragma once
// One protocol message: a JSON line on `out`, flushed (text that is not UTF-8 is replaced
// with U+FFFD rather than throwing).

#include <cstdio>
#include <nlohmann/json.hpp>

#include "rsx/status.h"

namespace rsx::protocol {

inline Status EmitLine(FILE* out, const nlohmann::ordered_json& m) {
  std::string line =
      m.dump(-1, ' ', false, nlohmann::ordered_json::error_handler_t::replace) + "\n";
  if (std::fwrite(line.data(), 1, line.size(), out) != line.size() || std::fflush(out) != 0)
    return Status::IoError("cannot write the protocol messages");
  return Status::OK();
}

}  // namespace rsx::protocol
