#include "rsx/statement_runner.h"

#include <cmath>
#include <condition_variable>
#include <deque>
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

}  // namespace

Status TextRows::OnPage(const DecodedPage& p) {
  for (size_t r = 0; r < p.num_rows; ++r) {
    std::vector<std::string> row;
    for (size_t c = 0; c < p.num_cols; ++c) {
      const Cell& cell = p.at(r, c);
      row.push_back(cell.kind == CellKind::kLong   ? std::to_string(cell.l)
                    : cell.kind == CellKind::kBool ? (cell.b ? "true" : "false")
                                                   : std::string(cell.text));
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
  ExecuteRequest req;
  req.sql = sql;
  req.params = o.params;
  req.client_token = crypto::RandomUuid();
  req.result_format = o.result_format;
  req.statement_name = o.statement_name;
  auto t0 = Steady::now();
  // Back-pressure (throttling, ActiveStatementsExceeded) is waited out with jittered backoff,
  // up to the timeout (or 10 minutes); the same ClientToken makes every attempt one statement.
  Result<ExecuteResponse> submitted = client.ExecuteStatement(req);
  std::mt19937 backoff_rng(std::random_device{}());
  auto give_up = t0 + (o.timeout.count() > 0 ? o.timeout : std::chrono::milliseconds(600000));
  for (int attempt = 1; !submitted.ok() && submitted.status().code() == StatusCode::kThrottled;
       ++attempt) {
    double cap = std::min(20000.0, 500.0 * std::pow(2.0, std::min(attempt, 10)));
    auto wait = std::chrono::milliseconds(
        static_cast<long long>(std::uniform_real_distribution<double>(cap / 2, cap)(backoff_rng)));
    if (Steady::now() + wait > give_up || Interrupted(o)) break;
    std::this_thread::sleep_for(wait);
    submitted = client.ExecuteStatement(req);
  }
  RSX_ASSIGN_OR_RETURN(ExecuteResponse exec, std::move(submitted));
  summary.statement_id = exec.id;
  if (o.submitted) o.submitted(exec.id, sql);

  // Wait, polling adaptively.
  std::mt19937 rng(std::random_device{}());
  std::uniform_real_distribution<double> jitter(0.8, 1.2);
  double delay_ms = static_cast<double>(o.first_poll.count());
  StatementDescription desc;
  while (true) {
    auto nap_start = Steady::now();
    std::this_thread::sleep_for(std::chrono::microseconds(static_cast<long long>(delay_ms * 1000)));
    summary.poll_sleep += Steady::now() - nap_start;
    bool timed_out = o.timeout.count() > 0 && Steady::now() - t0 > o.timeout;
    if (Interrupted(o) || timed_out) {
      Status cancel = CancelAndConfirm(client, exec.id);
      std::string why = timed_out ? "statement " + exec.id + " did not finish within " +
                                        std::to_string(o.timeout.count()) + " ms"
                                  : "interrupted";
      Status st = timed_out ? Status::Timeout(why) : Status::Cancelled(why);
      st.WithDetail("statement_id", exec.id)
          .WithDetail("cancelled", cancel.ok() ? "yes, confirmed" : "failed: " + cancel.message());
      return st;
    }
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
  summary.submit_to_finished = Steady::now() - t0;
  summary.description = desc;
  RSX_RETURN_IF_ERROR(EndedBadly(desc, exec.id));
  if (!desc.has_result_set || consumer == nullptr) return summary;

  RSX_RETURN_IF_ERROR(
      StreamResult(client, exec.id, desc, o.result_format == "CSV", o, consumer, &summary));
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
