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
};

struct ExecuteResponse {
  std::string id;
  std::string session_id;
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
  Result<ExecuteResponse> BatchExecuteStatement(const std::vector<std::string>& sqls,
                                                const std::string& client_token);
  Result<StatementDescription> DescribeStatement(const std::string& id);
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

  const DataApiTarget& target() const { return target_; }
  const std::string& endpoint_url() const;

 private:
  struct Impl;
  explicit DataApiClient(std::unique_ptr<Impl> impl, DataApiTarget target);
  std::unique_ptr<Impl> impl_;
  DataApiTarget target_;
};

}  // namespace rsx
