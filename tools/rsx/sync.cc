// rsx sync: the main job. Streams to files in chunks, with state so the next run continues.

#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <map>
#include <nlohmann/json.hpp>

#include "commands.h"
#include "connection.h"
#include "rsx/catalog.h"
#include "rsx/sync.h"
#include "rsx/workspace.h"
#include "sync/output_files.h"
#include "util/json_access.h"
#include "util/strings.h"

namespace rsx::cli {
namespace {

struct SyncCliOptions {
  ConnectionFlags conn;
  std::vector<std::string> streams;
  bool all = false, incremental = false;
  std::string cursor, primary_key, to, format = "jsonl", state, statement_timeout;
  bool trust_key = false;
  long long chunk_rows = 100000;
  int parallel = 0;  // 0: the connection's max_concurrent_statements
};

// "schema.table", split at the first dot; a name holding a dot is quoted as in SQL:
// "we.ird".t or "we.ird"."t.x" ("" inside quotes is one ").
Result<std::pair<std::string, std::string>> ParseStreamName(const std::string& s) {
  auto bad = [&] {
    return Status::InvalidArgument("--stream '" + s + "' must be schema.table (quote a name holding a dot: \"my.schema\".table)");
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

int RunSyncCommand(SyncCliOptions o) {
  auto interrupted = InstallInterruptHandler();
  if (o.to.empty()) return ReportError(Status::InvalidArgument("--to DIR: where to write the streams"));
  if (o.format != "jsonl" && o.format != "csv")
    return ReportError(Status::InvalidArgument("--format '" + o.format + "' is not one of jsonl, csv"));
  if (o.streams.empty() && !o.all)
    return ReportError(Status::InvalidArgument("name the streams with --stream schema.table (repeatable), or pass --all"));
  if (o.incremental && o.cursor.empty())
    return ReportError(Status::InvalidArgument("--incremental needs --cursor COLUMN"));
  if (o.chunk_rows < 1) return ReportError(Status::InvalidArgument("--chunk-rows must be at least 1"));
  if (o.parallel < 0) return ReportError(Status::InvalidArgument("--parallel must be at least 1"));
  if (Status st = ParseDuration("--statement-timeout", o.statement_timeout, std::chrono::hours(1)).status(); !st.ok())
    return ReportError(st);
  std::vector<std::string> schemas;
  std::vector<std::pair<std::string, std::string>> wanted;
  for (const auto& s : o.streams) {
    auto parsed = ParseStreamName(s);
    if (!parsed.ok()) return ReportError(parsed.status());
    wanted.push_back(*parsed);
    schemas.push_back(parsed->first);
  }
  if (Status st = ResolveSavedConnection(&o.conn); !st.ok()) return ReportError(st);
  // --statement-timeout, else the connection's statement_timeout_seconds, else 1 hour.
  auto statement_timeout = ParseDuration(
      "--statement-timeout", o.statement_timeout,
      o.conn.statement_timeout_seconds > 0 ? std::chrono::milliseconds(o.conn.statement_timeout_seconds * 1000LL)
                                           : std::chrono::milliseconds(std::chrono::hours(1)));
  if (!statement_timeout.ok()) return ReportError(statement_timeout.status());
  auto client = OpenClient(o.conn);
  if (!client.ok()) return ReportError(client.status());
  DiscoverOptions d;
  d.concurrency = o.conn.max_concurrent_statements;
  std::sort(schemas.begin(), schemas.end());
  schemas.erase(std::unique(schemas.begin(), schemas.end()), schemas.end());
  d.schemas = schemas;
  auto catalog = Discover(**client, d);
  if (!catalog.ok()) return ReportError(catalog.status());

  std::vector<StreamSyncConfig> configs;
  auto add = [&](const Stream& s) -> Status {
    StreamSyncConfig c;
    c.stream = s;
    if (o.incremental) {
      c.mode = SyncMode::kIncremental;
      c.cursor = o.cursor;
      bool has = false;
      for (const auto& col : s.columns) has = has || col.name == o.cursor;
      if (!has) return Status::InvalidArgument("stream " + s.schema + "." + s.table + " has no cursor column '" + o.cursor + "'");
    }
    if (!o.primary_key.empty()) c.key = util::Split(o.primary_key, ',');
    if (o.incremental && c.key.empty() && s.primary_key.empty())
      return Status::InvalidArgument("stream " + s.schema + "." + s.table + " has no primary key: pass --primary-key for the tie-break");
    configs.push_back(c);
    return Status::OK();
  };
  if (o.all) {
    for (const auto& s : *catalog)
      if (Status st = add(s); !st.ok()) return ReportError(st);
  } else {
    for (size_t i = 0; i < wanted.size(); ++i) {
      const Stream* found = nullptr;
      for (const auto& s : *catalog)
        if (s.schema == wanted[i].first && s.table == wanted[i].second) found = &s;
      if (!found) return ReportError(Status::NotFound("unknown stream '" + o.streams[i] + "' (see `rsx discover`)"));
      if (Status st = add(*found); !st.ok()) return ReportError(st);
    }
  }

  SyncOptions so;
  so.out_dir = o.to;
  so.format = o.format;
  so.chunk_rows = o.chunk_rows;
  so.parallel = o.parallel > 0 ? o.parallel : o.conn.max_concurrent_statements;
  so.state_path = o.state;
  so.interrupted = interrupted;
  so.trust_key = o.trust_key;
  so.statement_timeout = *statement_timeout;
  bool tty = isatty(fileno(stderr));
  auto t0 = std::chrono::steady_clock::now();
  std::map<std::string, long long> estimates;
  for (const auto& c : configs) estimates[c.stream.schema + "." + c.stream.table] = c.stream.row_estimate;
  std::string current;
  auto stream_start = t0, last_report = t0;
  long long bytes_total = 0;
  so.progress = [&](const std::string& stream, long long rows, long long bytes) {
    auto now = std::chrono::steady_clock::now();
    if (stream != current) {  // a stream starts where the previous one ended
      current = stream;
      stream_start = last_report;
    }
    last_report = now;
    bytes_total += bytes;
    double secs = std::chrono::duration<double>(now - stream_start).count();
    double rate = secs > 0 ? rows / secs : 0.0;
    long long est = estimates[stream];
    char eta[64] = "";
    if (est > rows && rate > 0)
      std::snprintf(eta, sizeof eta, ", %.0f%% of ~%lld, ETA %.0f s", 100.0 * rows / est, est, (est - rows) / rate);
    std::fprintf(stderr, tty ? "\r%s: %lld rows, %.1f MB, %.0f rows/s%s   " : "%s: %lld rows, %.1f MB, %.0f rows/s%s\n",
                 stream.c_str(), rows, bytes_total / 1e6, rate, eta);
  };
  auto results = RunSync(**client, configs, so);
  if (tty) std::fprintf(stderr, "\n");
  if (!results.ok()) {
    int rc = ReportError(results.status());
    return interrupted->load() ? 130 : rc;
  }
  nlohmann::ordered_json manifest = {{"connection", o.conn.name}, {"format", o.format}, {"streams", nlohmann::ordered_json::array()}};
  long long total = 0;
  for (size_t i = 0; i < results->size(); ++i) {
    const auto& r = (*results)[i];
    nlohmann::ordered_json cols = nlohmann::ordered_json::array();
    for (const auto& c : configs[i].stream.columns) cols.push_back({{"name", c.name}, {"type", c.type_name}});
    manifest["streams"].push_back({{"stream", r.name}, {"file", r.file}, {"rows", r.rows},
                                   {"statements", r.statements},
                                   {"mode", configs[i].mode == SyncMode::kIncremental ? "incremental" : "full_refresh"},
                                   {"columns", cols}});
    total += r.rows;
  }
  manifest["state_file"] = o.state.empty() ? o.to + "/.rsx-state.json" : o.state;
  auto text = json_access::Dump(manifest, 2);
  Status saved = text.ok() ? WriteFileAtomic(o.to + "/manifest.json", *text + "\n", 0644) : text.status();
  if (!saved.ok()) return ReportError(Status(saved).Prepend("the streams were synced and the state saved, but manifest.json was not"));
  double secs = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  std::fprintf(stderr, "synced %zu stream%s, %lld rows in %.2f s to %s (manifest.json)\n", results->size(),
               results->size() == 1 ? "" : "s", total, secs, o.to.c_str());
  return 0;
}

}  // namespace

void AddSyncCommand(CLI::App& app, Runner* run) {
  auto o = std::make_shared<SyncCliOptions>();
  CLI::App* cmd = app.add_subcommand(
      "sync", "Sync streams to files: one file per stream plus manifest.json, read in chunks\n"
              "(keyset pagination) with state checkpointed after each chunk, so the next run --\n"
              "or a rerun after a crash -- continues where the last one ended.");
  cmd->add_option("name", o->conn.name, "saved connection (or give connection flags)");
  AddConnectionFlags(cmd, &o->conn);
  cmd->add_option("--stream", o->streams,
                  "schema.table to sync (repeatable); quote a name holding a dot as in SQL: '\"my.schema\".t'");
  cmd->add_flag("--all", o->all, "sync every discovered stream");
  cmd->add_flag("--incremental", o->incremental, "read only rows after the saved cursor position");
  cmd->add_option("--cursor", o->cursor, "cursor column for --incremental");
  cmd->add_option("--primary-key", o->primary_key, "comma-separated key columns (default: the table's primary key)");
  cmd->add_option("--to", o->to, "output folder")->required();
  cmd->add_option("--format", o->format, "jsonl (default) or csv");
  cmd->add_option("--chunk-rows", o->chunk_rows, "rows per statement (default 100000)");
  cmd->add_option("--parallel", o->parallel,
                  "full refresh: statements at once over key ranges (default: the connection's "
                  "max_concurrent_statements, 4)");
  cmd->add_option("--state", o->state, "state file (default DIR/.rsx-state.json); one sync at a time holds it");
  cmd->add_flag("--trust-key", o->trust_key,
                "skip the check that the key is unique and non-null (one statement per stream); a key "
                "that repeats then loses rows silently, so use it only for keys you know are unique");
  cmd->add_option("--statement-timeout", o->statement_timeout,
                  "cancel a statement that runs longer, e.g. 90s, 15m, 1h (default 1h); the sync then "
                  "stops at its last checkpoint");
  cmd->callback([run, o] { *run = [o] { return RunSyncCommand(*o); }; });
}

}  // namespace rsx::cli
