#include "service/model.h"

#include <algorithm>
#include <cctype>
#include <chrono>
#include <cstdio>

#include "rsx/connection.h"
#include "service/cron.h"
#include "util/json_access.h"

namespace rsx::service {

using nlohmann::json;
namespace ja = json_access;

int64_t NowMillis() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

std::string Rfc3339(int64_t ms) {
  if (ms == 0) return "";
  int64_t secs = ms >= 0 ? ms / 1000 : (ms - 999) / 1000;
  int64_t day = secs >= 0 ? secs / 86400 : (secs - 86399) / 86400;
  int64_t rem = secs - day * 86400;
  int64_t y;
  unsigned m, d;
  CivilFromDays(day, &y, &m, &d);
  char buf[40];
  std::snprintf(buf, sizeof buf, "%04lld-%02u-%02uT%02lld:%02lld:%02lld.%03lldZ",
                static_cast<long long>(y), m, d, static_cast<long long>(rem / 3600),
                static_cast<long long>(rem / 60 % 60), static_cast<long long>(rem % 60),
                static_cast<long long>(ms - secs * 1000));
  return buf;
}

ConnectionConfig ConnectionConfigOf(const ConnectionRecord& c, const Organization& org) {
  ConnectionConfig cfg;
  cfg.name = c.name;
  cfg.region = c.region;
  cfg.workgroup = c.workgroup;
  cfg.database = c.database;
  cfg.role_arn = c.role_arn;
  cfg.external_id = org.external_id;  // the organization's, never a client's
  cfg.schemas = c.schemas;
  cfg.max_concurrent_statements = c.max_concurrent_statements;
  return cfg;
}

std::string HealthMessage(const CheckReport& report) {
  if (report.ok()) return "";
  if (!report.failed_stage.empty()) return report.failed_stage + ": " + report.error.message();
  std::string missing;
  for (const auto& m : report.Missing()) missing += (missing.empty() ? "" : ", ") + m;
  if (!missing.empty()) return "missing permissions: " + missing;
  const DatabaseAccess& d = report.database;
  if (!d.checked) return "database privileges: " + d.error.message();
  auto unreadable = d.Unreadable();
  std::string names;
  for (size_t i = 0; i < unreadable.size() && i < 5; ++i) names += (i ? ", " : "") + unreadable[i];
  if (unreadable.size() > 5) names += " and " + std::to_string(unreadable.size() - 5) + " more";
  return "the database user " + d.user + " cannot read " + names + " (GRANTs missing)";
}

Status CheckDestinationPath(const std::string& path) {
  if (path.empty()) return Status::InvalidArgument("the path is empty");
  if (path.size() > 200) return Status::InvalidArgument("the path is longer than 200 bytes");
  if (path[0] == '/') return Status::InvalidArgument("the path must be relative, not absolute");
  int depth = 0;
  size_t start = 0;
  while (start <= path.size()) {
    size_t end = path.find('/', start);
    if (end == std::string::npos) end = path.size();
    std::string part = path.substr(start, end - start);
    if (part.empty()) return Status::InvalidArgument("the path has an empty component (\"//\")");
    if (part == "." || part == "..")
      return Status::InvalidArgument("the path may not contain \"" + part + "\"");
    for (char c : part) {
      bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
                c == '.' || c == '_' || c == '-';
      if (!ok)
        return Status::InvalidArgument(
            "the path may hold only letters, digits, \".\", \"_\", \"-\" and \"/\"");
    }
    if (++depth > 8) return Status::InvalidArgument("the path is more than 8 folders deep");
    start = end + 1;
  }
  return Status::OK();
}

namespace {

// Stored documents were written by the service; a damaged one is an error, never a throw.
Result<json> ParseDoc(const std::string& doc, const char* what) {
  RSX_ASSIGN_OR_RETURN(json j, ja::Parse(doc, what));
  RSX_RETURN_IF_ERROR(ja::ExpectObject(j, what));
  return j;
}

Result<int64_t> Int(const json& j, const char* key, const char* where) {
  RSX_ASSIGN_OR_RETURN(long long v, ja::OptInt(j, key, where, 0));
  return static_cast<int64_t>(v);
}

Result<std::vector<std::string>> Strings(const json& j, const char* key, const char* where) {
  RSX_ASSIGN_OR_RETURN(auto v, ja::OptStringList(j, key, where));
  return v ? *v : std::vector<std::string>{};
}

}  // namespace

std::string ConnectionDoc(const ConnectionRecord& c) {
  json j = {{"id", c.id},
            {"org_id", c.org_id},
            {"name", c.name},
            {"region", c.region},
            {"workgroup", c.workgroup},
            {"database", c.database},
            {"role_arn", c.role_arn},
            {"schemas", c.schemas},
            {"max_concurrent_statements", c.max_concurrent_statements},
            {"created_at", c.created_at},
            {"updated_at", c.updated_at},
            {"health", c.health},
            {"health_message", c.health_message},
            {"health_checked_at", c.health_checked_at}};
  return j.dump(-1, ' ', false, json::error_handler_t::replace);
}

Result<ConnectionRecord> ParseConnectionDoc(const std::string& doc) {
  const char* w = "stored connection";
  RSX_ASSIGN_OR_RETURN(json j, ParseDoc(doc, w));
  ConnectionRecord c;
  RSX_ASSIGN_OR_RETURN(c.id, ja::String(j, "id", w));
  RSX_ASSIGN_OR_RETURN(c.org_id, ja::String(j, "org_id", w));
  RSX_ASSIGN_OR_RETURN(c.name, ja::String(j, "name", w));
  RSX_ASSIGN_OR_RETURN(c.region, ja::String(j, "region", w));
  RSX_ASSIGN_OR_RETURN(c.workgroup, ja::String(j, "workgroup", w));
  RSX_ASSIGN_OR_RETURN(c.database, ja::String(j, "database", w));
  RSX_ASSIGN_OR_RETURN(c.role_arn, ja::String(j, "role_arn", w));
  RSX_ASSIGN_OR_RETURN(c.schemas, Strings(j, "schemas", w));
  RSX_ASSIGN_OR_RETURN(long long mcs, ja::OptInt(j, "max_concurrent_statements", w, 4));
  c.max_concurrent_statements = static_cast<int>(mcs);
  RSX_ASSIGN_OR_RETURN(c.created_at, Int(j, "created_at", w));
  RSX_ASSIGN_OR_RETURN(c.updated_at, Int(j, "updated_at", w));
  RSX_ASSIGN_OR_RETURN(c.health, ja::OptString(j, "health", w, "unknown"));
  RSX_ASSIGN_OR_RETURN(c.health_message, ja::OptString(j, "health_message", w));
  RSX_ASSIGN_OR_RETURN(c.health_checked_at, Int(j, "health_checked_at", w));
  return c;
}

std::string SyncDoc(const SyncRecord& s) {
  json streams = json::array();
  for (const auto& st : s.streams)
    streams.push_back({{"stream", st.stream},
                       {"mode", st.mode},
                       {"cursor", st.cursor},
                       {"primary_key", st.primary_key}});
  json j = {{"id", s.id},
            {"org_id", s.org_id},
            {"connection_id", s.connection_id},
            {"name", s.name},
            {"streams", streams},
            {"format", s.format},
            {"path", s.path},
            {"schedule_type", s.schedule_type},
            {"every_minutes", s.every_minutes},
            {"every_seconds", s.every_seconds},
            {"cron", s.cron},
            {"chunk_rows", s.chunk_rows},
            {"enabled", s.enabled},
            {"next_run_at", s.next_run_at},
            {"created_at", s.created_at},
            {"updated_at", s.updated_at}};
  return j.dump(-1, ' ', false, json::error_handler_t::replace);
}

Result<SyncRecord> ParseSyncDoc(const std::string& doc) {
  const char* w = "stored sync";
  RSX_ASSIGN_OR_RETURN(json j, ParseDoc(doc, w));
  SyncRecord s;
  RSX_ASSIGN_OR_RETURN(s.id, ja::String(j, "id", w));
  RSX_ASSIGN_OR_RETURN(s.org_id, ja::String(j, "org_id", w));
  RSX_ASSIGN_OR_RETURN(s.connection_id, ja::String(j, "connection_id", w));
  RSX_ASSIGN_OR_RETURN(s.name, ja::OptString(j, "name", w));
  RSX_ASSIGN_OR_RETURN(const json* streams, ja::Member(j, "streams", w));
  if (streams && !streams->is_array())
    return Status::InvalidArgument("stored sync: streams is not a list");
  if (streams) {
    for (const json& st : *streams) {
      const char* sw = "stored sync.streams[]";
      RSX_RETURN_IF_ERROR(ja::ExpectObject(st, sw));
      SyncStreamSpec spec;
      RSX_ASSIGN_OR_RETURN(spec.stream, ja::String(st, "stream", sw));
      RSX_ASSIGN_OR_RETURN(spec.mode, ja::OptString(st, "mode", sw, "full_refresh"));
      RSX_ASSIGN_OR_RETURN(spec.cursor, ja::OptString(st, "cursor", sw));
      RSX_ASSIGN_OR_RETURN(spec.primary_key, Strings(st, "primary_key", sw));
      s.streams.push_back(std::move(spec));
    }
  }
  RSX_ASSIGN_OR_RETURN(s.format, ja::OptString(j, "format", w, "jsonl"));
  RSX_ASSIGN_OR_RETURN(s.path, ja::OptString(j, "path", w));
  RSX_ASSIGN_OR_RETURN(s.schedule_type, ja::OptString(j, "schedule_type", w, "manual"));
  RSX_ASSIGN_OR_RETURN(int64_t em, Int(j, "every_minutes", w));
  RSX_ASSIGN_OR_RETURN(int64_t es, Int(j, "every_seconds", w));
  s.every_minutes = static_cast<int>(em);
  s.every_seconds = static_cast<int>(es);
  RSX_ASSIGN_OR_RETURN(s.cron, ja::OptString(j, "cron", w));
  RSX_ASSIGN_OR_RETURN(s.chunk_rows, ja::OptInt(j, "chunk_rows", w, 100000));
  RSX_ASSIGN_OR_RETURN(s.enabled, ja::OptBool(j, "enabled", w, true));
  RSX_ASSIGN_OR_RETURN(s.next_run_at, Int(j, "next_run_at", w));
  RSX_ASSIGN_OR_RETURN(s.created_at, Int(j, "created_at", w));
  RSX_ASSIGN_OR_RETURN(s.updated_at, Int(j, "updated_at", w));
  return s;
}

std::string RunDoc(const RunRecord& r) {
  json streams = json::array();
  for (const auto& st : r.streams)
    streams.push_back({{"stream", st.stream},
                       {"status", st.status},
                       {"rows", st.rows},
                       {"bytes", st.bytes},
                       {"statements", st.statements},
                       {"row_estimate", st.row_estimate}});
  json j = {{"id", r.id},
            {"org_id", r.org_id},
            {"sync_id", r.sync_id},
            {"trigger", r.trigger},
            {"status", r.status},
            {"streams", streams},
            {"error_code", r.error_code},
            {"error_message", r.error_message},
            {"statement_id", r.statement_id},
            {"aws_error", r.aws_error},
            {"created_at", r.created_at},
            {"started_at", r.started_at},
            {"finished_at", r.finished_at},
            {"scheduled_for", r.scheduled_for},
            {"worker", r.worker},
            {"attempt", r.attempt},
            {"cancel_requested", r.cancel_requested},
            {"attempt_started_at", r.attempt_started_at}};
  if (!r.in_flight.statement_id.empty())
    j["in_flight"] = {{"stream", r.in_flight.stream},
                      {"statement_id", r.in_flight.statement_id},
                      {"sql", r.in_flight.sql},
                      {"started_at", r.in_flight.started_at}};
  return j.dump(-1, ' ', false, json::error_handler_t::replace);
}

std::string QueryDoc(const QueryRecord& q) {
  json j = {{"id", q.id},
            {"org_id", q.org_id},
            {"connection_id", q.connection_id},
            {"sql", q.sql},
            {"statement_id", q.statement_id},
            {"status", q.status},
            {"error", q.error},
            {"limit", q.limit},
            {"created_at", q.created_at}};
  return j.dump(-1, ' ', false, json::error_handler_t::replace);
}

Result<QueryRecord> ParseQueryDoc(const std::string& doc) {
  const char* w = "stored query";
  RSX_ASSIGN_OR_RETURN(json j, ParseDoc(doc, w));
  QueryRecord q;
  RSX_ASSIGN_OR_RETURN(q.id, ja::String(j, "id", w));
  RSX_ASSIGN_OR_RETURN(q.org_id, ja::String(j, "org_id", w));
  RSX_ASSIGN_OR_RETURN(q.connection_id, ja::String(j, "connection_id", w));
  RSX_ASSIGN_OR_RETURN(q.sql, ja::String(j, "sql", w));
  RSX_ASSIGN_OR_RETURN(q.statement_id, ja::OptString(j, "statement_id", w));
  RSX_ASSIGN_OR_RETURN(q.status, ja::OptString(j, "status", w, "SUBMITTED"));
  RSX_ASSIGN_OR_RETURN(q.error, ja::OptString(j, "error", w));
  RSX_ASSIGN_OR_RETURN(long long limit, ja::OptInt(j, "limit", w, 100));
  q.limit = static_cast<int>(limit);
  RSX_ASSIGN_OR_RETURN(q.created_at, Int(j, "created_at", w));
  return q;
}

Result<RunRecord> ParseRunDoc(const std::string& doc) {
  const char* w = "stored run";
  RSX_ASSIGN_OR_RETURN(json j, ParseDoc(doc, w));
  RunRecord r;
  RSX_ASSIGN_OR_RETURN(r.id, ja::String(j, "id", w));
  RSX_ASSIGN_OR_RETURN(r.org_id, ja::String(j, "org_id", w));
  RSX_ASSIGN_OR_RETURN(r.sync_id, ja::String(j, "sync_id", w));
  RSX_ASSIGN_OR_RETURN(r.trigger, ja::OptString(j, "trigger", w, "manual"));
  RSX_ASSIGN_OR_RETURN(r.status, ja::String(j, "status", w));
  RSX_ASSIGN_OR_RETURN(const json* streams, ja::Member(j, "streams", w));
  if (streams && !streams->is_array())
    return Status::InvalidArgument("stored run: streams is not a list");
  if (streams) {
    for (const json& st : *streams) {
      const char* sw = "stored run.streams[]";
      RSX_RETURN_IF_ERROR(ja::ExpectObject(st, sw));
      RunStream rs;
      RSX_ASSIGN_OR_RETURN(rs.stream, ja::String(st, "stream", sw));
      RSX_ASSIGN_OR_RETURN(rs.status, ja::OptString(st, "status", sw, "pending"));
      RSX_ASSIGN_OR_RETURN(rs.rows, ja::OptInt(st, "rows", sw, 0));
      RSX_ASSIGN_OR_RETURN(rs.bytes, ja::OptInt(st, "bytes", sw, 0));
      RSX_ASSIGN_OR_RETURN(long long n, ja::OptInt(st, "statements", sw, 0));
      rs.statements = static_cast<int>(n);
      RSX_ASSIGN_OR_RETURN(rs.row_estimate, ja::OptInt(st, "row_estimate", sw, -1));
      r.streams.push_back(std::move(rs));
    }
  }
  RSX_ASSIGN_OR_RETURN(r.error_code, ja::OptString(j, "error_code", w));
  RSX_ASSIGN_OR_RETURN(r.error_message, ja::OptString(j, "error_message", w));
  RSX_ASSIGN_OR_RETURN(r.statement_id, ja::OptString(j, "statement_id", w));
  RSX_ASSIGN_OR_RETURN(r.aws_error, ja::OptString(j, "aws_error", w));
  RSX_ASSIGN_OR_RETURN(r.created_at, Int(j, "created_at", w));
  RSX_ASSIGN_OR_RETURN(r.started_at, Int(j, "started_at", w));
  RSX_ASSIGN_OR_RETURN(r.finished_at, Int(j, "finished_at", w));
  RSX_ASSIGN_OR_RETURN(r.scheduled_for, Int(j, "scheduled_for", w));
  RSX_ASSIGN_OR_RETURN(r.worker, ja::OptString(j, "worker", w));
  RSX_ASSIGN_OR_RETURN(long long attempt, ja::OptInt(j, "attempt", w, 1));
  r.attempt = static_cast<int>(attempt);
  RSX_ASSIGN_OR_RETURN(r.cancel_requested, ja::OptBool(j, "cancel_requested", w, false));
  RSX_ASSIGN_OR_RETURN(r.attempt_started_at, Int(j, "attempt_started_at", w));
  RSX_ASSIGN_OR_RETURN(const json* fl, ja::Member(j, "in_flight", w));
  if (fl && fl->is_object()) {
    const char* fw = "stored run.in_flight";
    RSX_ASSIGN_OR_RETURN(r.in_flight.stream, ja::OptString(*fl, "stream", fw));
    RSX_ASSIGN_OR_RETURN(r.in_flight.statement_id, ja::OptString(*fl, "statement_id", fw));
    RSX_ASSIGN_OR_RETURN(r.in_flight.sql, ja::OptString(*fl, "sql", fw));
    RSX_ASSIGN_OR_RETURN(r.in_flight.started_at, Int(*fl, "started_at", fw));
  }
  return r;
}

Status CheckReadOnlySql(const std::string& sql) {
  static const char* const kFirst[] = {"select", "with", "show", "explain", "values"};
  static const char* const kWrites[] = {
      "into",     "insert",  "update",  "delete",  "merge",   "create", "drop",   "alter",
      "truncate", "grant",   "revoke",  "copy",    "unload",  "call",   "vacuum", "lock",
      "execute",  "prepare", "refresh", "cluster", "reindex", "listen", "notify"};
  std::string first;
  bool ended = false;  // a ';' was seen: only blanks and comments may follow
  size_t i = 0, n = sql.size();
  auto lower = [](std::string w) {
    for (char& c : w) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    return w;
  };
  auto Upper = [](std::string w) {
    for (char& c : w) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
    return w;
  };
  while (i < n) {
    char c = sql[i];
    if (std::isspace(static_cast<unsigned char>(c))) {
      ++i;
    } else if (c == '-' && i + 1 < n && sql[i + 1] == '-') {
      while (i < n && sql[i] != '\n') ++i;
    } else if (c == '/' && i + 1 < n && sql[i + 1] == '*') {
      int depth = 0;
      do {
        if (i + 1 < n && sql[i] == '/' && sql[i + 1] == '*') {
          ++depth;
          i += 2;
        } else if (i + 1 < n && sql[i] == '*' && sql[i + 1] == '/') {
          --depth;
          i += 2;
        } else {
          ++i;
        }
      } while (depth > 0 && i < n);
      if (depth > 0) return Status::InvalidArgument("sql: a /* comment is not closed");
    } else if (ended) {
      return Status::InvalidArgument("sql: only one statement may run here (found text after ';')");
    } else if (c == '\'' || c == '"') {
      for (++i; i < n; ++i) {
        if (sql[i] != c) continue;
        if (i + 1 < n && sql[i + 1] == c) {
          ++i;  // a doubled quote stays inside
          continue;
        }
        break;
      }
      if (i >= n)
        return Status::InvalidArgument(std::string("sql: a ") +
                                       (c == '\'' ? "string" : "quoted name") + " is not closed");
      ++i;
    } else if (c == ';') {
      ended = true;
      ++i;
    } else if (std::isalpha(static_cast<unsigned char>(c)) || c == '_') {
      size_t start = i;
      while (i < n &&
             (std::isalnum(static_cast<unsigned char>(sql[i])) || sql[i] == '_' || sql[i] == '$'))
        ++i;
      std::string word = lower(sql.substr(start, i - start));
      if (first.empty()) {
        first = word;
        if (std::find(std::begin(kFirst), std::end(kFirst), first) == std::end(kFirst))
          return Status::InvalidArgument(
              "sql: only a statement that reads may run here (SELECT, WITH, SHOW, EXPLAIN or "
              "VALUES), not " +
              Upper(word));
      } else if (std::find(std::begin(kWrites), std::end(kWrites), word) != std::end(kWrites)) {
        return Status::InvalidArgument("sql: " + Upper(word) +
                                       " writes: only a statement that reads may run here");
      }
    } else {
      ++i;
    }
  }
  if (first.empty()) return Status::InvalidArgument("sql: the statement is empty");
  return Status::OK();
}

}  // namespace rsx::service
