// Choosing the streams of a sync, and its manifest (see rsx/sync.h).

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <nlohmann/json.hpp>

#include "rsx/files.h"
#include "rsx/sync.h"
#include "util/json_access.h"

namespace rsx {

Result<std::pair<std::string, std::string>> ParseStreamName(const std::string& s) {
  auto bad = [&] {
    return Status::InvalidArgument(
        "--stream '" + s +
        "' must be schema.table (quote a name holding a dot: \"my.schema\".table)");
  };
  std::vector<std::string> parts;
  size_t i = 0;
  while (i <= s.size()) {
    std::string part;
    if (i < s.size() && s[i] == '"') {
      bool closed = false;
      for (++i; i < s.size(); ++i) {
        if (s[i] == '"' && i + 1 < s.size() && s[i + 1] == '"') {
          part += '"';
          ++i;
        } else if (s[i] == '"') {
          closed = true;
          ++i;
          break;
        } else {
          part += s[i];
        }
      }
      if (!closed || (i < s.size() && s[i] != '.')) return bad();
    } else {
      size_t dot = parts.empty() ? s.find('.', i) : std::string::npos;
      part = s.substr(i, dot == std::string::npos ? std::string::npos : dot - i);
      i = dot == std::string::npos ? s.size() : dot;
    }
    if (part.empty()) return bad();
    parts.push_back(part);
    if (i >= s.size()) break;
    ++i;  // the dot
    if (i == s.size()) return bad();
  }
  if (parts.size() != 2) return bad();
  return std::make_pair(parts[0], parts[1]);
}

Result<std::vector<std::string>> SelectionSchemas(const StreamSelection& sel) {
  if (sel.streams.empty() && !sel.all)
    return Status::InvalidArgument(
        "name the streams with --stream schema.table (repeatable), or pass --all");
  if (sel.incremental && sel.cursor.empty())
    return Status::InvalidArgument("--incremental needs --cursor COLUMN");
  std::vector<std::string> schemas;
  for (const auto& s : sel.streams) {
    RSX_ASSIGN_OR_RETURN(auto parsed, ParseStreamName(s));
    schemas.push_back(parsed.first);
  }
  std::sort(schemas.begin(), schemas.end());
  schemas.erase(std::unique(schemas.begin(), schemas.end()), schemas.end());
  return schemas;
}

Result<std::vector<StreamSyncConfig>> PlanStreams(const std::vector<Stream>& catalog,
                                                  const StreamSelection& sel) {
  RSX_RETURN_IF_ERROR(SelectionSchemas(sel).status());
  std::vector<StreamSyncConfig> configs;
  auto add = [&](const Stream& s) -> Status {
    StreamSyncConfig c;
    c.stream = s;
    if (sel.incremental) {
      c.mode = SyncMode::kIncremental;
      c.cursor = sel.cursor;
      bool has = false;
      for (const auto& col : s.columns) has = has || col.name == sel.cursor;
      if (!has)
        return Status::InvalidArgument("stream " + s.schema + "." + s.table +
                                       " has no cursor column '" + sel.cursor + "'");
    }
    c.key = sel.primary_key;
    if (sel.incremental && c.key.empty() && s.primary_key.empty())
      return Status::InvalidArgument("stream " + s.schema + "." + s.table +
                                     " has no primary key: pass --primary-key for the tie-break");
    configs.push_back(c);
    return Status::OK();
  };
  if (sel.all) {
    for (const auto& s : catalog) RSX_RETURN_IF_ERROR(add(s));
    return configs;
  }
  for (const auto& name : sel.streams) {
    RSX_ASSIGN_OR_RETURN(auto wanted, ParseStreamName(name));
    const Stream* found = nullptr;
    for (const auto& s : catalog)
      if (s.schema == wanted.first && s.table == wanted.second) found = &s;
    if (!found) return Status::NotFound("unknown stream '" + name + "' (see `rsx discover`)");
    RSX_RETURN_IF_ERROR(add(*found));
  }
  return configs;
}

Status WriteManifest(const std::string& out_dir, const std::string& connection_name,
                     const SyncOptions& options, const std::vector<StreamSyncConfig>& streams,
                     const std::vector<StreamResult>& results) {
  using nlohmann::ordered_json;
  ordered_json manifest = {{"connection", connection_name},
                           {"format", options.format},
                           {"streams", ordered_json::array()}};
  for (size_t i = 0; i < results.size() && i < streams.size(); ++i) {
    const auto& r = results[i];
    ordered_json cols = ordered_json::array();
    for (const auto& c : streams[i].stream.columns)
      cols.push_back({{"name", c.name}, {"type", c.type_name}});
    manifest["streams"].push_back(
        {{"stream", r.name},
         {"file", r.file},
         {"rows", r.rows},
         {"statements", r.statements},
         {"via", r.via},
         {"mode", streams[i].mode == SyncMode::kIncremental ? "incremental" : "full_refresh"},
         {"columns", cols}});
    if (r.via == "unload") {
      manifest["streams"].back()["unload_files"] = r.unload_files;
      manifest["streams"].back()["unload_bytes"] = r.unload_bytes;
      manifest["streams"].back()["unload_seconds"] = std::round(r.unload_seconds * 1000) / 1000;
      manifest["streams"].back()["download_seconds"] = std::round(r.download_seconds * 1000) / 1000;
    }
  }
  manifest["state_file"] =
      options.state_path.empty() ? out_dir + "/.rsx-state.json" : options.state_path;
  RSX_ASSIGN_OR_RETURN(std::string text, json_access::Dump(manifest, 2));
  return WriteFileAtomic(out_dir + "/manifest.json", text + "\n", 0644);
}

ProgressMeter::ProgressMeter(const std::vector<StreamSyncConfig>& streams) {
  for (const auto& c : streams)
    estimates_.emplace_back(c.stream.schema + "." + c.stream.table, c.stream.row_estimate);
  stream_start_ = last_report_ = std::chrono::steady_clock::now();
}

std::string ProgressMeter::Update(const std::string& stream, long long rows, long long bytes) {
  auto now = std::chrono::steady_clock::now();
  if (stream != current_) {  // a stream starts where the previous one ended
    current_ = stream;
    stream_start_ = last_report_;
  }
  last_report_ = now;
  bytes_total_ += bytes;
  double secs = std::chrono::duration<double>(now - stream_start_).count();
  double rate = secs > 0 ? rows / secs : 0.0;
  long long est = -1;
  for (const auto& [name, e] : estimates_)
    if (name == stream) est = e;
  char line[512];
  std::snprintf(line, sizeof line, "%s: %lld rows, %.1f MB, %.0f rows/s", stream.c_str(), rows,
                bytes_total_ / 1e6, rate);
  std::string out = line;
  if (est > rows && rate > 0) {
    std::snprintf(line, sizeof line, ", %.0f%% of ~%lld, ETA %.0f s", 100.0 * rows / est, est,
                  (est - rows) / rate);
    out += line;
  }
  return out;
}

}  // namespace rsx
