// rsx query: run one SQL statement on a workgroup and print its result.

#include <chrono>
#include <cstdio>
#include <functional>
#include <optional>

#include "commands.h"
#include "connection.h"
#include "rsx/files.h"
#include "rsx/sql_script.h"
#include "rsx/statement_runner.h"
#include "rsx/strings.h"
#include "rsx/workspace.h"
#include "rsx/writers.h"

namespace rsx::cli {
namespace {

struct QueryOptions {
  ConnectionFlags conn;
  std::vector<std::string> positional;  // [NAME] SQL [SQL...]
  std::string sql, sql_file, format = "table", output, timeout, result_format = "auto";
  std::vector<std::string> params;
  long long max_rows = 1000;
  bool timings = false, transaction = false, auto_commit = false;
};

constexpr int kSessionKeepAliveSeconds = 600;  // between the statements of one rsx query

// Several statements in one session, so temporary tables and settings carry over: each waits
// for the one before it. Only the last result set is read (into `consumer`); the others report
// on stderr. The session is released when rsx is done (the last statement sets a keep-alive of
// one second; the Data API has no call to close a session).
Result<RunSummary> RunInSession(DataApiClient& c, const std::vector<std::string>& statements,
                                const RunOptions& base, ResultConsumer* consumer) {
  RunOptions run = base;
  run.session_keep_alive_seconds = kSessionKeepAliveSeconds;
  RunSummary last, last_result;
  bool any_result = false;
  for (size_t i = 0; i < statements.size(); ++i) {
    bool final = i + 1 == statements.size();
    if (final) run.session_keep_alive_seconds = 1;
    auto done = RunStatement(c, statements[i], run, nullptr);
    if (!done.ok()) {
      if (!run.session_id.empty() && !final) {  // let the session go now, not in 10 minutes
        ExecuteRequest bye;
        bye.sql = "select 1";
        bye.session_id = run.session_id;
        bye.session_keep_alive_seconds = 1;
        (void)c.ExecuteStatement(bye);
      }
      return Status(done.status())
          .Prepend("statement " + std::to_string(i + 1) + " of " +
                   std::to_string(statements.size()));
    }
    if (run.session_id.empty()) run.session_id = done->session_id;
    if (!final)
      std::fprintf(stderr, "statement %zu of %zu: %s (statement %s)\n", i + 1, statements.size(),
                   done->description.has_result_set
                       ? "a result set (not printed: only the last one is)"
                       : (std::to_string(std::max(0LL, done->description.result_rows)) +
                          (done->description.result_rows == 1 ? " row affected" : " rows affected"))
                             .c_str(),
                   done->statement_id.c_str());
    if (done->description.has_result_set) {
      last_result = *done;
      any_result = true;
    }
    last = *std::move(done);
  }
  if (!any_result || consumer == nullptr) return last;
  RunOptions fetch;
  fetch.interrupted = base.interrupted;
  auto read = FetchResult(c, last_result.statement_id, fetch, consumer);
  if (read.ok()) read->session_id = last.session_id;
  return read;
}

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
  if (std::string notice = writer->Notice(); !notice.empty())
    std::fprintf(stderr, "rsx: note: %s\n", util::TerminalSafe(notice).c_str());
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
    const std::string& from = (*conn)->credentials_provider();
    std::fprintf(stderr, "timings: long polling %s; role credentials %s\n",
                 summary->long_polling.c_str(),
                 from.empty()                                 ? "(not assumed: the operator's own)"
                 : util::EndsWith(from, kFromCredentialCache) ? "from the credential cache"
                                                              : "from AssumeRole");
  }
  return 0;
}

int RunQuery(QueryOptions o) {
  std::vector<std::string> texts;  // SQL texts, each holding one or more statements
  if (!o.sql_file
           .empty()) {  // -f FILE (or -f - for stdin): the only SQL; a positional is the connection
    if (o.positional.size() > 1)
      return ReportError(
          Status::InvalidArgument("give the SQL either as an argument or with -f, not both"));
    if (o.positional.size() == 1) o.conn.c.name = o.positional[0];
    // A script's size is capped well above any real one: the Data API takes at most 100 KB per
    // statement, and an endless stdin must not be read (and sent) whole.
    constexpr size_t kMaxScript = 16u << 20;
    if (o.sql_file == "-") {
      char buf[1 << 16];
      size_t n;
      while ((n = std::fread(buf, 1, sizeof buf, stdin)) > 0) {
        o.sql.append(buf, n);
        if (o.sql.size() > kMaxScript)
          return ReportError(Status::InvalidArgument(
              "the SQL on standard input is larger than 16 MB; the Data API takes at most 100 KB "
              "per statement"));
      }
    } else {
      auto text = ReadTextFile(o.sql_file, "SQL", kMaxScript);
      if (!text.ok()) return ReportError(text.status());
      o.sql = *text;
    }
    texts.push_back(o.sql);
  } else if (o.positional.empty()) {
    return ReportError(Status::InvalidArgument(
        "no SQL: give it as an argument, or with -f FILE (-f - reads stdin)"));
  } else {
    // [NAME] SQL [SQL...]: with two or more arguments, the first is a connection name when it
    // can be one (SQL has spaces; a name never does).
    size_t first = 0;
    if (o.positional.size() >= 2 && ValidateConnectionName(o.positional[0]).ok()) {
      o.conn.c.name = o.positional[0];
      first = 1;
    }
    texts.assign(o.positional.begin() + static_cast<long>(first), o.positional.end());
  }
  std::vector<std::string> statements;
  for (const auto& text : texts) {
    auto split = SplitSqlScript(text);
    if (!split.ok()) return ReportError(split.status());
    statements.insert(statements.end(), split->begin(), split->end());
  }
  if (statements.empty())
    return ReportError(
        Status::InvalidArgument("the SQL is empty: give a statement, e.g. rsx query \"select 1\""));
  if (o.transaction && o.auto_commit)
    return ReportError(
        Status::InvalidArgument("--transaction and --auto-commit exclude each other"));
  if (o.max_rows < 0) return ReportError(Status::InvalidArgument("--max-rows must be 0 or more"));
  auto interrupted = InstallInterruptHandler();
  auto timeout = ParseDuration("--timeout", o.timeout, std::chrono::milliseconds(0));
  if (!timeout.ok()) return ReportError(timeout.status());
  RunOptions run;
  run.timeout = *timeout;
  run.interrupted = interrupted;
  Status flags = ParseRunFlags(o, &run);
  if (!flags.ok()) return ReportError(flags);
  if (o.transaction || o.auto_commit)  // one BatchExecuteStatement, even for one statement
    return Emit(o, interrupted, [&](DataApiClient& c, ResultConsumer* w) {
      return RunBatch(c, statements, o.auto_commit, run, w);
    });
  if (statements.size() == 1)
    return Emit(o, interrupted, [&](DataApiClient& c, ResultConsumer* w) {
      return RunStatement(c, statements[0], run, w);
    });
  if (!run.params.empty())
    return ReportError(Status::InvalidArgument(
        "--param with several statements: add --transaction or --auto-commit (one batch shares "
        "its parameters), or run the statement that uses them on its own"));
  return Emit(o, interrupted, [&](DataApiClient& c, ResultConsumer* w) {
    return RunInSession(c, statements, run, w);
  });
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
                  "write to this file instead of stdout, replaced only when complete (a device "
                  "or pipe such as /dev/null is written as rows arrive)");
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
      "Run SQL on the workgroup and print its result (data on stdout, the row count and time\n"
      "on stderr). Ctrl-C or --timeout cancels the statement in Redshift. Several statements\n"
      "(separated by ';', or as several arguments) run in order in one Data API session, so\n"
      "temporary tables and settings carry over, and the last result is printed; with\n"
      "--transaction or --auto-commit they run as one BatchExecuteStatement instead.");
  cmd->add_option(
         "connection_and_sql", o->positional,
         "[NAME] SQL [SQL...]: a saved connection (optional; else flags or RSX_* variables) and "
         "the SQL (use :name placeholders with --param)")
      ->expected(0, -1);
  cmd->add_option("-f,--file", o->sql_file,
                  "read the SQL from FILE (- for stdin), a script of one or more statements "
                  "separated by ';'; a positional argument is then the connection name");
  cmd->add_flag("--transaction", o->transaction,
                "run the statements as one BatchExecuteStatement in one transaction: a failure "
                "rolls back every statement (needs redshift-data:BatchExecuteStatement)");
  cmd->add_flag("--auto-commit", o->auto_commit,
                "run the statements as one BatchExecuteStatement, each committing on its own "
                "(ExecutionMode AUTO_COMMIT): a failure stops the batch and keeps what ran "
                "before it");
  AddConnectionFlags(cmd, &o->conn);
  cmd->add_option("--param", o->params, "a parameter NAME=VALUE for :NAME in the SQL (repeatable)")
      ->allow_extra_args(false);  // one value per --param: the arguments after it are SQL
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
