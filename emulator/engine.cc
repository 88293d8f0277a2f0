#include "engine.h"

#include <unistd.h>

#include <regex>

#include "engine_internal.h"
#include "rsx/crypto.h"
#include "rsx/strings.h"
#include "sql_params.h"

namespace rsx::emu {
namespace {

using Clock_ = std::chrono::system_clock;

ApiError NotFound(std::string msg, std::string id = "") {
  return {400, "ResourceNotFoundException", std::move(msg)};
}

double Epoch(TimePoint t) { return std::chrono::duration<double>(t.time_since_epoch()).count(); }

bool IsActive(const std::string& s) { return s == "SUBMITTED" || s == "PICKED" || s == "STARTED"; }

std::string EncodeToken(long long offset) {
  return util::Base64Encode("o:" + std::to_string(offset));
}
std::optional<long long> DecodeToken(const std::string& token) {
  auto raw = util::Base64Decode(token);
  if (!raw.ok() || !util::StartsWith(*raw, "o:")) return std::nullopt;
  char* end = nullptr;
  long long v = std::strtoll(raw->c_str() + 2, &end, 10);
  if (*end != '\0' || v < 0) return std::nullopt;
  return v;
}

// One page (MaxResults `max` from `offset`) of list items, newest first, under `key`, with the
// NextToken of the next page when there is one.
json NewestFirstPage(std::vector<std::pair<TimePoint, json>> rows, long long offset, long long max,
                     const char* key) {
  std::sort(rows.begin(), rows.end(),
            [](const auto& a, const auto& b) { return a.first > b.first; });
  json out = {{key, json::array()}};
  for (size_t i = static_cast<size_t>(offset);
       i < rows.size() && i < static_cast<size_t>(offset + max); ++i)
    out[key].push_back(std::move(rows[i].second));
  if (static_cast<size_t>(offset + max) < rows.size()) out["NextToken"] = EncodeToken(offset + max);
  return out;
}

}  // namespace

Engine::Engine(const EmulatorConfig& config, std::function<std::string(const std::string&)> dsn_for)
    : config_(config), dsn_for_(std::move(dsn_for)) {
  for (int i = 0; i < std::max(1, config.workers); ++i) workers_.emplace_back([this] { Worker(); });
}

Engine::~Engine() {
  {
    std::lock_guard<std::mutex> lock(mu_);
    stopping_ = true;
    for (auto& [id, st] : statements_) {
      std::lock_guard<std::mutex> sl(st->mu);
      st->cancel_requested = true;
      if (st->cancel) {
        char err[256];
        PQcancel(st->cancel, err, sizeof err);
      }
    }
  }
  cv_.notify_all();
  for (auto& t : workers_) t.join();
}

std::string Engine::WorkgroupArn(const std::string& name) const {
  for (const auto& w : config_.workgroups)
    if (w.name == name || util::EndsWith(name, "/" + w.name))
      return "arn:aws:redshift-serverless:" + config_.region + ":" + w.account + ":workgroup/" +
             crypto::Sha256Hex(w.name).substr(0, 8) + "-0000-4000-8000-" +
             crypto::Sha256Hex(w.name).substr(8, 12);
  return "";
}

ApiResult<Engine::Target> Engine::ResolveTarget(const json& req, bool database_required) const {
  if (req.contains("ClusterIdentifier"))
    return Validation("Redshift endpoint doesn't exist in this region.");
  std::string wg = req.value("WorkgroupName", "");
  if (wg.empty()) return Validation("Either WorkgroupName or ClusterIdentifier must be provided.");
  Target t;
  for (const auto& w : config_.workgroups) {
    if (w.name == wg || WorkgroupArn(w.name) == wg) t.workgroup = &w;
  }
  if (!t.workgroup) return Validation("Redshift endpoint doesn't exist in this region.");
  t.database = req.value("Database", "");
  if (t.database.empty() && database_required) return Validation("Database is required.");
  return t;
}

int Engine::ActiveCount() {
  int n = 0;
  for (auto& [id, st] : statements_) {
    std::lock_guard<std::mutex> sl(st->mu);
    n += IsActive(st->status);
  }
  return n;
}

ApiResult<std::shared_ptr<Statement>> Engine::Submit(const Principal& who, const json& req,
                                                     std::vector<std::string> sqls, bool batch,
                                                     bool auto_commit) {
  for (const auto& s : sqls) {
    if (s.empty()) return Validation("Sql must not be empty.");
    if (static_cast<long long>(s.size()) > config_.limits.sql_bytes)
      return Validation("Cannot process query string larger than 100kB");
  }
  auto st = std::make_shared<Statement>();
  st->batch = batch;
  st->auto_commit = auto_commit;
  st->owner = who.owner;
  st->db_user = who.db_user;
  st->name = req.value("StatementName", "");
  st->format = req.value("ResultFormat", "JSON");
  if (st->format != "JSON" && st->format != "CSV")
    return Validation("1 validation error detected: Value '" + st->format +
                      "' at 'resultFormat' failed to satisfy constraint: Member must satisfy enum "
                      "value set: [JSON, CSV]");
  if (req.contains("Parameters")) {
    static const std::regex kName("^[0-9a-zA-Z_]+$");
    if (!req["Parameters"].is_array() || req["Parameters"].empty())
      return Validation("Parameters must be a non-empty list.");
    for (const auto& p : req["Parameters"]) {
      std::string n = p.value("name", ""), v = p.value("value", "");
      if (!std::regex_match(n, kName))
        return Validation("Parameter name '" + n + "' must match [0-9a-zA-Z_]+.");
      if (v.empty()) return Validation("Parameter '" + n + "' has an empty value.");
      st->params.emplace_back(n, v);
    }
  }
  std::string session_id = req.value("SessionId", "");
  int keep_alive = req.value("SessionKeepAliveSeconds", 0);
  if (keep_alive < 0 || keep_alive > 86400)
    return Validation("SessionKeepAliveSeconds must be between 0 and 86400.");
  std::lock_guard<std::mutex> lock(mu_);
  if (!session_id.empty()) {
    auto it = sessions_.find(session_id);
    if (it == sessions_.end() || it->second->owner != who.owner ||
        Clock_::now() > it->second->expires ||
        Clock_::now() >
            it->second->created + std::chrono::seconds(config_.limits.session_max_seconds))
      return Validation("Session " + session_id + " is not available.");
    st->session = it->second;
    st->workgroup = it->second->workgroup;
    st->database = it->second->database;
    if (keep_alive > 0) it->second->keep_alive = keep_alive;
  } else {
    auto target = ResolveTarget(req, true);
    if (auto* e = std::get_if<ApiError>(&target)) return *e;
    st->workgroup = std::get<Target>(target).workgroup->name;
    st->database = std::get<Target>(target).database;
    if (keep_alive > 0) {
      auto s = std::make_shared<DataSession>();
      s->id = crypto::RandomUuid();
      s->owner = who.owner;
      s->database = st->database;
      s->workgroup = st->workgroup;
      s->keep_alive = keep_alive;
      s->creator = who.arn;
      s->db_user = who.db_user;
      s->created = s->updated = Clock_::now();
      s->expires = s->created + std::chrono::seconds(keep_alive);
      sessions_[s->id] = s;
      st->session = s;
    }
  }
  if (st->session) st->session_id = st->session->id;
  std::string token = req.value("ClientToken", "");
  if (!token.empty()) {
    auto it = tokens_.find(who.owner + "\n" + token);
    if (it != tokens_.end()) return statements_[it->second];  // same token: same statement
  }
  if (ActiveCount() >= config_.limits.active_statements)
    return ApiError{400, "ActiveStatementsExceededException",
                    "Active statements exceeded the allowed quota (" +
                        std::to_string(config_.limits.active_statements) + ")."};
  st->id = crypto::RandomUuid();
  st->created = st->updated = Clock_::now();
  for (auto& s : sqls) {
    Part p;
    p.sql = std::move(s);
    p.created = p.updated = st->created;
    st->parts.push_back(std::move(p));
  }
  if (stall_next_ > 0) {
    --stall_next_;
    st->stall = true;
  } else if (fail_next_ > 0) {
    --fail_next_;
    st->fail_message = fail_message_;
  } else if (!slow_start_ms_.empty()) {
    st->start_delay_ms = slow_start_ms_.front();
    slow_start_ms_.pop_front();
  }
  statements_[st->id] = st;
  if (st->session) {
    st->session->current_statement = st->id;
    st->session->updated = st->created;
  }
  if (!token.empty()) tokens_[who.owner + "\n" + token] = st->id;
  queue_.push_back(st);
  cv_.notify_one();
  return st;
}

void Engine::InjectStatementFault(StatementFault fault, const std::string& message, int delay_ms) {
  std::lock_guard<std::mutex> lock(mu_);
  if (fault == StatementFault::kStall) {
    ++stall_next_;
  } else if (fault == StatementFault::kSlowStart) {
    slow_start_ms_.push_back(delay_ms);
  } else {
    ++fail_next_;
    fail_message_ = message;
  }
}

// With `waited` (WaitTimeSeconds), the July 2026 members Status, RedshiftPid and HasResultSet.
static json ExecuteResponse(const Statement& st, bool waited) {
  json out = {
      {"Id", st.id},          {"CreatedAt", Epoch(st.created)}, {"Database", st.database},
      {"DbUser", st.db_user}, {"WorkgroupName", st.workgroup},  {"DbGroups", json::array()}};
  if (!st.session_id.empty()) out["SessionId"] = st.session_id;
  if (waited) {
    bool any_result = false;
    for (const auto& p : st.parts) any_result = any_result || p.has_result;
    out["Status"] = st.status;
    out["RedshiftPid"] = st.pid;
    out["HasResultSet"] = any_result;
  }
  return out;
}

ApiResult<int> Engine::WaitSeconds(const json& req) const {
  auto w = req.find("WaitTimeSeconds");
  if (w == req.end() || config_.long_polling == "ignore") return 0;
  if (config_.long_polling == "refuse")
    return Validation(
        "1 validation error detected: Unknown parameter in input: \"WaitTimeSeconds\"");
  if (!w->is_number_integer())
    return ApiError{400, "SerializationException",
                    "STRING_VALUE can not be converted to an Integer (WaitTimeSeconds)"};
  long long v = w->get<long long>();
  if (v < 1)
    return Validation("1 validation error detected: Value '" + std::to_string(v) +
                      "' at 'waitTimeSeconds' failed to satisfy constraint: Member must have "
                      "value greater than or equal to 1");
  if (v > 30)
    return Validation("1 validation error detected: Value '" + std::to_string(v) +
                      "' at 'waitTimeSeconds' failed to satisfy constraint: Member must have "
                      "value less than or equal to 30");
  return static_cast<int>(v);
}

std::optional<ApiError> Engine::Wait(std::unique_lock<std::mutex>& lock, Statement& st,
                                     int seconds) {
  if (seconds <= 0 || IsTerminal(st.status)) return std::nullopt;
  if (st.waiting >= config_.limits.waiting_requests_per_statement)
    return ApiError{400, "ActiveWaitingRequestsExceededException",
                    "The number of active requests with WaitTimeSeconds for the same SQL "
                    "statement exceeds the limit (" +
                        std::to_string(config_.limits.waiting_requests_per_statement) + ")."};
  ++st.waiting;
  auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(seconds);
  while (!IsTerminal(st.status) && !waits_stopped_.load()) {
    auto now = std::chrono::steady_clock::now();
    if (now >= deadline) break;
    st.changed.wait_until(lock, std::min(deadline, now + std::chrono::milliseconds(250)));
  }
  --st.waiting;
  return std::nullopt;
}

void Engine::StopWaits() { waits_stopped_ = true; }

ApiResult<json> Engine::ExecuteStatement(const Principal& who, const json& req) {
  if (!req.contains("Sql") || !req["Sql"].is_string())
    return Validation(
        "1 validation error detected: Value null at 'sql' failed to satisfy "
        "constraint: Member must not be null");
  auto wait = WaitSeconds(req);
  if (auto* e = std::get_if<ApiError>(&wait)) return *e;
  auto st = Submit(who, req, {req["Sql"].get<std::string>()}, false);
  if (auto* e = std::get_if<ApiError>(&st)) return *e;
  auto& s = std::get<std::shared_ptr<Statement>>(st);
  std::unique_lock<std::mutex> sl(s->mu);
  if (auto e = Wait(sl, *s, std::get<int>(wait))) return *e;
  return ExecuteResponse(*s, std::get<int>(wait) > 0);
}

ApiResult<json> Engine::BatchExecuteStatement(const Principal& who, const json& req) {
  if (!req.contains("Sqls") || !req["Sqls"].is_array() || req["Sqls"].empty() ||
      req["Sqls"].size() > 40)
    return Validation("Sqls must hold 1 to 40 SQL statements.");
  std::vector<std::string> sqls;
  for (const auto& s : req["Sqls"]) {
    if (!s.is_string()) return Validation("Sqls must hold strings.");
    sqls.push_back(s);
  }
  std::string mode = "TRANSACTION";
  if (auto m = req.find("ExecutionMode"); m != req.end()) {
    if (!m->is_string() || (*m != "TRANSACTION" && *m != "AUTO_COMMIT"))
      return Validation(
          "1 validation error detected: Value at 'executionMode' failed to satisfy constraint: "
          "Member must satisfy enum value set: [TRANSACTION, AUTO_COMMIT]");
    mode = m->get<std::string>();
  }
  auto wait = WaitSeconds(req);
  if (auto* e = std::get_if<ApiError>(&wait)) return *e;
  auto st = Submit(who, req, sqls, true, mode == "AUTO_COMMIT");
  if (auto* e = std::get_if<ApiError>(&st)) return *e;
  auto& s = std::get<std::shared_ptr<Statement>>(st);
  std::unique_lock<std::mutex> sl(s->mu);
  if (auto e = Wait(sl, *s, std::get<int>(wait))) return *e;
  return ExecuteResponse(*s, std::get<int>(wait) > 0);
}

ApiResult<std::shared_ptr<Statement>> Engine::Find(const Principal& who, const std::string& id) {
  static const std::regex kId("^[a-z0-9]{8}(-[a-z0-9]{4}){3}-[a-z0-9]{12}(:\\d{1,2})?$");
  if (!std::regex_match(id, kId))
    return Validation(
        "id must satisfy regex pattern: ^[a-z0-9]{8}(-[a-z0-9]{4}){3}-[a-z0-9]{12}(:\\d{0,2})?$");
  std::string base = id.substr(0, 36);
  std::lock_guard<std::mutex> lock(mu_);
  auto it = statements_.find(base);
  if (it == statements_.end() || it->second->owner != who.owner)
    return NotFound("Query does not exist.");
  auto age = Clock_::now() - it->second->created;
  if (age > std::chrono::seconds(config_.limits.result_retention_seconds)) {
    statements_.erase(it);
    return NotFound("Query does not exist.");
  }
  return it->second;
}

// Parses "uuid:N" into the part index; -1 for a plain id.
static int PartIndex(const std::string& id) {
  if (id.size() <= 37) return -1;
  return std::atoi(id.c_str() + 37) - 1;
}

ApiResult<json> Engine::DescribeStatement(const Principal& who, const json& req) {
  std::string id = req.value("Id", "");
  auto wait = WaitSeconds(req);
  if (auto* e = std::get_if<ApiError>(&wait)) return *e;
  auto found = Find(who, id);
  if (auto* e = std::get_if<ApiError>(&found)) return *e;
  auto& st = *std::get<std::shared_ptr<Statement>>(found);
  std::unique_lock<std::mutex> sl(st.mu);
  int part = PartIndex(id);
  if (part >= static_cast<int>(st.parts.size()) || (part >= 0 && !st.batch))
    return NotFound("Query does not exist.");
  if (auto e = Wait(sl, st, std::get<int>(wait))) return *e;
  auto part_json = [&](const Part& p, const std::string& pid) {
    json j = {{"Id", pid},
              {"Status", p.status},
              {"CreatedAt", Epoch(p.created)},
              {"UpdatedAt", Epoch(p.updated)},
              {"Duration", p.duration_ns},
              {"QueryString", p.sql},
              {"HasResultSet", p.has_result},
              {"ResultRows", p.rows},
              {"ResultSize", p.size},
              {"RedshiftQueryId", p.query_id}};
    if (!p.query_uuid.empty()) j["RedshiftQueryUuid"] = p.query_uuid;
    if (!p.error.empty()) j["Error"] = p.error;
    return j;
  };
  if (part >= 0) return part_json(st.parts[static_cast<size_t>(part)], id);
  json out = {{"Id", st.id},
              {"Status", st.status},
              {"CreatedAt", Epoch(st.created)},
              {"UpdatedAt", Epoch(st.updated)},
              {"Duration", st.duration_ns},
              {"Database", st.database},
              {"DbUser", st.db_user},
              {"WorkgroupName", st.workgroup},
              {"RedshiftPid", st.pid},
              {"ResultFormat", st.format}};
  if (!st.session_id.empty()) out["SessionId"] = st.session_id;
  if (!st.error.empty()) out["Error"] = st.error;
  if (!st.params.empty()) {
    json qp = json::array();
    for (const auto& [n, v] : st.params) qp.push_back({{"name", n}, {"value", v}});
    out["QueryParameters"] = qp;
  }
  if (st.batch) {
    json subs = json::array();
    bool any_result = false;
    long long rows = 0;
    for (size_t i = 0; i < st.parts.size(); ++i) {
      subs.push_back(part_json(st.parts[i], st.id + ":" + std::to_string(i + 1)));
      any_result = any_result || st.parts[i].has_result;
      rows += std::max(0LL, st.parts[i].rows);
    }
    out["SubStatements"] = subs;
    out["ExecutionMode"] = st.auto_commit ? "AUTO_COMMIT" : "TRANSACTION";
    out["HasResultSet"] = any_result;
    out["ResultRows"] = rows;
    out["RedshiftQueryId"] = 0;
    std::string qs;
    for (const auto& p : st.parts) qs += (qs.empty() ? "" : "; ") + p.sql;
    out["QueryString"] = qs;
  } else {
    const Part& p = st.parts[0];
    out["QueryString"] = p.sql;
    out["HasResultSet"] = p.has_result;
    out["ResultRows"] = p.rows;
    out["ResultSize"] = p.size;
    out["RedshiftQueryId"] = p.query_id;
    if (!p.query_uuid.empty()) out["RedshiftQueryUuid"] = p.query_uuid;
  }
  return out;
}

ApiResult<json> Engine::CancelStatement(const Principal& who, const json& req) {
  std::string id = req.value("Id", "");
  auto found = Find(who, id);
  if (auto* e = std::get_if<ApiError>(&found)) return *e;
  auto& st = *std::get<std::shared_ptr<Statement>>(found);
  std::lock_guard<std::mutex> sl(st.mu);
  if (!IsActive(st.status))
    return Validation("Could not cancel a query that is already in " + st.status +
                      " state with ID: " + st.id);
  st.cancel_requested = true;
  if (st.status == "STARTED" && st.cancel) {
    char err[256];
    PQcancel(st.cancel, err, sizeof err);
  } else if (st.status != "STARTED") {
    st.status = "ABORTED";
    st.updated = Clock_::now();
    for (auto& p : st.parts) p.status = "ABORTED";
    st.changed.notify_all();
  }
  return json{{"Status", true}};
}

ApiResult<std::string> Engine::GetStatementResult(const Principal& who, const json& req, bool v2) {
  std::string id = req.value("Id", "");
  auto wait = WaitSeconds(req);
  if (auto* e = std::get_if<ApiError>(&wait)) return *e;
  auto found = Find(who, id);
  if (auto* e = std::get_if<ApiError>(&found)) return *e;
  auto& st = *std::get<std::shared_ptr<Statement>>(found);
  std::unique_lock<std::mutex> sl(st.mu);
  if (auto e = Wait(sl, st, std::get<int>(wait))) return *e;
  int idx = PartIndex(id);
  if (st.batch && idx < 0)
    return Validation("Batch statement results are read per sub-statement: use the Id " + st.id +
                      ":<n>.");
  if (idx >= static_cast<int>(st.parts.size()) || (idx >= 0 && !st.batch))
    return NotFound("Query does not exist.");
  const Part& p = st.parts[static_cast<size_t>(std::max(idx, 0))];
  if (p.status != "FINISHED") {
    if (p.status == "FAILED" || p.status == "ABORTED")
      return Validation(
          "The query failed or was aborted. Check the query status with DescribeStatement.");
    return Validation("Query has not finished. Please check query status with DescribeStatement.");
  }
  if (!p.has_result)
    return NotFound(
        "Query does not have result. Please check query status with DescribeStatement.");
  if (v2 && st.format != "CSV")
    return Validation(
        "Query with JSON result format is not supported by GetStatementResultV2. "
        "Use GetStatementResult.");
  if (!v2 && st.format != "JSON")
    return Validation(
        "Query with CSV result format is not supported by GetStatementResult. "
        "Use GetStatementResultV2.");
  size_t page = 0;
  if (std::string token = req.value("NextToken", ""); !token.empty()) {
    auto off = DecodeToken(token);
    if (!off || *off <= 0 || static_cast<size_t>(*off) >= p.page_start.size())
      return Validation("Invalid NextToken.");
    page = static_cast<size_t>(*off);
  }
  size_t first = p.page_start.empty() ? 0 : p.page_start[page];
  size_t last = page + 1 < p.page_start.size() ? p.page_start[page + 1] : p.row_end.size();
  std::string out;
  size_t begin = first == 0 ? 0 : p.row_end[first - 1];
  size_t end = last == 0 ? 0 : p.row_end[last - 1];
  // The page's rows: from memory, or read back from the spill file (offsets relative to `base`).
  std::string_view rows = p.data;
  size_t base = 0;
  std::string loaded;
  if (p.spill) {
    loaded.resize(end - begin);
    if (!loaded.empty() && pread(fileno(p.spill->f), loaded.data(), loaded.size(),
                                 static_cast<off_t>(begin)) != static_cast<ssize_t>(loaded.size()))
      return ApiError{500, "InternalServerException", "cannot read the spilled result"};
    rows = loaded;
    base = begin;
  }
  out.reserve(end - begin + (last - first) + 4096);
  out.append("{\"Records\":[");
  if (v2) {
    if (last > first) {
      out.append("{\"CSVRecords\":");
      AppendJsonString(&out, rows.substr(begin - base, end - begin));
      out.append("}");
    }
  } else {
    for (size_t r = first; r < last; ++r) {
      size_t b = r == 0 ? 0 : p.row_end[r - 1];
      if (r > first) out.push_back(',');
      out.append(rows.substr(b - base, p.row_end[r] - b));
    }
  }
  out.append("],\"ColumnMetadata\":");
  json meta = json::array();
  for (const auto& c : p.columns) meta.push_back(ColumnMetaJson(c));
  out.append(meta.dump());
  out.append(",\"TotalNumRows\":" + std::to_string(p.row_end.size()));
  if (v2) out.append(",\"ResultFormat\":\"CSV\"");
  if (page + 1 < p.page_start.size())
    out.append(",\"NextToken\":\"" + EncodeToken(static_cast<long long>(page + 1)) + "\"");
  out.append("}");
  return out;
}

ApiResult<json> Engine::ListStatements(const Principal& who, const json& req) {
  int max = req.value("MaxResults", 100);
  if (max < 0 || max > 100) return Validation("MaxResults must be between 0 and 100.");
  if (max == 0) max = 100;
  std::string status = req.value("Status", "ALL"), name = req.value("StatementName", "");
  long long offset = 0;
  if (std::string t = req.value("NextToken", ""); !t.empty()) {
    auto o = DecodeToken(t);
    if (!o) return Validation("Invalid NextToken.");
    offset = *o;
  }
  std::vector<json> items;
  std::vector<std::shared_ptr<Statement>> mine;
  {
    std::lock_guard<std::mutex> lock(mu_);
    for (auto& [id, st] : statements_)
      if (st->owner == who.owner) mine.push_back(st);
  }
  std::vector<std::pair<TimePoint, json>> rows;
  for (auto& st : mine) {
    std::lock_guard<std::mutex> sl(st->mu);
    if (status != "ALL" && st->status != status) continue;
    if (!name.empty() && !util::StartsWith(st->name, name)) continue;
    json j = {{"Id", st->id},
              {"Status", st->status},
              {"CreatedAt", Epoch(st->created)},
              {"UpdatedAt", Epoch(st->updated)},
              {"IsBatchStatement", st->batch},
              {"ResultFormat", st->format}};
    if (!st->name.empty()) j["StatementName"] = st->name;
    if (!st->session_id.empty()) j["SessionId"] = st->session_id;
    if (st->batch) {
      json qs = json::array();
      for (const auto& p : st->parts) qs.push_back(p.sql);
      j["QueryStrings"] = qs;
    } else {
      j["QueryString"] = st->parts[0].sql;
    }
    rows.emplace_back(st->created, j);
  }
  return NewestFirstPage(std::move(rows), offset, max, "Statements");
}

ApiResult<json> Engine::ListSessions(const Principal& who, const json& req) {
  for (const char* key :
       {"SessionId", "Status", "ClusterIdentifier", "WorkgroupName", "Database", "NextToken"})
    if (req.contains(key) && !req[key].is_string())
      return ApiError{400, "SerializationException", std::string(key) + " must be a string"};
  if (req.contains("RoleLevel") && !req["RoleLevel"].is_boolean())
    return ApiError{400, "SerializationException", "RoleLevel must be a boolean"};
  if (req.contains("MaxResults") && !req["MaxResults"].is_number_integer())
    return ApiError{400, "SerializationException", "MaxResults must be an integer"};
  std::string session_id = req.value("SessionId", ""), status = req.value("Status", "");
  std::string cluster = req.value("ClusterIdentifier", ""), wg = req.value("WorkgroupName", "");
  std::string database = req.value("Database", "");
  if (!session_id.empty() &&
      (!status.empty() || !cluster.empty() || !wg.empty() || !database.empty()))
    return Validation(
        "SessionId cannot be combined with Status, ClusterIdentifier, WorkgroupName or "
        "Database.");
  if (!cluster.empty() && !wg.empty())
    return Validation("Specify either ClusterIdentifier or WorkgroupName, not both.");
  if (!status.empty() && status != "AVAILABLE" && status != "BUSY" && status != "CLOSED")
    return Validation(
        "1 validation error detected: Value '" + status +
        "' at 'status' failed to satisfy constraint: Member must satisfy enum value set: "
        "[AVAILABLE, BUSY, CLOSED]");
  long long max = req.value("MaxResults", 100LL);
  if (max < 0 || max > 100) return Validation("MaxResults must be between 0 and 100.");
  if (max == 0) max = 100;
  bool role_level = req.value("RoleLevel", true);
  long long offset = 0;
  if (std::string t = req.value("NextToken", ""); !t.empty()) {
    auto o = DecodeToken(t);
    if (!o) return Validation("Invalid NextToken.");
    offset = *o;
  }
  std::string wg_name;
  if (!wg.empty()) {
    for (const auto& w : config_.workgroups)
      if (w.name == wg || WorkgroupArn(w.name) == wg) wg_name = w.name;
    if (wg_name.empty()) return Validation("Redshift endpoint doesn't exist in this region.");
  }
  auto now = Clock_::now();
  std::vector<std::pair<TimePoint, json>> rows;
  std::lock_guard<std::mutex> lock(mu_);
  for (auto& [id, s] : sessions_) {
    if (s->owner != who.owner || (!role_level && s->creator != who.arn)) continue;
    if (!session_id.empty() && id != session_id) continue;
    if (!cluster.empty()) continue;  // the emulator has Serverless workgroups only
    if (!wg_name.empty() && s->workgroup != wg_name) continue;
    if (!database.empty() && s->database != database) continue;
    bool busy = false;
    if (auto cur = statements_.find(s->current_statement); cur != statements_.end()) {
      std::lock_guard<std::mutex> sl(cur->second->mu);
      busy = !IsTerminal(cur->second->status);
    }
    TimePoint closes =
        std::min(s->expires, s->created + std::chrono::seconds(config_.limits.session_max_seconds));
    std::string st = busy ? "BUSY" : now > closes ? "CLOSED" : "AVAILABLE";
    if (st == "CLOSED" && s->conn) {  // its connection goes once nothing runs in it
      std::unique_lock<std::mutex> run(s->run_mu, std::try_to_lock);
      if (run.owns_lock()) s->conn.reset();
    }
    if (status.empty() ? st == "CLOSED" && session_id.empty() : st != status) continue;
    json j = {{"SessionId", id},
              {"Status", st},
              {"CreatedAt", Epoch(s->created)},
              {"UpdatedAt", Epoch(s->updated)},
              {"Database", s->database},
              {"DbUser", s->db_user},
              {"WorkgroupName", s->workgroup},
              {"SessionAliveSeconds", s->keep_alive},
              {"SessionTtl", Epoch(closes)}};
    if (!s->current_statement.empty()) j["CurrentStatementId"] = s->current_statement;
    rows.emplace_back(s->created, j);
  }
  return NewestFirstPage(std::move(rows), offset, max, "Sessions");
}

Result<PgConn> Engine::Acquire(const std::string& database) {
  {
    std::lock_guard<std::mutex> lock(mu_);
    auto& free = pool_[database];
    if (!free.empty()) {
      PgConn c = std::move(free.back());
      free.pop_back();
      return c;
    }
  }
  return Connect(dsn_for_(database));
}

void Engine::Release(const std::string& database, PgConn conn) {
  if (!conn || PQstatus(conn.get()) != CONNECTION_OK ||
      PQtransactionStatus(conn.get()) != PQTRANS_IDLE)
    return;
  if (!Exec(conn.get(), "RESET ROLE").ok()) return;  // the catalog calls run as the administrator
  std::lock_guard<std::mutex> lock(mu_);
  auto& free = pool_[database];
  if (free.size() < 16) free.push_back(std::move(conn));
}

void Engine::Worker() {
  while (true) {
    std::shared_ptr<Statement> st;
    {
      std::unique_lock<std::mutex> lock(mu_);
      cv_.wait(lock, [this] { return stopping_ || !queue_.empty(); });
      if (stopping_) return;
      st = queue_.front();
      queue_.pop_front();
    }
    Run(st);
  }
}

}  // namespace rsx::emu
