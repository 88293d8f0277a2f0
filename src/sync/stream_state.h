#pragma once
// A stream's saved sync state, typed. It is read from files and protocol messages that a user
// hands back to rsx, so parsing never throws: a wrong shape is an error naming the field.
//
// On disk (inside {"streams": {"schema.table": {...}}}):
//   mode            "full_refresh" | "incremental"
//   cursor          the cursor column (incremental)
//   key_columns     the pagination key: (cursor, key...) for incremental
//   columns         the column names written, in order
//   complete        the last run read the stream to its end
//   rows            rows written so far
//   key             the last key read, one text value per key column
//   boundary_cursor incremental: the last cursor value read
//   boundary_keys   incremental: the tie-break keys of the rows at boundary_cursor, each a list
//                   of text values (older states joined them with \x1f into one string; those
//                   are still read)
//   file_bytes      the length of the stream's file at this checkpoint
//   unload          a read through UNLOAD in progress (absent otherwise):
//     prefix          s3://bucket/prefix/ the UNLOAD writes to (the manifest is <prefix>manifest)
//     statement_id    the UNLOAD statement, once submitted
//     unloaded        the UNLOAD finished: its files and manifest are in place
//     entries_done    manifest entries whose rows are written (and counted in file_bytes)
//     start_bytes     the file's length before this read's first row
//     start_rows      `rows` before this read
//     upper           incremental: the highest cursor value this read covers (absent: none)
//     upper_keys      incremental: the keys of the rows read so far at `upper`

#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <vector>

#include "rsx/result.h"

namespace rsx {

struct UnloadProgress {
  std::string prefix;
  std::string statement_id;
  bool unloaded = false;
  long long entries_done = 0;
  long long start_bytes = 0, start_rows = 0;
  std::optional<std::string> upper;
  std::vector<std::vector<std::string>> upper_keys;
};

struct StreamState {
  bool incremental = false;
  std::string cursor;
  std::optional<std::vector<std::string>> key_columns;  // absent in hand-written states
  std::optional<std::vector<std::string>> columns;      // absent in states before file_bytes
  bool complete = false;
  long long rows = 0;
  std::vector<std::string> key;
  std::optional<std::string> boundary_cursor;
  std::vector<std::vector<std::string>> boundary_keys;
  long long file_bytes = -1;     // -1: not recorded
  std::string stream_namespace;  // protocols only
  std::optional<UnloadProgress> unload;
};

// `where` names the value in errors, e.g. "the state file X: streams[\"public.t\"]".
Result<StreamState> ParseStreamState(const nlohmann::json& v, const std::string& where);
nlohmann::json StreamStateJson(const StreamState& s);

// The whole state: {"streams": {name: StreamState}} (other top-level members are kept).
struct SyncState {
  nlohmann::json doc = {{"streams", nlohmann::json::object()}};
};
// Parses text (a state file or a protocol's state) and checks every stream's shape.
Result<SyncState> ParseSyncState(const std::string& text, const std::string& what);

}  // namespace rsx
