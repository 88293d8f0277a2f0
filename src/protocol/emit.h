#pragma once
// What the Airbyte and Singer translations share: one message per line, and a read into a
// sink.

#include <cstdio>
#include <nlohmann/json.hpp>

#include "rsx/protocol.h"
#include "rsx/status.h"

namespace rsx::protocol {

inline Status EmitLine(FILE* out, const nlohmann::ordered_json& m) {
  std::string line =
      m.dump(-1, ' ', false, nlohmann::ordered_json::error_handler_t::replace) + "\n";
  if (std::fwrite(line.data(), 1, line.size(), out) != line.size() || std::fflush(out) != 0)
    return Status::IoError("cannot write the protocol messages");
  return Status::OK();
}

// A protocol read: the streams to `sink`, continuing from `state` (rsx's state JSON), with the
// connection's statement timeout and the session's interrupt flag; `key_advice` ends the error
// for a key that repeats or holds NULL (how this protocol's user names another key).
inline Status SyncToSink(Connection& conn, const std::vector<StreamSyncConfig>& streams,
                         RecordSink& sink, const std::string& state, const ProtocolIo& io,
                         const std::string& key_advice) {
  MemoryStateStore store(state);
  SyncOptions so;
  so.key_advice = key_advice;
  so.sink = &sink;
  so.state_store = &store;
  so.interrupted = io.interrupted;
  so.statement_timeout = conn.DefaultStatementTimeout();
  return conn.Sync(streams, so).status();
}

}  // namespace rsx::protocol
