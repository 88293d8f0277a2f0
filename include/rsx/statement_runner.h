#pragma once
// RunStatement: one SQL statement through the Data API, from submit to the last row.
//
// * Submits with a fresh ClientToken, so a retried submit runs the SQL once.
// * Waits with long polling where the client uses it (DataApiClient::UseLongPolling): the
//   submit waits up to 1 s (a small query is then done in one request, and the result read
//   with one more), then DescribeStatement long polls of up to 20 s; a Ctrl-C during one
//   cancels the statement, which ends the wait at once. Otherwise (or when the endpoint lacks
//   it, or answers ActiveWaitingRequestsExceededException), adaptive polling: the first check
//   after `first_poll` (default 5 ms), then backoff x1.5 with +-20% jitter up to `max_poll`
//   (default 500 ms).
// * Streams result pages to the consumer one at a time while a background thread fetches the
//   next ones (at most `max_pages_ahead` held, default 2).
// * Reconciles the rows delivered with TotalNumRows and ResultRows; a mismatch or a repeated
//   NextToken is kDataLoss.
// * On timeout, on *interrupted becoming true (SIGINT/SIGTERM), while the statement runs, it
//   calls CancelStatement and confirms ABORTED with DescribeStatement before returning.
// * A FAILED statement is kStatementFailed carrying Redshift's error text.

#include <atomic>
#include <chrono>
#include <functional>
#include <string>
#include <vector>

#include "rsx/data_api.h"
#include "rsx/types.h"

namespace rsx {

class ResultConsumer {
 public:
  virtual ~ResultConsumer() = default;
  // Called once, before the first page, with the result's columns.
  virtual Status OnColumns(const std::vector<ColumnInfo>& columns) = 0;
  // Called for each page in order. Return kCancelled to stop early (not an error for the run).
  virtual Status OnPage(const DecodedPage& page) = 0;
  // True for consumers that write JSON and read text through CellText: string cells of JSON
  // pages may then keep their escapes (Cell::escaped), which saves unescaping and escaping again.
  virtual bool TakesEscapedText() const { return false; }
};

// Collects a (small) result as rows of text, in the database's text forms.
class TextRows : public ResultConsumer {
 public:
  Status OnColumns(const std::vector<ColumnInfo>&) override { return Status::OK(); }
  Status OnPage(const DecodedPage& page) override;
  std::vector<std::vector<std::string>> rows;
};

struct RunOptions {
  std::vector<std::pair<std::string, std::string>> params;
  std::string result_format = "JSON";  // or "CSV"
  std::string statement_name;
  std::chrono::milliseconds timeout{0};  // 0: none
  std::chrono::milliseconds first_poll{5};
  std::chrono::milliseconds max_poll{500};
  int max_pages_ahead = 2;
  const std::atomic<bool>* interrupted = nullptr;
  // Run in this session (from an earlier statement's RunSummary::session_id); with
  // session_keep_alive_seconds > 0, open one (or change the session's keep-alive).
  std::string session_id;
  int session_keep_alive_seconds = 0;
  // Called once the statement was accepted (before waiting for it), with its id and SQL.
  std::function<void(const std::string& statement_id, const std::string& sql)> submitted;
};

struct RunSummary {
  std::string statement_id;
  std::string session_id;  // the session it ran in, when it ran in one
  StatementDescription description;
  long long rows_delivered = 0;
  long long bytes_fetched = 0;
  int pages = 0;
  int polls = 0;
  bool stopped_early = false;
  std::chrono::nanoseconds submit_to_finished{0};
  std::chrono::nanoseconds poll_sleep{0};  // time spent sleeping between status checks
  // How the wait went: "used" (long polling), "off", or why it fell back to polling.
  std::string long_polling;
};

// Adds "NAME=VALUE" (as given on a command line) to options->params. kInvalidArgument naming
// the parameter: no '=', a name that is not letters, digits and _, an empty value (the Data
// API refuses those), or a name given twice.
Status AddParam(const std::string& name_equals_value, RunOptions* options);

Result<RunSummary> RunStatement(DataApiClient& client, const std::string& sql,
                                const RunOptions& options, ResultConsumer* consumer);

// Runs `sqls` as one BatchExecuteStatement: one transaction (a failure rolls back every
// statement), or with `auto_commit` each statement committing on its own (ExecutionMode
// AUTO_COMMIT, July 2026; the batch stops at a failure, nothing before it is undone). Parameters
// are shared by every statement. Waits, cancels and confirms as RunStatement does; the summary's
// description lists the sub-statements, and a failure is kStatementFailed naming the failing
// one. The result of the last sub-statement that has one is streamed to `consumer`.
Result<RunSummary> RunBatch(DataApiClient& client, const std::vector<std::string>& sqls,
                            bool auto_commit, const RunOptions& options, ResultConsumer* consumer);

// Reads the result of a statement that already FINISHED (results are kept 24 hours), in the
// result format it was run with. Uses max_pages_ahead and interrupted from `options`.
Result<RunSummary> FetchResult(DataApiClient& client, const std::string& statement_id,
                               const RunOptions& options, ResultConsumer* consumer);

// Cancels a statement and waits (up to `wait`) until it is no longer running.
Status CancelAndConfirm(DataApiClient& client, const std::string& id,
                        std::chrono::milliseconds wait = std::chrono::milliseconds(5000));

}  // namespace rsx
