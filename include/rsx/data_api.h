#pragma once
// DataApiClient: the Redshift Data API (JSON 1.1) for one Serverless workgroup and database,
// signed with a credentials provider (normally an assumed role). Requests and responses follow
// shared/aws-models/redshift-data/service-2.json; unknown response members are ignored.
// Errors are Statuses with details aws_error, http_status, request_id; throttling and 5xx are
// retried (see docs/aws-access.md). Thread-safe.

#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "rsx/credentials.h"
#include "rsx/http.h"

namespace rsx {

// Long polling (WaitTimeSeconds, the Data API of July 2026): kAuto uses it where the endpoint
// has it, detecting once per endpoint (per process) an endpoint that ignores or refuses the
// field; kOn always sends it (a refusal is an error); kOff never does.
enum class LongPolling { kAuto, kOn, kOff };
// "" or "auto", "on", "off"; kInvalidArgument otherwise.
Result<LongPolling> ParseLongPolling(const std::string& text);

struct DataApiTarget {
  std::string region;
  std::string workgroup;
  std::string database;
  std::string endpoint_url;  // explicit override; else AWS_ENDPOINT_URL_REDSHIFT_DATA, ...
};

struct ColumnInfo {
  std::string name, type_name, schema, table, label, column_default;
  int precision = 0, scale = 0, length = 0;
  int nullable = 2;  // 0 NOT NULL, 1 nullable, 2 unknown
  bool is_signed = false;
};

struct ExecuteRequest {
  std::string sql;
  std::vector<std::pair<std::string, std::string>> params;  // :name -> value
  std::string client_token;                                 // idempotency; empty: none
  std::string result_format;                                // "JSON" (default) or "CSV"
  std::string statement_name;
  int session_keep_alive_seconds = 0;
  std::string session_id;  // run in this session (workgroup/database not sent)
  int wait_seconds = 0;    // WaitTimeSeconds (1-30) when long polling is on; 0: answer at once
};

struct ExecuteResponse {
  std::string id;
  std::string session_id;
  // With WaitTimeSeconds answered by the endpoint: the status when the wait ended, and
  // whether the statement has a result. `status` is "" when the endpoint did not wait.
  std::string status;
  bool has_result_set = false;
  long long redshift_pid = 0;
};

struct SubStatement {
  std::string id, status, error, query_string;
  long long result_rows = -1;
  bool has_result_set = false;
};

struct StatementDescription {
  std::string id, status, error, query_string, result_format, session_id;
  long long result_rows = -1, result_size = -1, duration_ns = -1, redshift_pid = 0;
  bool has_result_set = false;
  std::vector<SubStatement> sub_statements;
  bool finished() const {
    return status == "FINISHED" || status == "FAILED" || status == "ABORTED";
  }
};

struct TableRef {
  std::string schema, name, type;
};

struct SessionInfo {
  std::string id, status, database, db_user, workgroup, current_statement_id;
  double created_at = 0, updated_at = 0, ttl = 0;  // epoch seconds
  long long alive_seconds = 0;                     // SessionAliveSeconds
};

struct StatementSummary {
  std::string id, status, statement_name, query_string;
  bool is_batch = false;
};

class DataApiClient {
 public:
  static Result<std::shared_ptr<DataApiClient>> Create(
      std::shared_ptr<HttpClient> http, std::shared_ptr<CredentialsProvider> creds,
      DataApiTarget target, const Environment& env = Environment::Process());
  ~DataApiClient();

  Result<ExecuteResponse> ExecuteStatement(const ExecuteRequest& req);
  // `req.sql` is unused; its params (shared by every statement), token, format, session and
  // wait apply to the batch. `auto_commit`: ExecutionMode AUTO_COMMIT (each statement commits
  // on its own), else the default one transaction.
  Result<ExecuteResponse> BatchExecuteStatement(const std::vector<std::string>& sqls,
                                                const std::string& client_token);
  Result<ExecuteResponse> BatchExecuteStatement(const std::vector<std::string>& sqls,
                                                const ExecuteRequest& req, bool auto_commit);
  // With wait_seconds (and long polling on), answers when the statement ends or the wait runs
  // out. ActiveWaitingRequestsExceededException comes back as an error with that aws_error.
  Result<StatementDescription> DescribeStatement(const std::string& id, int wait_seconds = 0);
  // True when AWS accepted the cancel. Cancelling a finished statement is an error whose
  // detail aws_error is ValidationException.
  Result<bool> CancelStatement(const std::string& id);
  // One raw result page (the response body), for the decoders. `v2`: GetStatementResultV2.
  Result<std::string> GetStatementResultPage(const std::string& id, const std::string& next_token,
                                             bool v2);

  // Catalog calls, each reading every page (a repeated NextToken is a kDataLoss error).
  Result<std::vector<std::string>> ListDatabases();
  Result<std::vector<std::string>> ListSchemas(const std::string& pattern = "");
  Result<std::vector<TableRef>> ListTables(const std::string& schema_pattern = "",
                                           const std::string& table_pattern = "");
  Result<std::vector<ColumnInfo>> DescribeTable(const std::string& schema,
                                                const std::string& table);
  Result<std::vector<StatementSummary>> ListStatements(const std::string& status = "ALL");
  // ListSessions (July 2026): the role's open sessions on this workgroup and database (every
  // page); `status` "" (AVAILABLE and BUSY), AVAILABLE, BUSY or CLOSED.
  Result<std::vector<SessionInfo>> ListSessions(const std::string& status = "");

  // A slot among the client's concurrent statements (default 4, at most 200 as AWS allows):
  // held from submit to the last page, so one connection never floods the workgroup.
  class StatementSlot {
   public:
    explicit StatementSlot(DataApiClient* c) : c_(c) {}
    StatementSlot(StatementSlot&& o) noexcept : c_(o.c_) { o.c_ = nullptr; }
    StatementSlot(const StatementSlot&) = delete;
    ~StatementSlot();

   private:
    DataApiClient* c_;
  };
  StatementSlot AcquireStatementSlot();
  void set_max_concurrent_statements(int n);

  void set_long_polling(LongPolling mode);
  // Whether a request should carry WaitTimeSeconds: not kOff, and (kAuto) the endpoint not
  // found without it.
  bool UseLongPolling() const;
  // Why long polling is not used at this endpoint ("" when it is, or when it is off).
  std::string LongPollingFallback() const;

  const DataApiTarget& target() const { return target_; }
  const std::string& endpoint_url() const;

 private:
  struct Impl;
  explicit DataApiClient(std::unique_ptr<Impl> impl, DataApiTarget target);
  std::unique_ptr<Impl> impl_;
  DataApiTarget target_;
};

}  // namespace rsx
