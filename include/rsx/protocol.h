#pragma once
// rsx as an Airbyte source and a Singer tap: translation between the protocols' files and
// messages and the connector (Connection, Sync). Every message is one JSON line on `out`.
//
// Each function is a whole protocol command and returns its exit code:
// * Airbyte: a failure is a TRACE ERROR message (failure_type config_error for bad input,
//   system_error otherwise), then 1; `check` with a refused connection is CONNECTION_STATUS
//   FAILED and 0.
// * Singer: a failure is "CRITICAL <message>" on `log`, then 1.
// Bad input (config, catalog, state: wrong types, missing fields, invalid JSON or UTF-8) is
// reported naming the field and never throws or aborts; nothing is written before the
// inputs are checked.
//
// Thread-safety: independent calls may run concurrently (each on its own `out`).

#include <atomic>
#include <cstdio>
#include <memory>
#include <string>

#include "rsx/connection.h"

namespace rsx {

struct ProtocolIo {
  std::shared_ptr<Runtime> runtime;
  FILE* out = stdout;                              // protocol messages
  FILE* log = stderr;                              // Singer's log lines (metrics, CRITICAL)
  const std::atomic<bool>* interrupted = nullptr;  // true: cancel and stop at a checkpoint
};

// A config file (a connection object, as `rsx connections show` prints it): parsed strictly
// (unknown keys are errors), validated, keys in `ignored_keys` dropped first. An empty
// external_id is filled with the workspace's (RSX_HOME).
Result<ConnectionConfig> LoadConnectionConfigFile(
    const std::string& path, const Environment& env,
    const std::vector<std::string>& ignored_keys = {});

namespace airbyte {
int Spec(const ProtocolIo& io);
int Check(const ProtocolIo& io, const std::string& config_path);
int Discover(const ProtocolIo& io, const std::string& config_path);
// `state_path` may be empty (no state).
int Read(const ProtocolIo& io, const std::string& config_path, const std::string& catalog_path,
         const std::string& state_path);
}  // namespace airbyte

namespace singer {
int Discover(const ProtocolIo& io, const std::string& config_path);
// `state_path` may be empty. The catalog selects streams (metadata "selected").
int Sync(const ProtocolIo& io, const std::string& config_path, const std::string& catalog_path,
         const std::string& state_path);
}  // namespace singer

}  // namespace rsx
