// rsx query: run one SQL statement on a workgroup and print its result.

#include <chrono>
#include <cstdio>
#include <functional>
#include <iostream>
#include <iterator>
#include <optional>

#include "commands.h"
#include "connection.h"
#include "rsx/files.h"
#include "rsx/statement_runner.h"
#include "rsx/writers.h"

namespace rsx::cli {
namespace {

struct QueryOptions {
  ConnectionFlags conn;
  std::vector<std::string> positional;  // [NAME] SQL
  std::string sql, sql_file, format = "table", output, timeout, result_format = "auto";
  std::vector<std::string> params;
  long long max_rows = 1000;
  bool timings = false;
};

// Parses --format, --result-format and --param into `run`.
Status ParseRunFlags(const QueryOptions& o, RunOptions* run) {
  if (o.result_format != "auto" && o.result_format != "json" && o.result_format != "csv")
    return Status::InvalidArgument("--result-format '" + o.result_format +
                                   "' is not one of auto, json, csv");
  run->result_format =
      o.result_format == "csv" ? "CSV" : "JSON";  // auto: JSON (see docs/benchmarks.md)
  for (const auto& p : o.params) RSX_RETURN_IF_ERROR(AddParam(p, run));
  return Status::OK();
}

double Ms(std::chrono::nanoseconds ns) { return static_cast<double>(ns.count()) / 1e6; }

// Opens the client, then writes what `read` delivers to stdout or --output (renamed into place
// only when complete) and reports the row count (and with --timings, where the time went).
int Emit(const QueryOptions& o, const std::atomic<bool>* interrupted,
         const std::function<Result<RunSummary>(DataApiClient&, ResultConsumer*)>& read) {
  auto t_main = std::chrono::steady_clock::now();
  auto format = ParseOutputFormat(o.format);
  if (!format.ok()) return ReportError(format.status());
  auto conn = OpenConnection(o.conn);
  if (!conn.ok()) return ReportError(conn.status());

  std::optional<PartialFile> file;
  if (!o.output.empty()) {
    auto created = PartialFile::Create(o.output);
    if (!created.ok()) return ReportError(Status(created.status()).Prepend("--output"));
    file.emplace(std::move(*created));
  }
  auto writer = NewResultWriter(*format, file ? file->get() : stdout, o.max_rows);
  auto t0 = std::chrono::steady_clock::now();
  auto summary = read((*conn)->client(), writer.get());
  Status finished = summary.ok() ? writer->Finish() : summary.status();
  if (file && finished.ok()) finished = file->Commit();
  file.reset();  // uncommitted: removed
  std::fflush(stdout);
  auto t_end = std::chrono::steady_clock::now();
  double secs = std::chrono::duration<double>(t_end - t0).count();
  if (!finished.ok()) {
    int rc = ReportError(finished);
    return finished.code() == StatusCode::kCancelled && interrupted->load() ? 130 : rc;
  }
  if (summary->description.has_result_set)
    std::fprintf(stderr, "%lld row%s in %.2f s (statement %s)\n", writer->rows_written(),
                 writer->rows_written() == 1 ? "" : "s", secs, summary->statement_id.c_str());
  else
    std::fprintf(stderr, "done: %lld row%s affected in %.2f s (statement %s)\n",
                 std::max(0LL, summary->description.result_rows),
                 summary->description.result_rows == 1 ? "" : "s", secs,
                 summary->statement_id.c_str());
  if (o.timings) {
    const HttpCallStats& http = (*conn)->runtime().http_stats();
    auto total = t_end - t_main;
    auto in_http = std::chrono::nanoseconds(http.nanos.load());
    auto rest = total - in_http - summary->poll_sleep;
    std::fprintf(stderr,
                 "timings: %.2f ms from the command's start; %.2f ms inside %lld HTTP requests; "
                 "%.2f ms asleep between %d status checks; %.2f ms other work\n",
                 Ms(total), Ms(in_http), http.calls.load(), Ms(summary->poll_sleep), summary->polls,
                 Ms(rest));
  }
  return 0;
}

int RunQuery(QueryOptions o) {
  if (!o.sql_file
           .empty()) {  // -f FILE (or -f - for stdin): the only SQL; a positional is the connection
    if (o.positional.size() > 1)
      return ReportError(
          Status::InvalidArgument("give the SQL either as an argument or with -f, not both"));
    if (o.positional.size() == 1) o.conn.c.name = o.positional[0];
    if (o.sql_file == "-") {
      o.sql.assign(std::istreambuf_iterator<char>(std::cin), std::istreambuf_iterator<char>());
    } else {
      auto text = ReadTextFile(o.sql_file, "SQL");
      if (!text.ok()) return ReportError(text.status());
      o.sql = *text;
    }
  } else if (o.positional.size() == 2) {
    o.conn.c.name = o.positional[0];
    o.sql = o.positional[1];
  } else if (o.positional.size() == 1) {
    o.sql = o.positional[0];
  } else {
    return ReportError(Status::InvalidArgument(
        "no SQL: give it as an argument, or with -f FILE (-f - reads stdin)"));
  }
  if (o.sql.find_first_not_of(" \t\r\n") == std::string::npos)
    return ReportError(
        Status::InvalidArgument("the SQL is empty: give a statement, e.g. rsx query \"select 1\""));
  if (o.max_rows < 0) return ReportError(Status::InvalidArgument("--max-rows must be 0 or more"));
  auto interrupted = InstallInterruptHandler();
  auto timeout = ParseDuration("--timeout", o.timeout, std::chrono::milliseconds(0));
  if (!timeout.ok()) return ReportError(timeout.status());
  RunOptions run;
  run.timeout = *timeout;
  run.interrupted = interrupted;
  Status flags = ParseRunFlags(o, &run);
  if (!flags.ok()) return ReportError(flags);
  return Emit(o, interrupted,
              [&](DataApiClient& c, ResultConsumer* w) { return RunStatement(c, o.sql, run, w); });
}

int RunResult(QueryOptions o) {
  std::string id = o.positional.back();
  if (o.positional.size() == 2) o.conn.c.name = o.positional[0];
  if (id.empty()) return ReportError(Status::InvalidArgument("the statement ID is empty"));
  if (o.max_rows < 0) return ReportError(Status::InvalidArgument("--max-rows must be 0 or more"));
  auto interrupted = InstallInterruptHandler();
  RunOptions run;
  run.interrupted = interrupted;
  return Emit(o, interrupted,
              [&](DataApiClient& c, ResultConsumer* w) { return FetchResult(c, id, run, w); });
}

// --format, --output, --max-rows and --timings, shared by query and result.
void AddOutputFlags(CLI::App* cmd, QueryOptions* o) {
  cmd->add_option("--format", o->format, "table (default), csv, jsonl or json");
  cmd->add_option("--output", o->output,
                  "write to this file instead of stdout (only when complete)");
  cmd->add_option("--max-rows", o->max_rows, "rows the table format shows (default 1000)");
  cmd->add_flag("--timings", o->timings,
                "after the row count, print where the time went: inside HTTP requests, asleep "
                "between status checks, and rsx's other work");
}

}  // namespace

void AddQueryCommand(CLI::App& app, Runner* run) {
  auto o = std::make_shared<QueryOptions>();
  CLI::App* cmd = app.add_subcommand(
      "query",
      "Run one SQL statement on the workgroup and print its result (data on stdout, the row\n"
      "count and time on stderr). Ctrl-C or --timeout cancels the statement in Redshift.");
  cmd->add_option(
         "connection_and_sql", o->positional,
         "[NAME] SQL: a saved connection (optional; else flags or RSX_* variables) and the "
         "SQL statement (use :name placeholders with --param)")
      ->expected(0, 2);
  cmd->add_option("-f,--file", o->sql_file,
                  "read the SQL from FILE (- for stdin), for statements longer than a command line "
                  "allows; a positional argument is then the connection name");
  AddConnectionFlags(cmd, &o->conn);
  cmd->add_option("--param", o->params, "a parameter NAME=VALUE for :NAME in the SQL (repeatable)");
  AddOutputFlags(cmd, o.get());
  cmd->add_option("--timeout,--statement-timeout", o->timeout,
                  "cancel the statement after this long, e.g. 90s, 15m, 1h (default: no limit)");
  cmd->add_option("--result-format", o->result_format,
                  "Data API result format: auto (default), json or csv");
  cmd->callback([run, o] { *run = [o] { return RunQuery(*o); }; });

  auto r = std::make_shared<QueryOptions>();
  CLI::App* res = app.add_subcommand(
      "result",
      "Print the result of a statement that already finished, by its ID (the Data API keeps\n"
      "results for 24 hours; the statement must have been run by the same IAM role). It is\n"
      "read in the result format the statement was run with.");
  res->add_option("connection_and_id", r->positional,
                  "[NAME] ID: a saved connection (optional; else flags or RSX_* variables) and the "
                  "statement ID")
      ->required()
      ->expected(1, 2);
  AddConnectionFlags(res, &r->conn);
  AddOutputFlags(res, r.get());
  res->callback([run, r] { *run = [r] { return RunResult(*r); }; });
}

}  // namespace rsx::cli
