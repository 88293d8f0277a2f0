#pragma once
// FakeDataApi: the Redshift Data API over one in-memory table, as an HttpClient, for unit
// tests of the layers above the client (statement runner, sync engine, discover) without
// sockets, PostgreSQL or the emulator.
//
// The table `public.items` has rows id = 1..rows (int8, the primary key) and name = "item-<id>"
// (varchar). It answers discovery (ListSchemas, ListTables, DescribeTable, the primary-key and
// row-estimate statements) and what a sync sends: ExecuteStatement of a keyset read
// ("select ... order by ... limit N", after :k0 when given) or of the key check, then
// DescribeStatement and GetStatementResult; CancelStatement. Every statement finishes at once.
// `fail_execute` makes chosen ExecuteStatement calls fail (a 500 InternalServerException
// counts as retryable, so a ValidationException is used: a failed statement).

#include <functional>
#include <map>
#include <mutex>
#include <nlohmann/json.hpp>
#include <regex>
#include <string>

#include "rsx/credentials.h"
#include "rsx/data_api.h"
#include "rsx/http.h"

namespace rsx::test {

class FakeDataApi : public HttpClient {
 public:
  explicit FakeDataApi(long long rows) : rows_(rows) {}

  // A Data API client (static test credentials, no retries configured) over `api`.
  static std::shared_ptr<DataApiClient> Client(std::shared_ptr<FakeDataApi> api) {
    Credentials c;
    c.access_key_id = "AKIDEXAMPLE";
    c.secret_access_key = "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY";
    c.provider = "test";
    MapEnvironment env;
    auto client = DataApiClient::Create(std::move(api), NewStaticCredentialsProvider(c),
                                        {"us-east-1", "wg", "dev", "http://127.0.0.1:9"}, env);
    return client.ok() ? *client : nullptr;
  }

  // Called with the 1-based number of each ExecuteStatement; true: it fails.
  std::function<bool(int n, const std::string& sql)> fail_execute;
  bool items_unreadable = false;  // the database user may not read public.items
  // Called when a keyset read is served (after its rows are chosen).
  std::function<void(const std::string& sql)> on_read;

  int executes() const {
    std::lock_guard<std::mutex> lock(mu_);
    return executes_;
  }
  int reads() const {
    std::lock_guard<std::mutex> lock(mu_);
    return reads_;
  }

  Result<HttpResponse> Send(const HttpRequest& req) override {
    std::string target;
    for (const auto& [k, v] : req.headers)
      if (k == "X-Amz-Target" || k == "x-amz-target") target = v;
    auto body = nlohmann::json::parse(req.body, nullptr, false);
    std::string op = target.substr(target.find('.') + 1);
    std::unique_lock<std::mutex> lock(mu_);
    if (op == "ExecuteStatement") return Execute(body, lock);
    if (op == "DescribeStatement") {
      auto it = statements_.find(body.value("Id", ""));
      if (it == statements_.end())
        return Error(400, "ResourceNotFoundException", "no such statement");
      const Statement& s = it->second;
      return Ok({{"Id", it->first},
                 {"Status", "FINISHED"},
                 {"HasResultSet", true},
                 {"ResultRows", static_cast<long long>(s.records.size())},
                 {"ResultSize", 100},
                 {"QueryString", s.sql},
                 {"Duration", 1000}});
    }
    if (op == "GetStatementResult") {
      auto it = statements_.find(body.value("Id", ""));
      if (it == statements_.end())
        return Error(400, "ResourceNotFoundException", "no such statement");
      const Statement& s = it->second;
      return Ok({{"ColumnMetadata", s.columns},
                 {"Records", s.records},
                 {"TotalNumRows", static_cast<long long>(s.records.size())}});
    }
    if (op == "CancelStatement") return Ok({{"Status", true}});
    // The catalog: public.items, and a table of schema "pub_ic" that a LIKE 'public' would
    // not match but a LIKE 'pub_ic' pattern from another schema name could.
    if (op == "ListSchemas")
      return Ok({{"Schemas", {"information_schema", "pg_catalog", "pub_ic", "public"}}});
    if (op == "ListTables") {
      std::string schema = body.value("SchemaPattern", "");
      nlohmann::json tables = nlohmann::json::array();
      if (schema == "public")
        tables.push_back({{"schema", "public"}, {"name", "items"}, {"type", "TABLE"}});
      if (schema == "pub_ic" || schema == "public")  // LIKE: '_' matches any one character
        tables.push_back({{"schema", "pub_ic"}, {"name", "other"}, {"type", "TABLE"}});
      return Ok({{"Tables", tables}});
    }
    if (op == "DescribeTable")
      return Ok({{"ColumnList",
                  {Column("id", "int8"), Column("name", "varchar"), Column("added", "timestamp")}},
                 {"TableName", body.value("Table", "")}});
    return Error(400, "ValidationException", "FakeDataApi: unsupported operation " + op);
  }

 private:
  struct Statement {
    std::string sql;
    nlohmann::json columns, records;
  };

  static nlohmann::json Column(const std::string& name, const std::string& type) {
    return {{"name", name},   {"label", name}, {"typeName", type},       {"nullable", 1},
            {"precision", 0}, {"scale", 0},    {"schemaName", "public"}, {"tableName", "items"}};
  }

  static Result<HttpResponse> Ok(const nlohmann::json& j) {
    HttpResponse r;
    r.status = 200;
    r.body = j.dump();
    r.headers = {{"x-amzn-RequestId", "fake"}};
    return r;
  }
  static Result<HttpResponse> Error(int status, const std::string& type,
                                    const std::string& message) {
    HttpResponse r;
    r.status = status;
    r.body = nlohmann::json{{"__type", type}, {"message", message}}.dump();
    r.headers = {{"x-amzn-ErrorType", type}};
    return r;
  }

  Result<HttpResponse> Execute(const nlohmann::json& body, std::unique_lock<std::mutex>& lock) {
    std::string sql = body.value("Sql", "");
    int n = ++executes_;
    if (fail_execute) {
      auto f = fail_execute;
      lock.unlock();
      bool fail = f(n, sql);
      lock.lock();
      if (fail)
        return Error(400, "ValidationException",
                     "FakeDataApi: statement " + std::to_string(n) + " failed");
    }
    Statement s;
    s.sql = sql;
    s.records = nlohmann::json::array();
    std::smatch m;
    if (sql.find("contype = 'p'") != std::string::npos ||
        sql.find("PRIMARY KEY") != std::string::npos) {  // discovery: primary keys
      s.columns = {Column("table_schema", "varchar"), Column("table_name", "varchar"),
                   Column("column_name", "varchar")};
      s.records.push_back(
          {{{"stringValue", "public"}}, {{"stringValue", "items"}}, {{"stringValue", "id"}}});
    } else if (sql.find("reltuples") != std::string::npos) {  // discovery: row estimates
      s.columns = {Column("nspname", "varchar"), Column("relname", "varchar"),
                   Column("reltuples", "int8"), Column("current_user", "name"),
                   Column("readable", "bool")};
      s.records.push_back({{{"stringValue", "public"}},
                           {{"stringValue", "items"}},
                           {{"longValue", rows_}},
                           {{"stringValue", "IAMR:fake-reader"}},
                           {{"booleanValue", !items_unreadable}}});
    } else if (sql.rfind("select (select count(*)", 0) == 0) {  // the key check: no NULL, no repeat
      s.columns = {Column("count", "int8"), Column("count", "int8")};
      s.records.push_back({{{"longValue", 0}}, {{"longValue", 0}}});
    } else if (std::regex_search(sql, m, std::regex(R"(limit (\d+)$)"))) {
      long long limit = std::stoll(m[1]);
      long long after = 0;
      for (const auto& p : body.value("Parameters", nlohmann::json::array()))
        if (p.value("name", "") == "k0") after = std::stoll(p.value("value", "0"));
      s.columns = {Column("id", "int8"), Column("name", "varchar")};
      for (long long id = after + 1; id <= rows_ && id <= after + limit; ++id)
        s.records.push_back({{{"longValue", id}}, {{"stringValue", "item-" + std::to_string(id)}}});
      ++reads_;
      if (on_read) {
        auto f = on_read;
        lock.unlock();
        f(sql);
        lock.lock();
      }
    } else {
      return Error(400, "ValidationException", "FakeDataApi: unexpected SQL: " + sql);
    }
    std::string id = "00000000-0000-4000-8000-" + std::to_string(100000000000LL + n);
    statements_[id] = std::move(s);
    return Ok({{"Id", id}, {"Database", "dev"}, {"WorkgroupName", "wg"}});
  }

  const long long rows_;
  mutable std::mutex mu_;
  int executes_ = 0, reads_ = 0;
  std::map<std::string, Statement> statements_;
};

}  // namespace rsx::test
