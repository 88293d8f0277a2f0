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
#include "util/strings.h"

namespace rsx::cli {
namespace {

struct SyncCliOptions {
  ConnectionFlags conn;
  std::vector<std::string> streams;
  bool all = false, incremental = false;
  std::string cursor, primary_key, to, format = "jsonl", state;
  long long chunk_rows = 100000;
  int parallel = 0;  // 0: the connection's max_concurrent_statements
};

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
  std::vector<std::string> schemas;
  for (const auto& s : o.streams) {
    auto dot = s.find('.');
    if (dot == std::string::npos || dot == 0 || dot + 1 == s.size())
      return ReportError(Status::InvalidArgument("--stream '" + s + "' must be schema.table"));
    schemas.push_back(s.substr(0, dot));
  }
  if (Status st = ResolveSavedConnection(&o.conn); !st.ok()) return ReportError(st);
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
    for (const auto& name : o.streams) {
      const Stream* found = nullptr;
      for (const auto& s : *catalog)
        if (s.schema + "." + s.table == name) found = &s;
      if (!found) return ReportError(Status::NotFound("unknown stream '" + name + "' (see `rsx discover`)"));
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
  std::string path = o.to + "/manifest.json", tmp = path + ".tmp";
  if (FILE* f = std::fopen(tmp.c_str(), "wb")) {
    std::string text = manifest.dump(2) + "\n";
    std::fwrite(text.data(), 1, text.size(), f);
    std::fclose(f);
    std::rename(tmp.c_str(), path.c_str());
  }
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
  cmd->add_option("--stream", o->streams, "schema.table to sync (repeatable)");
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
  cmd->add_option("--state", o->state, "state file (default DIR/.rsx-state.json)");
  cmd->callback([run, o] { *run = [o] { return RunSyncCommand(*o); }; });
}

}  // namespace rsx::cli
