#pragma once
// The Data API engine: statements run asynchronously on a worker pool against PostgreSQL,
// results materialized when they finish and served from memory in pages; catalog calls;
// sessions; cancellation; AWS's limits. Every method is thread-safe. Request and response
// shapes follow shared/aws-models/redshift-data/service-2.json.

#include <atomic>
#include <condition_variable>
#include <deque>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <nlohmann/json.hpp>
#include <optional>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "auth.h"
#include "config.h"
#include "pg.h"
#include "types.h"

namespace rsx::emu {

using nlohmann::json;

struct Statement;
class Unloader;
struct DataSession;

class Engine {
 public:
  // `dsn_for(database)` gives the DSN of a PostgreSQL database.
  Engine(const EmulatorConfig& config, std::function<std::string(const std::string&)> dsn_for);
  ~Engine();

  ApiResult<json> ExecuteStatement(const Principal& who, const json& req);
  ApiResult<json> BatchExecuteStatement(const Principal& who, const json& req);
  ApiResult<json> DescribeStatement(const Principal& who, const json& req);
  ApiResult<json> CancelStatement(const Principal& who, const json& req);
  // The response body, serialized (results are pre-encoded).
  ApiResult<std::string> GetStatementResult(const Principal& who, const json& req, bool v2);
  ApiResult<json> ListStatements(const Principal& who, const json& req);
  ApiResult<json> ListSessions(const Principal& who, const json& req);
  ApiResult<json> ListDatabases(const Principal& who, const json& req);
  ApiResult<json> ListSchemas(const Principal& who, const json& req);
  ApiResult<json> ListTables(const Principal& who, const json& req);
  ApiResult<json> DescribeTable(const Principal& who, const json& req);

  // The workgroup ARN for a name (for authorization messages); "" when unknown.
  std::string WorkgroupArn(const std::string& name_or_arn) const;

  // Where UNLOAD writes (set once, before serving); without it UNLOAD fails as PostgreSQL
  // would.
  void SetUnloader(Unloader* unloader) { unloader_ = unloader; }

  // Test hooks for the next statement submitted: it fails with `message`, stalls until
  // cancelled, or waits `delay_ms` between being picked and starting (a cold workgroup's login).
  enum class StatementFault { kFail, kStall, kSlowStart };
  void InjectStatementFault(StatementFault fault, const std::string& message, int delay_ms = 0);

  // Ends every request waiting with WaitTimeSeconds (each answers the current status), so
  // that the server can stop without waiting out their waits.
  void StopWaits();

 private:
  struct Target {
    const WorkgroupConfig* workgroup = nullptr;
    std::string database;
  };
  ApiResult<Target> ResolveTarget(const json& req, bool database_required) const;
  ApiResult<std::shared_ptr<Statement>> Find(const Principal& who, const std::string& id);
  ApiResult<std::shared_ptr<Statement>> Submit(const Principal& who, const json& req,
                                               std::vector<std::string> sqls, bool batch,
                                               bool auto_commit = false);
  // WaitTimeSeconds of a request: 0 when absent (or when long polling is "ignore"); an error
  // outside 1-30, or when long polling is "refuse".
  ApiResult<int> WaitSeconds(const json& req) const;
  // Waits (holding `lock` on st.mu) until the statement ends or `seconds` pass. An error when
  // too many requests already wait on it.
  std::optional<ApiError> Wait(std::unique_lock<std::mutex>& lock, Statement& st, int seconds);
  void Worker();
  void Run(const std::shared_ptr<Statement>& st);
  Result<PgConn> Acquire(const std::string& database);
  void Release(const std::string& database, PgConn conn);
  int ActiveCount();

  const EmulatorConfig& config_;
  std::function<std::string(const std::string&)> dsn_for_;

  // Lock order: mu_ before any Statement::mu (Submit counts the active statements under mu_);
  // code holding a Statement::mu never takes mu_ (nor calls Acquire or Release).
  std::mutex mu_;  // guards the maps, queue and fault counters below
  std::condition_variable cv_;
  bool stopping_ = false;
  std::atomic<bool> waits_stopped_{false};
  std::deque<std::shared_ptr<Statement>> queue_;
  std::map<std::string, std::shared_ptr<Statement>> statements_;  // by id
  std::map<std::string, std::string> tokens_;                     // ClientToken -> id
  std::map<std::string, std::shared_ptr<DataSession>> sessions_;
  std::map<std::string, std::vector<PgConn>> pool_;
  std::set<std::string> db_users_;  // database users known to exist
  int fail_next_ = 0, stall_next_ = 0;
  std::string fail_message_;
  std::deque<int> slow_start_ms_;  // delays of the next statements' starts
  std::atomic<long long> query_ids_{1000};
  std::vector<std::thread> workers_;
  Unloader* unloader_ = nullptr;
};

}  // namespace rsx::emu
