#include <algorithm>
#include <condition_variable>
#include <mutex>
#include <nlohmann/json.hpp>
#include <set>
#include <thread>

#include "decode/column_json.h"
#include "http/aws_call.h"
#include "rsx/data_api.h"
#include "rsx/endpoints.h"

namespace rsx {

using nlohmann::json;

struct DataApiClient::Impl {
  std::shared_ptr<HttpClient> http;
  std::shared_ptr<CredentialsProvider> creds;
  AwsEndpoint endpoint;
  RetryPolicy policy;
  std::unique_ptr<AwsCaller> caller;  // one for the client's life: it is thread-safe

  // Shared back-off: when AWS throttles one call, every call of this client waits, instead of
  // each thread discovering the limit on its own.
  std::mutex pause_mu;
  std::chrono::steady_clock::time_point paused_until{};
  int throttled_in_a_row = 0;

  // Concurrent statements.
  std::mutex slot_mu;
  std::condition_variable slot_cv;
  int slots_in_use = 0, max_slots = 4;

  void WaitIfPaused() {
    std::chrono::steady_clock::time_point until;
    {
      std::lock_guard<std::mutex> lock(pause_mu);
      until = paused_until;
    }
    if (until > std::chrono::steady_clock::now()) std::this_thread::sleep_until(until);
  }
  void NoteOutcome(const Status& st) {
    std::lock_guard<std::mutex> lock(pause_mu);
    if (st.code() != StatusCode::kThrottled) {
      throttled_in_a_row = 0;
      return;
    }
    ++throttled_in_a_row;
    auto pause = std::chrono::milliseconds(std::min(20000, 250 << std::min(throttled_in_a_row, 7)));
    paused_until = std::max(paused_until, std::chrono::steady_clock::now() + pause);
  }

  Result<json> Call(const std::string& op, const json& body, bool idempotent) {
    RSX_ASSIGN_OR_RETURN(std::string raw, CallRaw(op, body, idempotent));
    json j = json::parse(raw, nullptr, false);
    if (j.is_discarded() || !j.is_object())
      return Status::Internal("redshift-data " + op +
                              " answered something that is not a JSON object");
    return j;
  }

  Result<std::string> CallRaw(const std::string& op, const json& body, bool idempotent) {
    WaitIfPaused();
    HttpRequest req;
    req.headers = {{"Content-Type", "application/x-amz-json-1.1"},
                   {"X-Amz-Target", "RedshiftData." + op}};
    try {
      req.body = body.dump();
    } catch (const json::type_error&) {  // text that is not UTF-8: the SQL, a parameter, a name
      return Status::InvalidArgument("redshift-data:" + op +
                                     ": the request holds text that is not valid UTF-8 "
                                     "(the SQL, a parameter or a name); Redshift takes UTF-8 only");
    }
    auto resp = caller->Call(endpoint, std::move(req), idempotent, ParseJsonError);
    NoteOutcome(resp.ok() ? Status::OK() : resp.status());
    if (!resp.ok()) {
      Status st = resp.status();
      return st.Prepend("redshift-data:" + op);
    }
    return std::move(resp->body);
  }

  // Reads every page of a paginated call; `take` consumes one page's JSON.
  Status Paginate(const std::string& op, json body, const std::function<void(const json&)>& take) {
    std::set<std::string> seen;
    while (true) {
      RSX_ASSIGN_OR_RETURN(json page, Call(op, body, true));
      take(page);
      std::string token = Str(page, "NextToken");
      if (token.empty()) return Status::OK();
      if (!seen.insert(token).second)
        return Status(StatusCode::kDataLoss, "redshift-data:" + op +
                                                 " repeated a NextToken; "
                                                 "stopping rather than reading pages twice");
      body["NextToken"] = token;
    }
  }
};

DataApiClient::DataApiClient(std::unique_ptr<Impl> impl, DataApiTarget target)
    : impl_(std::move(impl)), target_(std::move(target)) {}
DataApiClient::~DataApiClient() = default;

const std::string& DataApiClient::endpoint_url() const { return impl_->endpoint.url; }

DataApiClient::StatementSlot DataApiClient::AcquireStatementSlot() {
  std::unique_lock<std::mutex> lock(impl_->slot_mu);
  impl_->slot_cv.wait(lock, [this] { return impl_->slots_in_use < impl_->max_slots; });
  ++impl_->slots_in_use;
  return StatementSlot(this);
}

DataApiClient::StatementSlot::~StatementSlot() {
  if (!c_) return;
  std::lock_guard<std::mutex> lock(c_->impl_->slot_mu);
  --c_->impl_->slots_in_use;
  c_->impl_->slot_cv.notify_one();
}

void DataApiClient::set_max_concurrent_statements(int n) {
  std::lock_guard<std::mutex> lock(impl_->slot_mu);
  impl_->max_slots = std::clamp(n, 1, 200);
  impl_->slot_cv.notify_all();
}

Result<std::shared_ptr<DataApiClient>> DataApiClient::Create(
    std::shared_ptr<HttpClient> http, std::shared_ptr<CredentialsProvider> creds,
    DataApiTarget target, const Environment& env) {
  if (target.workgroup.empty()) return Status::InvalidArgument("workgroup: none given");
  if (target.database.empty()) return Status::InvalidArgument("database: none given");
  RSX_ASSIGN_OR_RETURN(ResolvedEndpoint ep,
                       ResolveEndpoint("redshift-data", target.region, env, target.endpoint_url));
  auto impl = std::make_unique<Impl>();
  impl->http = std::move(http);
  impl->creds = std::move(creds);
  impl->endpoint = AwsEndpoint{ep.url, ep.signing_region, "redshift-data"};
  RSX_ASSIGN_OR_RETURN(impl->policy, RetryPolicy::FromEnvironment(env));
  impl->caller = std::make_unique<AwsCaller>(impl->http, impl->creds, impl->policy);
  return std::shared_ptr<DataApiClient>(new DataApiClient(std::move(impl), std::move(target)));
}

static json Connection(const DataApiTarget& t) {
  return {{"WorkgroupName", t.workgroup}, {"Database", t.database}};
}

Result<ExecuteResponse> DataApiClient::ExecuteStatement(const ExecuteRequest& r) {
  json body = r.session_id.empty() ? Connection(target_) : json::object();
  body["Sql"] = r.sql;
  if (!r.session_id.empty()) body["SessionId"] = r.session_id;
  if (!r.params.empty()) {
    json params = json::array();
    for (const auto& [n, v] : r.params) params.push_back({{"name", n}, {"value", v}});
    body["Parameters"] = params;
  }
  if (!r.client_token.empty()) body["ClientToken"] = r.client_token;
  if (!r.result_format.empty()) body["ResultFormat"] = r.result_format;
  if (!r.statement_name.empty()) body["StatementName"] = r.statement_name;
  if (r.session_keep_alive_seconds > 0)
    body["SessionKeepAliveSeconds"] = r.session_keep_alive_seconds;
  // With a ClientToken a re-sent submit cannot run twice, so it may be retried like a read.
  RSX_ASSIGN_OR_RETURN(json j, impl_->Call("ExecuteStatement", body, !r.client_token.empty()));
  return ExecuteResponse{Str(j, "Id"), Str(j, "SessionId")};
}

Result<ExecuteResponse> DataApiClient::BatchExecuteStatement(const std::vector<std::string>& sqls,
                                                             const std::string& client_token) {
  json body = Connection(target_);
  body["Sqls"] = sqls;
  if (!client_token.empty()) body["ClientToken"] = client_token;
  RSX_ASSIGN_OR_RETURN(json j, impl_->Call("BatchExecuteStatement", body, !client_token.empty()));
  return ExecuteResponse{Str(j, "Id"), Str(j, "SessionId")};
}

Result<StatementDescription> DataApiClient::DescribeStatement(const std::string& id) {
  RSX_ASSIGN_OR_RETURN(json j, impl_->Call("DescribeStatement", {{"Id", id}}, true));
  StatementDescription d;
  d.id = Str(j, "Id");
  d.status = Str(j, "Status");
  d.error = Str(j, "Error");
  d.query_string = Str(j, "QueryString");
  d.result_format = Str(j, "ResultFormat", "JSON");
  d.session_id = Str(j, "SessionId");
  d.result_rows = static_cast<long long>(Int(j, "ResultRows", -1LL));
  d.result_size = static_cast<long long>(Int(j, "ResultSize", -1LL));
  d.duration_ns = static_cast<long long>(Int(j, "Duration", -1LL));
  d.redshift_pid = static_cast<long long>(Int(j, "RedshiftPid", 0LL));
  d.has_result_set = Bool(j, "HasResultSet", false);
  for (const auto& s : Arr(j, "SubStatements"))
    d.sub_statements.push_back(
        {Str(s, "Id"), Str(s, "Status"), Str(s, "Error"), Str(s, "QueryString"),
         static_cast<long long>(Int(s, "ResultRows", -1LL)), Bool(s, "HasResultSet", false)});
  return d;
}

Result<bool> DataApiClient::CancelStatement(const std::string& id) {
  RSX_ASSIGN_OR_RETURN(json j, impl_->Call("CancelStatement", {{"Id", id}}, true));
  return Bool(j, "Status", false);
}

Result<std::string> DataApiClient::GetStatementResultPage(const std::string& id,
                                                          const std::string& next_token, bool v2) {
  json body = {{"Id", id}};
  if (!next_token.empty()) body["NextToken"] = next_token;
  return impl_->CallRaw(v2 ? "GetStatementResultV2" : "GetStatementResult", body, true);
}

Result<std::vector<std::string>> DataApiClient::ListDatabases() {
  std::vector<std::string> out;
  bool bad = false;
  RSX_RETURN_IF_ERROR(impl_->Paginate("ListDatabases", Connection(target_), [&](const json& p) {
    for (const auto& d : Arr(p, "Databases")) {
      if (d.is_string())
        out.push_back(d.get_ref<const std::string&>());
      else
        bad = true;
    }
  }));
  if (bad)
    return Status::Internal(
        "redshift-data:ListDatabases answered a name in Databases that is not a string");
  return out;
}

Result<std::vector<std::string>> DataApiClient::ListSchemas(const std::string& pattern) {
  json body = Connection(target_);
  if (!pattern.empty()) body["SchemaPattern"] = pattern;
  std::vector<std::string> out;
  bool bad = false;
  RSX_RETURN_IF_ERROR(impl_->Paginate("ListSchemas", body, [&](const json& p) {
    for (const auto& s : Arr(p, "Schemas")) {
      if (s.is_string())
        out.push_back(s.get_ref<const std::string&>());
      else
        bad = true;
    }
  }));
  if (bad)
    return Status::Internal(
        "redshift-data:ListSchemas answered a name in Schemas that is not a string");
  return out;
}

Result<std::vector<TableRef>> DataApiClient::ListTables(const std::string& schema_pattern,
                                                        const std::string& table_pattern) {
  json body = Connection(target_);
  if (!schema_pattern.empty()) body["SchemaPattern"] = schema_pattern;
  if (!table_pattern.empty()) body["TablePattern"] = table_pattern;
  std::vector<TableRef> out;
  RSX_RETURN_IF_ERROR(impl_->Paginate("ListTables", body, [&](const json& p) {
    for (const auto& t : Arr(p, "Tables"))
      out.push_back({Str(t, "schema"), Str(t, "name"), Str(t, "type")});
  }));
  return out;
}

Result<std::vector<ColumnInfo>> DataApiClient::DescribeTable(const std::string& schema,
                                                             const std::string& table) {
  json body = Connection(target_);
  body["Schema"] = schema;
  body["Table"] = table;
  std::vector<ColumnInfo> out;
  RSX_RETURN_IF_ERROR(impl_->Paginate("DescribeTable", body, [&](const json& p) {
    for (const auto& c : Arr(p, "ColumnList")) out.push_back(ColumnFromJson(c));
  }));
  return out;
}

Result<std::vector<StatementSummary>> DataApiClient::ListStatements(const std::string& status) {
  std::vector<StatementSummary> out;
  RSX_RETURN_IF_ERROR(impl_->Paginate("ListStatements", {{"Status", status}}, [&](const json& p) {
    for (const auto& s : Arr(p, "Statements"))
      out.push_back({Str(s, "Id"), Str(s, "Status"), Str(s, "StatementName"), Str(s, "QueryString"),
                     Bool(s, "IsBatchStatement", false)});
  }));
  return out;
}

}  // namespace rsx
