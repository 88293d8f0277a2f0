// rsx query: run one SQL statement on a workgroup and print its result.

#include <chrono>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <filesystem>

#include "commands.h"
#include "connection.h"
#include "rsx/statement_runner.h"
#include "rsx/writers.h"

namespace rsx::cli {
namespace {

struct QueryOptions {
  ConnectionFlags conn;
  std::vector<std::string> positional;  // [NAME] SQL
  std::string sql, format = "table", output, timeout, result_format = "auto";
  std::vector<std::string> params;
  long long max_rows = 1000;
};

// "30s", "5m", "1h", "250ms", or plain seconds.
Result<std::chrono::milliseconds> ParseDuration(const std::string& s) {
  if (s.empty()) return std::chrono::milliseconds(0);
  char* end = nullptr;
  double v = std::strtod(s.c_str(), &end);
  std::string unit = end;
  double ms;
  if (unit.empty() || unit == "s") ms = v * 1000;
  else if (unit == "ms") ms = v;
  else if (unit == "m") ms = v * 60000;
  else if (unit == "h") ms = v * 3600000;
  else return Status::InvalidArgument("--timeout '" + s + "' is not a duration like 30s, 5m, 1h or 250ms");
  if (end == s.c_str() || v < 0) return Status::InvalidArgument("--timeout '" + s + "' is not a duration like 30s, 5m, 1h or 250ms");
  return std::chrono::milliseconds(static_cast<long long>(ms));
}

int RunQuery(QueryOptions o) {
  if (o.positional.size() == 2) {
    o.conn.name = o.positional[0];
    o.sql = o.positional[1];
  } else {
    o.sql = o.positional.at(0);
  }
  auto interrupted = InstallInterruptHandler();
  auto format = ParseOutputFormat(o.format);
  if (!format.ok()) return ReportError(format.status());
  auto timeout = ParseDuration(o.timeout);
  if (!timeout.ok()) return ReportError(timeout.status());
  RunOptions run;
  run.timeout = *timeout;
  run.interrupted = interrupted;
  if (o.result_format != "auto" && o.result_format != "json" && o.result_format != "csv")
    return ReportError(Status::InvalidArgument("--result-format '" + o.result_format +
                                               "' is not one of auto, json, csv"));
  run.result_format = o.result_format == "csv" ? "CSV" : "JSON";  // auto: JSON (see docs/benchmarks.md)
  for (const auto& p : o.params) {
    size_t eq = p.find('=');
    if (eq == std::string::npos || eq == 0)
      return ReportError(Status::InvalidArgument("--param '" + p + "' must be NAME=VALUE"));
    std::string name = p.substr(0, eq);
    for (char c : name)
      if (!std::isalnum(static_cast<unsigned char>(c)) && c != '_')
        return ReportError(Status::InvalidArgument("--param name '" + name +
                                                   "' may hold only letters, digits and _"));
    if (eq + 1 == p.size())
      return ReportError(Status::InvalidArgument("--param '" + name +
                                                 "' has an empty value; the Data API refuses empty values"));
    run.params.emplace_back(name, p.substr(eq + 1));
  }
  auto client = OpenClient(o.conn);
  if (!client.ok()) return ReportError(client.status());

  FILE* out = stdout;
  std::string tmp;
  if (!o.output.empty()) {
    tmp = o.output + ".rsx-partial";
    out = std::fopen(tmp.c_str(), "wb");
    if (!out) return ReportError(Status::IoError("cannot write --output " + o.output + ": " + std::strerror(errno)));
  }
  auto writer = NewResultWriter(*format, out, o.max_rows);
  auto t0 = std::chrono::steady_clock::now();
  auto summary = RunStatement(**client, o.sql, run, writer.get());
  Status finished = summary.ok() ? writer->Finish() : summary.status();
  if (!o.output.empty()) {
    std::fclose(out);
    if (finished.ok()) {
      std::filesystem::rename(tmp, o.output);
    } else {
      std::filesystem::remove(tmp);
    }
  }
  double secs = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
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
                 summary->description.result_rows == 1 ? "" : "s", secs, summary->statement_id.c_str());
  return 0;
}

}  // namespace

void AddQueryCommand(CLI::App& app, Runner* run) {
  auto o = std::make_shared<QueryOptions>();
  CLI::App* cmd = app.add_subcommand(
      "query",
      "Run one SQL statement on the workgroup and print its result (data on stdout, the row\n"
      "count and time on stderr). Ctrl-C or --timeout cancels the statement in Redshift.");
  cmd->add_option("connection_and_sql", o->positional,
                  "[NAME] SQL: a saved connection (optional; else flags or RSX_* variables) and the "
                  "SQL statement (use :name placeholders with --param)")
      ->required()
      ->expected(1, 2);
  AddConnectionFlags(cmd, &o->conn);
  cmd->add_option("--param", o->params, "a parameter NAME=VALUE for :NAME in the SQL (repeatable)");
  cmd->add_option("--format", o->format, "table (default), csv, jsonl or json");
  cmd->add_option("--output", o->output, "write to this file instead of stdout (only when complete)");
  cmd->add_option("--timeout", o->timeout, "cancel the statement after this long, e.g. 30s, 5m");
  cmd->add_option("--max-rows", o->max_rows, "rows the table format shows (default 1000)");
  cmd->add_option("--result-format", o->result_format,
                  "Data API result format: auto (default), json or csv");
  cmd->callback([run, o] { *run = [o] { return RunQuery(*o); }; });
}

}  // namespace rsx::cli
