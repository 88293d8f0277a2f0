// rsx sync: the main job. Streams to files in chunks, with state so the next run continues.

#include <unistd.h>

#include <chrono>
#include <cstdio>

#include "commands.h"
#include "connection.h"
#include "rsx/strings.h"

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
  std::string via = "pages";
  bool keep_staged = false;
  int unload_connections = 4;
  long long unload_min_rows = 1000000;
};

int RunSyncCommand(SyncCliOptions o) {
  auto interrupted = InstallInterruptHandler();
  SyncOptions so;
  so.out_dir = o.to;
  so.format = o.format;
  so.chunk_rows = o.chunk_rows;
  so.parallel = o.parallel == 0 ? 1 : o.parallel;  // 0: the connection's (below)
  so.state_path = o.state;
  so.interrupted = interrupted;
  so.trust_key = o.trust_key;
  auto via = ParseReadPath(o.via);
  if (!via.ok()) return ReportError(via.status());
  so.unload.keep_staged = o.keep_staged;
  so.unload.connections = o.unload_connections;
  so.unload.auto_min_rows = o.unload_min_rows;
  if (Status st = ValidateSyncOptions(so); !st.ok()) return ReportError(st);
  so.via = *via;  // the stage comes with the connection: checked once it is open
  if (Status st =
          ParseDuration("--statement-timeout", o.statement_timeout, std::chrono::hours(1)).status();
      !st.ok())
    return ReportError(st);
  StreamSelection sel;
  sel.streams = o.streams;
  sel.all = o.all;
  sel.incremental = o.incremental;
  sel.cursor = o.cursor;
  if (!o.primary_key.empty()) sel.primary_key = util::Split(o.primary_key, ',');
  auto schemas = SelectionSchemas(sel);
  if (!schemas.ok()) return ReportError(schemas.status());
  auto conn = OpenConnection(o.conn);
  if (!conn.ok()) return ReportError(conn.status());
  if (so.via == ReadPath::kUnload && !(*conn)->stage_client())
    return ReportError(Status::InvalidArgument(
        "--via unload needs a stage: --stage s3://bucket/prefix/ (or the connection's "
        "unload.stage, or RSX_STAGE), where Redshift may write and rsx may read, list and "
        "delete; see docs/unload.md"));
  // --statement-timeout, else the connection's statement_timeout_seconds, else 1 hour.
  auto statement_timeout =
      ParseDuration("--statement-timeout", o.statement_timeout, (*conn)->DefaultStatementTimeout());
  if (!statement_timeout.ok()) return ReportError(statement_timeout.status());
  auto catalog = (*conn)->Discover(*schemas);
  if (!catalog.ok()) return ReportError(catalog.status());
  auto planned = PlanStreams(*catalog, sel);
  if (!planned.ok()) return ReportError(planned.status());
  const std::vector<StreamSyncConfig>& configs = *planned;

  if (o.parallel == 0) so.parallel = (*conn)->config().max_concurrent_statements;
  so.statement_timeout = *statement_timeout;
  bool tty = isatty(fileno(stderr));
  auto t0 = std::chrono::steady_clock::now();
  ProgressMeter meter(configs);
  so.progress = [&](const std::string& stream, long long rows, long long bytes) {
    std::fprintf(stderr, tty ? "\r%s   " : "%s\n",
                 util::TerminalSafe(meter.Update(stream, rows, bytes)).c_str());
  };
  auto results = (*conn)->Sync(configs, so);
  if (tty) std::fprintf(stderr, "\n");
  if (!results.ok()) {
    int rc = ReportError(results.status());
    return interrupted->load() ? 130 : rc;
  }
  long long total = 0;
  for (const auto& r : *results) total += r.rows;
  if (Status saved = WriteManifest(o.to, o.conn.c.name, so, configs, *results); !saved.ok())
    return ReportError(Status(saved).Prepend(
        "the streams were synced and the state saved, but manifest.json was not"));
  double secs = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  std::fprintf(stderr, "synced %zu stream%s, %lld rows in %.2f s to %s (manifest.json)\n",
               results->size(), results->size() == 1 ? "" : "s", total, secs, o.to.c_str());
  return 0;
}

}  // namespace

void AddSyncCommand(CLI::App& app, Runner* run) {
  auto o = std::make_shared<SyncCliOptions>();
  CLI::App* cmd = app.add_subcommand(
      "sync",
      "Sync streams to files: one file per stream plus manifest.json, read in chunks\n"
      "(keyset pagination) with state checkpointed after each chunk, so the next run --\n"
      "or a rerun after a crash -- continues where the last one ended.");
  cmd->add_option("name", o->conn.c.name, "saved connection (or give connection flags)");
  AddConnectionFlags(cmd, &o->conn);
  cmd->add_option(
      "--stream", o->streams,
      "schema.table to sync (repeatable); quote a name holding a dot as in SQL: '\"my.schema\".t'");
  cmd->add_flag("--all", o->all, "sync every discovered stream");
  cmd->add_flag("--incremental", o->incremental, "read only rows after the saved cursor position");
  cmd->add_option("--cursor", o->cursor, "cursor column for --incremental");
  cmd->add_option("--primary-key", o->primary_key,
                  "comma-separated key columns (default: the table's primary key)");
  cmd->add_option("--to", o->to, "output folder")->required();
  cmd->add_option("--format", o->format, "jsonl (default) or csv");
  cmd->add_option("--chunk-rows", o->chunk_rows, "rows per statement (default 100000)");
  cmd->add_option("--parallel", o->parallel,
                  "full refresh: statements at once over key ranges, 1 to 200 (default: the "
                  "connection's max_concurrent_statements, 4)");
  cmd->add_option("--via", o->via,
                  "how rows are read: pages (default; SELECTs read page by page), unload (UNLOAD "
                  "to the --stage on S3, files downloaded in parallel) or auto (unload for "
                  "streams of at least --unload-min-rows estimated rows when a stage is set)")
      ->check(CLI::IsMember({"pages", "unload", "auto"}));
  cmd->add_flag("--keep-staged", o->keep_staged,
                "unload: leave the staged files on S3 after the run (default: deleted once the "
                "stream's rows are durably written)");
  cmd->add_option("--unload-connections", o->unload_connections,
                  "unload: ranged GETs at once (default 4)");
  cmd->add_option("--unload-min-rows", o->unload_min_rows,
                  "--via auto: unload streams of at least this many estimated rows (default "
                  "1000000)");
  cmd->add_option("--state", o->state,
                  "state file (default DIR/.rsx-state.json); one sync at a time holds it");
  cmd->add_flag(
      "--trust-key", o->trust_key,
      "skip the check that the key is unique and non-null (one statement per stream); a key "
      "that repeats then loses rows silently, so use it only for keys you know are unique");
  cmd->add_option(
      "--statement-timeout", o->statement_timeout,
      "cancel a statement that runs longer, e.g. 90s, 15m, 1h (default 1h); the sync then "
      "stops at its last checkpoint");
  cmd->callback([run, o] { *run = [o] { return RunSyncCommand(*o); }; });
}

}  // namespace rsx::cli
