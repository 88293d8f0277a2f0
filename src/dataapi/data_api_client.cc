#include <algorithm>
#include <atomic>
#include <condition_variable>
#include <map>
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

namespace {

// Endpoints found without long polling in this process, with why (the answer is remembered per
// endpoint, so the detection costs at most one request per process).
std::mutex g_no_wait_mu;
std::map<std::string, std::string>& NoWaitEndpoints() {
  static std::map<std::string, std::string> m;
  return m;
}

// The endpoint refused WaitTimeSeconds as a field it does not know (as opposed to a throttle or
// any other refusal): a 4xx, not a throttle, whose message names the field.
bool RefusedWaitField(const Status& st) {
  if (st.code() != StatusCode::kInvalidArgument) return false;
  std::string m = st.message();
  std::transform(m.begin(), m.end(), m.begin(), [](unsigned char c) { return std::tolower(c); });
  return m.find("waittimeseconds") != std::string::npos;
}

bool ActiveWaitingExceeded(const Status& st) {
  return st.detail("aws_error") == "ActiveWaitingRequestsExceededException";
}

}  // namespace

Result<LongPolling> ParseLongPolling(const std::string& text) {
  if (text.empty() || text == "auto") return LongPolling::kAuto;
  if (text == "on") return LongPolling::kOn;
  if (text == "off") return LongPolling::kOff;
  return Status::InvalidArgument("long polling '" + text + "' is not one of auto, on, off");
}

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

  std::atomic<LongPolling> long_polling{LongPolling::kAuto};

  void MarkNoWait(const std::string& why) {
    std::lock_guard<std::mutex> lock(g_no_wait_mu);
    NoWaitEndpoints().emplace(endpoint.url, why);
  }

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
    // A throttle was refused before it ran, so it is asked again for as long as the workgroup
    // keeps refusing, up to two minutes: the caller's attempts, then the shared pause.
    auto give_up = std::chrono::steady_clock::now() + std::chrono::minutes(2);
    auto resp = caller->Call(endpoint, req, idempotent, ParseJsonError);
    NoteOutcome(resp.ok() ? Status::OK() : resp.status());
    while (!resp.ok() && resp.status().code() == StatusCode::kThrottled &&
           std::chrono::steady_clock::now() < give_up) {
      WaitIfPaused();
      resp = caller->Call(endpoint, req, idempotent, ParseJsonError);
      NoteOutcome(resp.ok() ? Status::OK() : resp.status());
    }
    if (!resp.ok()) {
      Status st = resp.status();
      return st.Prepend("redshift-data:" + op);
    }
    return std::move(resp->body);
  }

  // ExecuteStatement and BatchExecuteStatement: `body` holds the SQL; the request's other members
  // are added here. With a wait, an endpoint that refuses the field is remembered and asked again
  // without it (it ran nothing); ActiveWaitingRequestsExceeded with a ClientToken is asked again
  // without a wait (the same token names the statement it submitted).
  Result<ExecuteResponse> Submit(const std::string& op, json body, const ExecuteRequest& r,
                                 const DataApiTarget& target, bool wait) {
    if (r.session_id.empty()) {
      body["WorkgroupName"] = target.workgroup;
      body["Database"] = target.database;
    } else {
      body["SessionId"] = r.session_id;
    }
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
    if (wait) body["WaitTimeSeconds"] = std::clamp(r.wait_seconds, 1, 30);
    // With a ClientToken a re-sent submit cannot run twice, so it may be retried like a read.
    bool idempotent = !r.client_token.empty();
    Result<json> answer = Call(op, body, idempotent);
    if (wait && !answer.ok() && RefusedWaitField(answer.status())) {
      MarkNoWait("the endpoint refused WaitTimeSeconds (" + answer.status().message() + ")");
      if (long_polling == LongPolling::kOn)
        return Status(answer.status())
            .Prepend("long polling is on, but the endpoint does not know it (use auto or off)");
      body.erase("WaitTimeSeconds");
      wait = false;
      answer = Call(op, body, idempotent);
    } else if (wait && !answer.ok() && ActiveWaitingExceeded(answer.status()) && idempotent) {
      body.erase("WaitTimeSeconds");
      wait = false;
      answer = Call(op, body, idempotent);
    }
    RSX_ASSIGN_OR_RETURN(json j, std::move(answer));
    ExecuteResponse out;
    out.id = Str(j, "Id");
    out.session_id = Str(j, "SessionId");
    if (wait) {
      out.status = Str(j, "Status");
      if (out.status.empty())
        MarkNoWait("the endpoint ignored WaitTimeSeconds (no Status in its answer)");
      out.has_result_set = Bool(j, "HasResultSet", false);
      out.redshift_pid = static_cast<long long>(Int(j, "RedshiftPid", 0LL));
    }
    return out;
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

void DataApiClient::set_long_polling(LongPolling mode) { impl_->long_polling = mode; }

bool DataApiClient::UseLongPolling() const {
  LongPolling mode = impl_->long_polling;
  if (mode != LongPolling::kAuto) return mode == LongPolling::kOn;
  return LongPollingFallback().empty();
}

std::string DataApiClient::LongPollingFallback() const {
  if (impl_->long_polling == LongPolling::kOff) return "";
  std::lock_guard<std::mutex> lock(g_no_wait_mu);
  auto it = NoWaitEndpoints().find(impl_->endpoint.url);
  return it == NoWaitEndpoints().end() ? "" : it->second;
}

Result<ExecuteResponse> DataApiClient::ExecuteStatement(const ExecuteRequest& r) {
  return impl_->Submit("ExecuteStatement", {{"Sql", r.sql}}, r, target_,
                       r.wait_seconds > 0 && UseLongPolling());
}

Result<ExecuteResponse> DataApiClient::BatchExecuteStatement(const std::vector<std::string>& sqls,
                                                             const std::string& client_token) {
  ExecuteRequest req;
  req.client_token = client_token;
  return BatchExecuteStatement(sqls, req, false);
}

Result<ExecuteResponse> DataApiClient::BatchExecuteStatement(const std::vector<std::string>& sqls,
                                                             const ExecuteRequest& r,
                                                             bool auto_commit) {
  json body = {{"Sqls", sqls}};
  if (auto_commit) body["ExecutionMode"] = "AUTO_COMMIT";
  return impl_->Submit("BatchExecuteStatement", std::move(body), r, target_,
                       r.wait_seconds > 0 && UseLongPolling());
}

Result<std::vector<SessionInfo>> DataApiClient::ListSessions(const std::string& status) {
  json body = Connection(target_);
  if (!status.empty()) body["Status"] = status;
  std::vector<SessionInfo> out;
  RSX_RETURN_IF_ERROR(impl_->Paginate("ListSessions", body, [&](const json& p) {
    for (const auto& s : Arr(p, "Sessions")) {
      SessionInfo i;
      i.id = Str(s, "SessionId");
      i.status = Str(s, "Status");
      i.database = Str(s, "Database");
      i.db_user = Str(s, "DbUser");
      i.workgroup = Str(s, "WorkgroupName");
      i.current_statement_id = Str(s, "CurrentStatementId");
      i.created_at = Num(s, "CreatedAt", 0.0);
      i.updated_at = Num(s, "UpdatedAt", 0.0);
      i.ttl = Num(s, "SessionTtl", 0.0);
      i.alive_seconds = static_cast<long long>(Int(s, "SessionAliveSeconds", 0LL));
      out.push_back(std::move(i));
    }
  }));
  return out;
}

Result<StatementDescription> DataApiClient::DescribeStatement(const std::string& id,
                                                              int wait_seconds) {
  json body = {{"Id", id}};
  bool wait = wait_seconds > 0 && UseLongPolling();
  if (wait) body["WaitTimeSeconds"] = std::clamp(wait_seconds, 1, 30);
  Result<json> answer = impl_->Call("DescribeStatement", body, true);
  if (wait && !answer.ok() && RefusedWaitField(answer.status())) {
    impl_->MarkNoWait("the endpoint refused WaitTimeSeconds (" + answer.status().message() + ")");
    if (impl_->long_polling == LongPolling::kOn)
      return Status(answer.status())
          .Prepend("long polling is on, but the endpoint does not know it (use auto or off)");
    body.erase("WaitTimeSeconds");
    answer = impl_->Call("DescribeStatement", body, true);
  }
  RSX_ASSIGN_OR_RETURN(json j, std::move(answer));
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
