#include "rsx/statement_runner.h"

#include <algorithm>
#include <cmath>
#include <condition_variable>
#include <deque>
#include <functional>
#include <mutex>
#include <random>
#include <set>
#include <thread>

#include "decode/page_decoder.h"
#include "rsx/crypto.h"

namespace rsx {
namespace {

using Steady = std::chrono::steady_clock;

bool Interrupted(const RunOptions& o) { return o.interrupted && o.interrupted->load(); }

constexpr int kSubmitWaitSeconds = 1;  // WaitTimeSeconds of ExecuteStatement
constexpr int kLongPollSeconds = 20;   // WaitTimeSeconds of DescribeStatement (at most 30)

// While alive, calls `on_interrupt` once when *flag becomes true (checked every 10 ms): a
// long poll blocks its thread, so the cancel that ends it comes from here.
class InterruptWatcher {
 public:
  InterruptWatcher(const std::atomic<bool>* flag, std::function<void()> on_interrupt) {
    if (!flag) return;
    thread_ = std::thread([this, flag, f = std::move(on_interrupt)] {
      std::unique_lock<std::mutex> lock(mu_);
      while (!done_) {
        if (flag->load()) {
          lock.unlock();
          f();
          return;
        }
        cv_.wait_for(lock, std::chrono::milliseconds(10));
      }
    });
  }
  ~InterruptWatcher() {
    if (!thread_.joinable()) return;
    {
      std::lock_guard<std::mutex> lock(mu_);
      done_ = true;
    }
    cv_.notify_all();
    thread_.join();
  }

 private:
  std::mutex mu_;
  std::condition_variable cv_;
  bool done_ = false;
  std::thread thread_;
};

// Fetches pages in the background into a bounded queue.
class Prefetcher {
 public:
  Prefetcher(DataApiClient& client, std::string id, bool v2, int depth)
      : client_(client), id_(std::move(id)), v2_(v2), depth_(std::max(1, depth)) {
    thread_ = std::thread([this] { Loop(); });
  }
  ~Prefetcher() {
    {
      std::lock_guard<std::mutex> lock(mu_);
      stop_ = true;
    }
    cv_.notify_all();
    thread_.join();
  }
  // The next page body and the NextToken the fetcher followed after it; empty optional at
  // the end. Errors stop the stream.
  Result<std::optional<std::string>> Next(std::string* followed_token) {
    std::unique_lock<std::mutex> lock(mu_);
    cv_.wait(lock, [this] { return !queue_.empty() || done_; });
    if (!queue_.empty()) {
      std::string body = std::move(queue_.front());
      queue_.pop_front();
      *followed_token = std::move(tokens_.front());
      tokens_.pop_front();
      cv_.notify_all();
      return std::optional<std::string>(std::move(body));
    }
    if (!error_.ok()) return error_;
    return std::optional<std::string>();
  }

 private:
  void Loop() {
    std::string token;
    std::set<std::string> seen;
    while (true) {
      {
        std::unique_lock<std::mutex> lock(mu_);
        cv_.wait(lock, [this] { return stop_ || static_cast<int>(queue_.size()) < depth_; });
        if (stop_) break;
      }
      auto page = client_.GetStatementResultPage(id_, token, v2_);
      std::lock_guard<std::mutex> lock(mu_);
      if (!page.ok()) {
        error_ = page.status();
        break;
      }
      // The token is the last member the page names; find it without a full parse (the
      // consumer's decoder checks it again).
      std::string next;
      size_t pos = page->rfind("\"NextToken\"");
      if (pos != std::string::npos) {
        size_t q1 = page->find('"', page->find(':', pos) + 1);
        size_t q2 = page->find('"', q1 + 1);
        if (q1 != std::string::npos && q2 != std::string::npos)
          next = page->substr(q1 + 1, q2 - q1 - 1);
      }
      queue_.push_back(std::move(*page));
      tokens_.push_back(next);
      cv_.notify_all();
      if (next.empty()) break;
      if (!seen.insert(next).second) {
        error_ =
            Status(StatusCode::kDataLoss, "GetStatementResult repeated a NextToken for " + id_ +
                                              "; stopping rather than delivering rows twice");
        break;
      }
      token = next;
    }
    std::lock_guard<std::mutex> lock(mu_);
    done_ = true;
    cv_.notify_all();
  }

  DataApiClient& client_;
  std::string id_;
  bool v2_;
  int depth_;
  std::mutex mu_;
  std::condition_variable cv_;
  std::deque<std::string> queue_;
  std::deque<std::string> tokens_;
  bool stop_ = false, done_ = false;
  Status error_;
  std::thread thread_;
};

// A FAILED statement is kStatementFailed with Redshift's error; an ABORTED one kCancelled.
Status EndedBadly(const StatementDescription& desc, const std::string& id) {
  if (desc.status == "FAILED")
    return Status(StatusCode::kStatementFailed,
                  desc.error.empty() ? "the statement failed" : desc.error)
        .WithDetail("statement_id", id);
  if (desc.status == "ABORTED")
    return Status::Cancelled("statement " + id + " was cancelled before it finished")
        .WithDetail("statement_id", id);
  return Status::OK();
}

// Streams a finished statement's result pages to the consumer and reconciles the count.
Status StreamResult(DataApiClient& client, const std::string& id, const StatementDescription& desc,
                    bool v2, const RunOptions& o, ResultConsumer* consumer, RunSummary* out) {
  RunSummary& summary = *out;
  Prefetcher prefetch(client, id, v2, o.max_pages_ahead);
  PageDecoder decoder;
  decoder.set_keep_escapes(consumer->TakesEscapedText());
  DecodedPage page;
  std::vector<ColumnInfo> columns;
  long long total_rows = -1;
  while (true) {
    if (Interrupted(o))
      return Status::Cancelled("interrupted while reading results").WithDetail("statement_id", id);
    std::string followed;
    RSX_ASSIGN_OR_RETURN(std::optional<std::string> body, prefetch.Next(&followed));
    if (!body) break;
    summary.bytes_fetched += static_cast<long long>(body->size());
    Status st = v2 ? decoder.DecodeCsv(*body, columns, &page) : decoder.DecodeJson(*body, &page);
    if (!st.ok()) return st.WithDetail("statement_id", id);
    if (page.next_token != followed)
      return Status(StatusCode::kDataLoss, "page " + std::to_string(summary.pages + 1) +
                                               " names a NextToken the reader did not follow")
          .WithDetail("statement_id", id);
    if (summary.pages == 0) {
      columns = page.columns;
      total_rows = page.total_rows;
      RSX_RETURN_IF_ERROR(consumer->OnColumns(columns));
    }
    ++summary.pages;
    summary.rows_delivered += static_cast<long long>(page.num_rows);
    Status taken = consumer->OnPage(page);
    if (taken.code() == StatusCode::kCancelled) {
      summary.stopped_early = true;
      return Status::OK();
    }
    RSX_RETURN_IF_ERROR(taken);
  }
  if (total_rows >= 0 && summary.rows_delivered != total_rows)
    return Status(StatusCode::kDataLoss, "read " + std::to_string(summary.rows_delivered) +
                                             " rows but the result has TotalNumRows " +
                                             std::to_string(total_rows))
        .WithDetail("statement_id", id);
  if (desc.result_rows >= 0 && summary.rows_delivered != desc.result_rows)
    return Status(StatusCode::kDataLoss, "read " + std::to_string(summary.rows_delivered) +
                                             " rows but DescribeStatement reports ResultRows " +
                                             std::to_string(desc.result_rows))
        .WithDetail("statement_id", id);
  return Status::OK();
}

// The submit request for `o`, with a fresh ClientToken. Its wait is short, because a Ctrl-C
// during it cannot cancel a statement whose id is not known yet; long enough for a small query
// to finish in one request.
ExecuteRequest RequestFor(const RunOptions& o, bool long_poll) {
  ExecuteRequest req;
  req.params = o.params;
  req.client_token = crypto::RandomUuid();
  req.result_format = o.result_format;
  req.statement_name = o.statement_name;
  req.session_id = o.session_id;
  req.session_keep_alive_seconds = o.session_keep_alive_seconds;
  req.wait_seconds = long_poll ? kSubmitWaitSeconds : 0;
  return req;
}

// Submits with `submit`, waiting out back-pressure (throttling, ActiveStatementsExceeded) with
// jittered backoff up to the timeout (or 10 minutes); the request's ClientToken makes every
// attempt one statement.
Result<ExecuteResponse> SubmitWithBackoff(const std::function<Result<ExecuteResponse>()>& submit,
                                          const RunOptions& o, Steady::time_point t0) {
  Result<ExecuteResponse> submitted = submit();
  std::mt19937 backoff_rng(std::random_device{}());
  auto give_up = t0 + (o.timeout.count() > 0 ? o.timeout : std::chrono::milliseconds(600000));
  for (int attempt = 1; !submitted.ok() && submitted.status().code() == StatusCode::kThrottled;
       ++attempt) {
    double cap = std::min(20000.0, 500.0 * std::pow(2.0, std::min(attempt, 10)));
    auto wait = std::chrono::milliseconds(
        static_cast<long long>(std::uniform_real_distribution<double>(cap / 2, cap)(backoff_rng)));
    if (Steady::now() + wait > give_up || Interrupted(o)) break;
    std::this_thread::sleep_for(wait);
    submitted = submit();
  }
  return submitted;
}

// Waits until the submitted statement ends (see statement_runner.h), filling *desc. A
// statement still running when the caller is interrupted or times out is cancelled and
// confirmed. `shortcut`: a FINISHED query in the submit's answer needs no DescribeStatement.
Status WaitForEnd(DataApiClient& client, const ExecuteResponse& exec, bool long_poll, bool shortcut,
                  const RunOptions& o, Steady::time_point t0, RunSummary* out,
                  StatementDescription* desc_out) {
  RunSummary& summary = *out;
  StatementDescription& desc = *desc_out;
  // The statement is running (or done): on the way out, never leave it behind.
  auto cancel_and_return = [&](bool timed_out) {
    Status cancel = CancelAndConfirm(client, exec.id);
    std::string why = timed_out ? "statement " + exec.id + " did not finish within " +
                                      std::to_string(o.timeout.count()) + " ms"
                                : "interrupted";
    Status st = timed_out ? Status::Timeout(why) : Status::Cancelled(why);
    st.WithDetail("statement_id", exec.id)
        .WithDetail("cancelled", cancel.ok() ? "yes, confirmed" : "failed: " + cancel.message());
    return st;
  };
  bool known = false;
  if (!exec.status.empty()) {  // the endpoint waited: the submit's answer may be the end
    summary.long_polling = "used";
    // A query's end is all it takes; a statement without a result set (its rows affected) or
    // one that failed (its error) is described once more, at once.
    if (shortcut && exec.status == "FINISHED" && exec.has_result_set) {
      desc.id = exec.id;
      desc.status = exec.status;
      desc.has_result_set = exec.has_result_set;
      desc.redshift_pid = exec.redshift_pid;
      desc.result_format = o.result_format;
      known = true;
    }
  } else if (long_poll) {
    long_poll = false;  // the endpoint ignored WaitTimeSeconds
    summary.long_polling = "not available: " + client.LongPollingFallback() + "; polled instead";
  }
  if (!long_poll && summary.long_polling.empty())
    summary.long_polling = client.LongPollingFallback().empty()
                               ? "off"
                               : "not available: " + client.LongPollingFallback() + "; polled";

  // Wait: in long polls where the endpoint has them (a Ctrl-C cancels the statement, which ends
  // the wait at once), else polling adaptively.
  std::mt19937 rng(std::random_device{}());
  std::uniform_real_distribution<double> jitter(0.8, 1.2);
  double delay_ms = static_cast<double>(o.first_poll.count());
  while (!known) {
    if (long_poll) {
      bool timed_out = o.timeout.count() > 0 && Steady::now() - t0 > o.timeout;
      if (Interrupted(o) || timed_out) return cancel_and_return(timed_out);
      int wait = kLongPollSeconds;
      if (o.timeout.count() > 0) {
        auto left =
            std::chrono::duration_cast<std::chrono::seconds>(o.timeout - (Steady::now() - t0));
        wait = static_cast<int>(std::clamp<long long>(left.count() + 1, 1, kLongPollSeconds));
      }
      auto asked = Steady::now();
      Result<StatementDescription> d = [&] {
        InterruptWatcher watch(o.interrupted, [&] { (void)client.CancelStatement(exec.id); });
        return client.DescribeStatement(exec.id, wait);
      }();
      ++summary.polls;
      if (!d.ok() && d.status().detail("aws_error") == "ActiveWaitingRequestsExceededException") {
        long_poll = false;  // too many waiters on this statement: poll it instead
        summary.long_polling = "fell back to polling (ActiveWaitingRequestsExceededException)";
        continue;
      }
      if (!d.ok()) {
        (void)CancelAndConfirm(client, exec.id);
        return d.status();
      }
      if (Interrupted(o)) continue;  // cancelled by the watcher: confirm it above
      if (d->finished()) {
        desc = *d;
        break;
      }
      if (!client.UseLongPolling() || Steady::now() - asked < std::chrono::milliseconds(100)) {
        // The endpoint answered without waiting: poll from here on.
        long_poll = false;
        summary.long_polling = client.LongPollingFallback().empty()
                                   ? "fell back to polling (the endpoint did not wait)"
                                   : "not available: " + client.LongPollingFallback() + "; polled";
      }
      continue;
    }
    auto nap_start = Steady::now();
    std::this_thread::sleep_for(std::chrono::microseconds(static_cast<long long>(delay_ms * 1000)));
    summary.poll_sleep += Steady::now() - nap_start;
    bool timed_out = o.timeout.count() > 0 && Steady::now() - t0 > o.timeout;
    if (Interrupted(o) || timed_out) return cancel_and_return(timed_out);
    auto d = client.DescribeStatement(exec.id);
    ++summary.polls;
    if (!d.ok()) {
      // The statement may still be running: do not leave it behind.
      (void)CancelAndConfirm(client, exec.id);
      return d.status();
    }
    if (d->finished()) {
      desc = *d;
      break;
    }
    delay_ms = std::min(static_cast<double>(o.max_poll.count()), delay_ms * 1.5 * jitter(rng));
  }
  return Status::OK();
}

}  // namespace

Status TextRows::OnPage(const DecodedPage& p) {
  std::string scratch;
  for (size_t r = 0; r < p.num_rows; ++r) {
    std::vector<std::string> row;
    for (size_t c = 0; c < p.num_cols; ++c) {
      const Cell& cell = p.at(r, c);
      row.push_back(cell.kind == CellKind::kLong   ? std::to_string(cell.l)
                    : cell.kind == CellKind::kBool ? (cell.b ? "true" : "false")
                                                   : std::string(CellText(cell, &scratch)));
    }
    rows.push_back(std::move(row));
  }
  return Status::OK();
}

Status CancelAndConfirm(DataApiClient& client, const std::string& id,
                        std::chrono::milliseconds wait) {
  auto cancelled = client.CancelStatement(id);
  if (!cancelled.ok() && cancelled.status().detail("aws_error") != "ValidationException")
    return cancelled.status();  // ValidationException: it had already finished
  auto deadline = Steady::now() + wait;
  auto delay = std::chrono::milliseconds(5);
  while (true) {
    auto d = client.DescribeStatement(id);
    if (d.ok() && d->finished()) return Status::OK();
    if (Steady::now() > deadline)
      return Status::Timeout("statement " + id + " was cancelled but is still " +
                             (d.ok() ? d->status : std::string("unknown")) + " after " +
                             std::to_string(wait.count()) + " ms");
    std::this_thread::sleep_for(delay);
    delay = std::min(delay * 2, std::chrono::milliseconds(200));
  }
}

Result<RunSummary> RunStatement(DataApiClient& client, const std::string& sql, const RunOptions& o,
                                ResultConsumer* consumer) {
  RunSummary summary;
  auto slot = client.AcquireStatementSlot();  // held until the last page is read
  bool long_poll = client.UseLongPolling();
  ExecuteRequest req = RequestFor(o, long_poll);
  req.sql = sql;
  auto t0 = Steady::now();
  RSX_ASSIGN_OR_RETURN(ExecuteResponse exec,
                       SubmitWithBackoff([&] { return client.ExecuteStatement(req); }, o, t0));
  summary.statement_id = exec.id;
  summary.session_id = exec.session_id;
  if (o.submitted) o.submitted(exec.id, sql);
  StatementDescription desc;
  RSX_RETURN_IF_ERROR(WaitForEnd(client, exec, long_poll, true, o, t0, &summary, &desc));
  summary.submit_to_finished = Steady::now() - t0;
  summary.description = desc;
  RSX_RETURN_IF_ERROR(EndedBadly(desc, exec.id));
  if (!desc.has_result_set || consumer == nullptr) return summary;

  RSX_RETURN_IF_ERROR(
      StreamResult(client, exec.id, desc, o.result_format == "CSV", o, consumer, &summary));
  return summary;
}

Result<RunSummary> RunBatch(DataApiClient& client, const std::vector<std::string>& sqls,
                            bool auto_commit, const RunOptions& o, ResultConsumer* consumer) {
  RunSummary summary;
  auto slot = client.AcquireStatementSlot();
  bool long_poll = client.UseLongPolling();
  ExecuteRequest req = RequestFor(o, long_poll);
  auto t0 = Steady::now();
  RSX_ASSIGN_OR_RETURN(
      ExecuteResponse exec,
      SubmitWithBackoff([&] { return client.BatchExecuteStatement(sqls, req, auto_commit); }, o,
                        t0));
  summary.statement_id = exec.id;
  summary.session_id = exec.session_id;
  if (o.submitted) o.submitted(exec.id, sqls.empty() ? "" : sqls.front());
  StatementDescription desc;
  RSX_RETURN_IF_ERROR(WaitForEnd(client, exec, long_poll, false, o, t0, &summary, &desc));
  summary.submit_to_finished = Steady::now() - t0;
  summary.description = desc;
  if (desc.status == "FAILED") {
    for (size_t i = 0; i < desc.sub_statements.size(); ++i) {
      const SubStatement& sub = desc.sub_statements[i];
      if (sub.status == "FAILED")
        return Status(StatusCode::kStatementFailed,
                      "statement " + std::to_string(i + 1) + " of the batch failed" +
                          (auto_commit ? " (the ones before it stay committed)"
                                       : " (the batch was rolled back)") +
                          ": " + (sub.error.empty() ? desc.error : sub.error))
            .WithDetail("statement_id", sub.id);
    }
  }
  RSX_RETURN_IF_ERROR(EndedBadly(desc, exec.id));
  if (consumer == nullptr) return summary;
  for (size_t i = desc.sub_statements.size(); i-- > 0;) {
    const SubStatement& sub = desc.sub_statements[i];
    if (!sub.has_result_set) continue;
    StatementDescription sd;
    sd.id = sub.id;
    sd.status = sub.status;
    sd.result_rows = sub.result_rows;
    sd.has_result_set = true;
    RSX_RETURN_IF_ERROR(
        StreamResult(client, sub.id, sd, o.result_format == "CSV", o, consumer, &summary));
    summary.description.has_result_set = true;
    break;
  }
  return summary;
}

Result<RunSummary> FetchResult(DataApiClient& client, const std::string& statement_id,
                               const RunOptions& o, ResultConsumer* consumer) {
  RunSummary summary;
  summary.statement_id = statement_id;
  auto slot = client.AcquireStatementSlot();
  auto described = client.DescribeStatement(statement_id);
  if (!described.ok()) {
    Status st = described.status();
    if (st.detail("aws_error") == "ResourceNotFoundException")
      st = Status::NotFound(
          "statement " + statement_id + " was not found: the Data API keeps a result for 24 " +
          "hours, and shows it only to the IAM role that ran the statement (" + st.message() + ")");
    return st.WithDetail("statement_id", statement_id);
  }
  StatementDescription desc = *std::move(described);
  summary.description = desc;
  RSX_RETURN_IF_ERROR(EndedBadly(desc, statement_id));
  if (desc.status != "FINISHED")
    return Status::InvalidArgument("statement " + statement_id + " is " + desc.status +
                                   "; only a FINISHED statement has a result to read");
  if (!desc.has_result_set)
    return Status::InvalidArgument("statement " + statement_id +
                                   " finished without a result set (it was not a query)");
  if (consumer == nullptr) return summary;
  RSX_RETURN_IF_ERROR(
      StreamResult(client, statement_id, desc, desc.result_format == "CSV", o, consumer, &summary));
  return summary;
}

Status AddParam(const std::string& p, RunOptions* run) {
  size_t eq = p.find('=');
  if (eq == std::string::npos || eq == 0)
    return Status::InvalidArgument("--param '" + p + "' must be NAME=VALUE");
  std::string name = p.substr(0, eq);
  for (char c : name)
    if (!std::isalnum(static_cast<unsigned char>(c)) && c != '_')
      return Status::InvalidArgument("--param name '" + name +
                                     "' may hold only letters, digits and _");
  if (eq + 1 == p.size())
    return Status::InvalidArgument("--param '" + name +
                                   "' has an empty value; the Data API refuses empty values");
  for (const auto& [seen, value] : run->params)
    if (seen == name)
      return Status::InvalidArgument("--param '" + name + "' is given twice; give each name once");
  run->params.emplace_back(name, p.substr(eq + 1));
  return Status::OK();
}

}  // namespace rsx
