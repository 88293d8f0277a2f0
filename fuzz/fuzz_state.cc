// Sync state files and protocol states: a clear error or a state that writes back and parses
// again to the same JSON.
#include <cstdint>
#include <string>

#include "sync/stream_state.h"
#include "util/json_access.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  auto state = rsx::ParseSyncState(std::string(reinterpret_cast<const char*>(data), size), "F");
  if (!state.ok()) {
    if (state.status().message().empty()) __builtin_trap();
    return 0;
  }
  for (auto it = state->doc["streams"].begin(); it != state->doc["streams"].end(); ++it) {
    auto s = rsx::ParseStreamState(it.value(), "s");
    if (!s.ok()) __builtin_trap();  // ParseSyncState accepted it
    nlohmann::json written = rsx::StreamStateJson(*s);
    auto again = rsx::ParseStreamState(written, "s");
    if (!again.ok() || rsx::StreamStateJson(*again) != written) __builtin_trap();
    if (!rsx::json_access::Dump(written, 2).ok()) __builtin_trap();
  }
  return 0;
}
