// Syncs, runs, run logs and the files of a sync's destination.

#include <dirent.h>
#include <sys/stat.h>

#include <algorithm>
#include <optional>

#include "rsx/connection.h"
#include "rsx/files.h"
#include "rsx/strings.h"
#include "service/api_internal.h"
#include "service/cron.h"
#include "service/keys.h"

namespace rsx::service::api {
namespace {

json SyncJson(const SyncRecord& s) {
  json streams = json::array();
  for (const auto& st : s.streams) {
    json j = {{"stream", st.stream}, {"mode", st.mode}, {"primary_key", st.primary_key}};
    j["cursor"] = st.cursor.empty() ? json(nullptr) : json(st.cursor);
    streams.push_back(std::move(j));
  }
  json schedule = {{"type", s.schedule_type}};
  if (s.schedule_type == "interval") {
    if (s.every_seconds > 0)
      schedule["every_seconds"] = s.every_seconds;
    else
      schedule["every_minutes"] = s.every_minutes;
  }
  if (s.schedule_type == "cron") schedule["cron"] = s.cron;
  return {{"id", s.id},
          {"name", s.name},
          {"connection_id", s.connection_id},
          {"streams", streams},
          {"destination", {{"format", s.format}, {"path", s.path}}},
          {"schedule", schedule},
          {"chunk_rows", s.chunk_rows},
          {"enabled", s.enabled},
          {"next_run_at", s.next_run_at ? json(Rfc3339(s.next_run_at)) : json(nullptr)},
          {"created_at", Rfc3339(s.created_at)},
          {"updated_at", Rfc3339(s.updated_at)}};
}

json RunJson(const RunRecord& r) {
  json streams = json::array();
  for (const auto& s : r.streams)
    streams.push_back(
        {{"stream", s.stream},
         {"status", s.status},
         {"rows", s.rows},
         {"bytes", s.bytes},
         {"statements", s.statements},
         {"row_estimate", s.row_estimate >= 0 ? json(s.row_estimate) : json(nullptr)}});
  json error = nullptr;
  if (!r.error_code.empty())
    error = {{"code", r.error_code},
             {"message", r.error_message},
             {"statement_id", r.statement_id.empty() ? json(nullptr) : json(r.statement_id)},
             {"aws_error", r.aws_error.empty() ? json(nullptr) : json(r.aws_error)}};
  auto time = [](int64_t t) { return t ? json(Rfc3339(t)) : json(nullptr); };
  // A running run's rates over this attempt, and its ETA when every stream has an estimate.
  json progress = nullptr, in_flight = nullptr;
  if (r.status == "running" && r.attempt_started_at > 0) {
    double secs = std::max(0.001, (NowMillis() - r.attempt_started_at) / 1000.0);
    long long rows = 0, bytes = 0, left = 0;
    bool estimated = !r.streams.empty();
    for (const auto& s : r.streams) {
      rows += s.rows;
      bytes += s.bytes;
      if (s.row_estimate < 0) estimated = false;
      if (s.status != "complete") left += std::max(0LL, s.row_estimate - s.rows);
    }
    double rate = rows / secs;
    progress = {{"elapsed_seconds", secs},
                {"rows", rows},
                {"bytes", bytes},
                {"rows_per_second", rate},
                {"bytes_per_second", bytes / secs},
                {"eta_seconds", estimated && rate > 0 ? json(left / rate) : json(nullptr)}};
    if (!r.in_flight.statement_id.empty())
      in_flight = {{"stream", r.in_flight.stream},
                   {"statement_id", r.in_flight.statement_id},
                   {"sql", r.in_flight.sql},
                   {"started_at", time(r.in_flight.started_at)}};
  }
  return {{"id", r.id},
          {"sync_id", r.sync_id},
          {"status", r.status},
          {"trigger", r.trigger},
          {"attempt", r.attempt},
          {"scheduled_for", time(r.scheduled_for)},
          {"worker", r.worker.empty() ? json(nullptr) : json(r.worker)},
          {"cancel_requested", r.cancel_requested},
          {"streams", streams},
          {"progress", progress},
          {"in_flight", in_flight},
          {"error", error},
          {"created_at", time(r.created_at)},
          {"started_at", time(r.started_at)},
          {"finished_at", time(r.finished_at)}};
}

Status ReadStreams(const json& body, std::vector<SyncStreamSpec>* out) {
  auto it = body.find("streams");
  if (it == body.end() || it->is_null())
    return HttpError(400, "missing_field", "streams is required", "streams");
  if (!it->is_array()) return HttpError(400, "invalid_type", "streams must be a list", "streams");
  if (it->empty() || it->size() > 500)
    return HttpError(422, "invalid_value", "streams must name 1 to 500 streams", "streams");
  out->clear();
  for (size_t i = 0; i < it->size(); ++i) {
    std::string where = "streams[" + std::to_string(i) + "]";
    const json& s = (*it)[i];
    RSX_RETURN_IF_ERROR(OnlyFields(s, {"stream", "mode", "cursor", "primary_key"}, where));
    SyncStreamSpec spec;
    RSX_ASSIGN_OR_RETURN(spec.stream, GetString(s, "stream", where, true, 1024));
    if (auto parsed = ParseStreamName(spec.stream); !parsed.ok())
      return HttpError(422, "invalid_value", parsed.status().message(), where + ".stream");
    RSX_ASSIGN_OR_RETURN(spec.mode, GetString(s, "mode", where, false, 32));
    if (spec.mode.empty()) spec.mode = "full_refresh";
    if (spec.mode != "full_refresh" && spec.mode != "incremental")
      return HttpError(422, "invalid_value", where + ".mode must be full_refresh or incremental",
                       where + ".mode");
    RSX_ASSIGN_OR_RETURN(spec.cursor, GetString(s, "cursor", where, false, 1024));
    if (spec.mode == "incremental" && spec.cursor.empty())
      return HttpError(422, "missing_field", where + ".cursor is required for incremental",
                       where + ".cursor");
    RSX_ASSIGN_OR_RETURN(spec.primary_key, GetStrings(s, "primary_key", where));
    for (const auto& prev : *out)
      if (prev.stream == spec.stream)
        return HttpError(422, "invalid_value", where + ".stream is listed twice",
                         where + ".stream");
    out->push_back(std::move(spec));
  }
  return Status::OK();
}

Status ReadDestination(const json& body, SyncRecord* s) {
  auto it = body.find("destination");
  if (it == body.end() || it->is_null())
    return HttpError(400, "missing_field", "destination is required", "destination");
  RSX_RETURN_IF_ERROR(OnlyFields(*it, {"format", "path"}, "destination"));
  RSX_ASSIGN_OR_RETURN(s->format, GetString(*it, "format", "destination", false, 16));
  if (s->format.empty()) s->format = "jsonl";
  if (s->format != "jsonl" && s->format != "csv")
    return HttpError(422, "invalid_value", "destination.format must be jsonl or csv",
                     "destination.format");
  RSX_ASSIGN_OR_RETURN(s->path, GetString(*it, "path", "destination", false, 1024));
  if (s->path.empty()) s->path = "syncs/" + s->id;
  if (Status st = CheckDestinationPath(s->path); !st.ok())
    return HttpError(422, "invalid_value", "destination.path: " + st.message(), "destination.path");
  return Status::OK();
}

Status ReadSchedule(ApiContext& ctx, const json& body, SyncRecord* s) {
  auto it = body.find("schedule");
  if (it == body.end() || it->is_null()) {
    s->schedule_type = "manual";
    return Status::OK();
  }
  RSX_RETURN_IF_ERROR(
      OnlyFields(*it, {"type", "every_minutes", "every_seconds", "cron"}, "schedule"));
  RSX_ASSIGN_OR_RETURN(s->schedule_type, GetString(*it, "type", "schedule", true, 16));
  s->every_minutes = s->every_seconds = 0;
  s->cron.clear();
  if (s->schedule_type == "manual") return Status::OK();
  if (s->schedule_type == "interval") {
    RSX_ASSIGN_OR_RETURN(long long m, GetInt(*it, "every_minutes", "schedule", 0, 1, 525600));
    RSX_ASSIGN_OR_RETURN(long long sec, GetInt(*it, "every_seconds", "schedule", 0, 1, 31536000));
    if ((m > 0) == (sec > 0))
      return HttpError(422, "invalid_value",
                       "an interval schedule needs exactly one of every_minutes or every_seconds",
                       "schedule.every_minutes");
    if (sec > 0 && sec < ctx.options.min_interval_seconds)
      return HttpError(422, "out_of_range",
                       "schedule.every_seconds must be at least " +
                           std::to_string(ctx.options.min_interval_seconds) +
                           " (this service's shortest interval)",
                       "schedule.every_seconds");
    if (m > 0 && m * 60 < ctx.options.min_interval_seconds)
      return HttpError(422, "out_of_range",
                       "schedule.every_minutes is below this service's "
                       "shortest interval",
                       "schedule.every_minutes");
    s->every_minutes = static_cast<int>(m);
    s->every_seconds = static_cast<int>(sec);
    return Status::OK();
  }
  if (s->schedule_type == "cron") {
    RSX_ASSIGN_OR_RETURN(s->cron, GetString(*it, "cron", "schedule", true, 200));
    auto parsed = ParseCron(s->cron);
    if (!parsed.ok())
      return HttpError(422, "invalid_value", "schedule." + parsed.status().message(),
                       "schedule.cron");
    if (!NextCronTime(*parsed, NowMillis() / 1000))
      return HttpError(422, "invalid_value", "schedule.cron never matches a date", "schedule.cron");
    return Status::OK();
  }
  return HttpError(422, "invalid_value", "schedule.type must be manual, interval or cron",
                   "schedule.type");
}

// The streams exist and can be read as asked (a cursor column, a key): checked against the
// connection's live catalog, so a typo fails now and not at 3 a.m.
Status CheckAgainstCatalog(ApiContext& ctx, const SyncRecord& s) {
  RSX_ASSIGN_OR_RETURN(ConnectionRecord c, ctx.store.GetConnection(s.org_id, s.connection_id));
  RSX_ASSIGN_OR_RETURN(Organization org, ctx.store.GetOrganization(s.org_id));
  auto conn = ctx.connections->Get(c, org, ctx.options.runtime);
  if (!conn.ok())
    return HttpError(502, "aws_error", "cannot check the streams: " + conn.status().message());
  std::vector<std::string> schemas;
  for (const auto& spec : s.streams)
    if (auto p = ParseStreamName(spec.stream); p.ok()) schemas.push_back(p->first);
  std::sort(schemas.begin(), schemas.end());
  schemas.erase(std::unique(schemas.begin(), schemas.end()), schemas.end());
  // One discovery for every schema the streams name; only when a schema is unknown, one per
  // stream, to name the stream that asks for it.
  auto all = (*conn)->Discover(schemas);
  if (!all.ok() && all.status().code() != StatusCode::kNotFound)
    return HttpError(502, "aws_error", "cannot check the streams: " + all.status().message());
  for (size_t i = 0; i < s.streams.size(); ++i) {
    const auto& spec = s.streams[i];
    std::string where = "streams[" + std::to_string(i) + "]";
    auto schema = ParseStreamName(spec.stream);
    std::optional<Result<std::vector<Stream>>> own;
    if (!all.ok()) own = (*conn)->Discover({schema->first});
    const Result<std::vector<Stream>>& catalog = all.ok() ? all : *own;
    if (!catalog.ok()) {
      if (catalog.status().code() == StatusCode::kNotFound)
        return HttpError(422, "unknown_stream", where + ".stream: " + catalog.status().message(),
                         where + ".stream");
      return HttpError(502, "aws_error", "cannot check the streams: " + catalog.status().message());
    }
    StreamSelection sel;
    sel.streams = {spec.stream};
    sel.incremental = spec.mode == "incremental";
    sel.cursor = spec.cursor;
    sel.primary_key = spec.primary_key;
    auto planned = PlanStreams(*catalog, sel);
    if (!planned.ok()) {
      bool unknown = planned.status().code() == StatusCode::kNotFound;
      std::string field = unknown ? where + ".stream" : where;
      return HttpError(422, unknown ? "unknown_stream" : "invalid_value",
                       where + ": " + planned.status().message(), field);
    }
  }
  return Status::OK();
}

// Two syncs of an organization never share a folder (their files and states would clash).
Status CheckPathFree(ApiContext& ctx, const SyncRecord& s) {
  std::string after;
  do {
    RSX_ASSIGN_OR_RETURN(auto page, ctx.store.ListSyncs(s.org_id, after, 200));
    for (const auto& other : page.items) {
      if (other.id == s.id) continue;
      const std::string &a = other.path, &b = s.path;
      bool clash = a == b || util::StartsWith(a, b + "/") || util::StartsWith(b, a + "/");
      if (clash)
        return HttpError(409, "conflict",
                         "destination.path overlaps the folder of sync " + other.id,
                         "destination.path");
    }
    after = page.next;
  } while (!after.empty());
  return Status::OK();
}

Result<SyncRecord> OwnSync(ApiContext& ctx, const Call& call) {
  auto s = ctx.store.GetSync(call.org_id, call.params[0]);
  if (!s.ok() && s.status().code() == StatusCode::kNotFound) return NotFound("sync");
  return s;
}

Result<RunRecord> OwnRun(ApiContext& ctx, const Call& call) {
  auto r = ctx.store.GetRun(call.org_id, call.params[0]);
  if (!r.ok() && r.status().code() == StatusCode::kNotFound) return NotFound("run");
  return r;
}

Result<bool> HasActiveRun(ApiContext& ctx, const SyncRecord& s) {
  RSX_ASSIGN_OR_RETURN(auto page, ctx.store.ListRuns(s.org_id, s.id, "", 1));
  return !page.items.empty() && RunActive(page.items[0].status);
}

const std::vector<const char*> kSyncFields = {"name",     "connection_id", "streams", "destination",
                                              "schedule", "chunk_rows",    "enabled"};

}  // namespace

Result<Reply> CreateSync(ApiContext& ctx, Call& call) {
  RSX_RETURN_IF_ERROR(OnlyFields(call.body, kSyncFields, ""));
  SyncRecord s;
  s.id = NewId("sync");
  s.org_id = call.org_id;
  RSX_ASSIGN_OR_RETURN(s.name, GetString(call.body, "name", "", false, 200));
  RSX_ASSIGN_OR_RETURN(s.connection_id, GetString(call.body, "connection_id", "", true, 100));
  if (!ctx.store.GetConnection(call.org_id, s.connection_id).ok())
    return HttpError(404, "not_found", "connection_id: connection not found", "connection_id");
  RSX_RETURN_IF_ERROR(ReadStreams(call.body, &s.streams));
  RSX_RETURN_IF_ERROR(ReadDestination(call.body, &s));
  RSX_RETURN_IF_ERROR(ReadSchedule(ctx, call.body, &s));
  RSX_ASSIGN_OR_RETURN(s.chunk_rows, GetInt(call.body, "chunk_rows", "", 100000, 1, 10000000));
  RSX_ASSIGN_OR_RETURN(s.enabled, GetBool(call.body, "enabled", "", true));
  RSX_RETURN_IF_ERROR(CheckPathFree(ctx, s));
  RSX_RETURN_IF_ERROR(CheckAgainstCatalog(ctx, s));
  int64_t now = NowMillis();
  s.created_at = s.updated_at = now;
  RSX_ASSIGN_OR_RETURN(s.next_run_at, NextRunAt(s, 0, now));
  RSX_RETURN_IF_ERROR(ctx.store.PutSync(s, true));
  return Reply{201, SyncJson(s)};
}

Result<Reply> ListSyncs(ApiContext& ctx, Call& call) {
  RSX_ASSIGN_OR_RETURN(int limit, PageLimit(call));
  RSX_ASSIGN_OR_RETURN(auto page, ctx.store.ListSyncs(call.org_id, call.query["after"], limit));
  json items = json::array();
  for (const auto& s : page.items) items.push_back(SyncJson(s));
  return PageReply(std::move(items), page.next);
}

Result<Reply> GetSync(ApiContext& ctx, Call& call) {
  RSX_ASSIGN_OR_RETURN(SyncRecord s, OwnSync(ctx, call));
  return Reply{200, SyncJson(s)};
}

Result<Reply> PatchSync(ApiContext& ctx, Call& call) {
  RSX_ASSIGN_OR_RETURN(SyncRecord s, OwnSync(ctx, call));
  RSX_RETURN_IF_ERROR(OnlyFields(call.body, kSyncFields, ""));
  const json& b = call.body;
  std::string old_path = s.path, old_conn = s.connection_id;
  bool reads_change =
      b.contains("streams") || b.contains("destination") || b.contains("connection_id");
  if (reads_change) {
    RSX_ASSIGN_OR_RETURN(bool active, HasActiveRun(ctx, s));
    if (active)
      return HttpError(409, "conflict", "a run of this sync is active: cancel it or wait");
  }
  if (b.contains("name")) {
    RSX_ASSIGN_OR_RETURN(s.name, GetString(b, "name", "", false, 200));
  }
  if (b.contains("connection_id")) {
    RSX_ASSIGN_OR_RETURN(s.connection_id, GetString(b, "connection_id", "", true, 100));
    if (!ctx.store.GetConnection(call.org_id, s.connection_id).ok())
      return HttpError(404, "not_found", "connection_id: connection not found", "connection_id");
  }
  if (b.contains("streams")) RSX_RETURN_IF_ERROR(ReadStreams(b, &s.streams));
  if (b.contains("destination")) RSX_RETURN_IF_ERROR(ReadDestination(b, &s));
  const int64_t now = NowMillis();  // next_run_at is computed from updated_at
  if (b.contains("enabled")) {
    RSX_ASSIGN_OR_RETURN(s.enabled, GetBool(b, "enabled", "", true));
  }
  if (b.contains("schedule")) RSX_RETURN_IF_ERROR(ReadSchedule(ctx, b, &s));
  if (b.contains("schedule") || b.contains("enabled")) {
    RSX_ASSIGN_OR_RETURN(s.next_run_at, NextRunAt(s, 0, now));
  }
  if (b.contains("chunk_rows")) {
    RSX_ASSIGN_OR_RETURN(s.chunk_rows, GetInt(b, "chunk_rows", "", 100000, 1, 10000000));
  }
  if (reads_change) {
    RSX_RETURN_IF_ERROR(CheckPathFree(ctx, s));
    RSX_RETURN_IF_ERROR(CheckAgainstCatalog(ctx, s));
  }
  s.updated_at = now;
  RSX_RETURN_IF_ERROR(ctx.store.PutSync(s, false));
  // Another folder or another workgroup: the saved positions no longer describe the files.
  if (s.path != old_path || s.connection_id != old_conn)
    RSX_RETURN_IF_ERROR(ctx.store.SaveState(s.org_id, s.id, ""));
  return Reply{200, SyncJson(s)};
}

Result<Reply> DeleteSync(ApiContext& ctx, Call& call) {
  return Deleted(ctx.store.DeleteSync(call.org_id, call.params[0]), "sync");
}

Result<Reply> StartRun(ApiContext& ctx, Call& call) {
  RSX_ASSIGN_OR_RETURN(SyncRecord s, OwnSync(ctx, call));
  RunRecord r;
  r.id = NewId("run");
  r.org_id = s.org_id;
  r.sync_id = s.id;
  r.trigger = "manual";
  r.created_at = NowMillis();
  Status st = ctx.store.CreateRun(r);
  if (st.code() == StatusCode::kConflict)
    return HttpError(409, "run_active", "a run of this sync is already queued or running");
  RSX_RETURN_IF_ERROR(st);
  ctx.runner.Wake();
  return Reply{201, RunJson(r)};
}

Result<Reply> ListRuns(ApiContext& ctx, Call& call) {
  RSX_ASSIGN_OR_RETURN(SyncRecord s, OwnSync(ctx, call));
  RSX_ASSIGN_OR_RETURN(int limit, PageLimit(call));
  RSX_ASSIGN_OR_RETURN(auto page,
                       ctx.store.ListRuns(call.org_id, s.id, call.query["after"], limit));
  json items = json::array();
  for (const auto& r : page.items) items.push_back(RunJson(r));
  return PageReply(std::move(items), page.next);
}

Result<Reply> GetRun(ApiContext& ctx, Call& call) {
  RSX_ASSIGN_OR_RETURN(RunRecord r, OwnRun(ctx, call));
  return Reply{200, RunJson(r)};
}

Result<Reply> CancelRun(ApiContext& ctx, Call& call) {
  RSX_ASSIGN_OR_RETURN(RunRecord r, OwnRun(ctx, call));
  if (!RunActive(r.status))
    return HttpError(409, "run_ended", "the run has already ended (" + r.status + ")");
  RSX_ASSIGN_OR_RETURN(r, ctx.store.RequestCancel(call.org_id, r.id, NowMillis()));
  if (r.status == "running") ctx.runner.CancelLocal(r.id);
  return Reply{202, RunJson(r)};
}

Result<Reply> RunLogs(ApiContext& ctx, Call& call) {
  RSX_ASSIGN_OR_RETURN(RunRecord r, OwnRun(ctx, call));
  RSX_ASSIGN_OR_RETURN(int limit, PageLimit(call));
  RSX_ASSIGN_OR_RETURN(auto page,
                       ctx.store.ListLogs(call.org_id, r.id, call.query["after"], limit));
  json items = json::array();
  for (const auto& l : page.items)
    items.push_back(
        {{"seq", l.seq}, {"at", Rfc3339(l.at)}, {"level", l.level}, {"message", l.message}});
  return PageReply(std::move(items), page.next);
}

// The next five times a schedule would run, from now, in UTC: what a form shows before saving.
Result<Reply> PreviewSchedule(ApiContext& ctx, Call& call) {
  RSX_RETURN_IF_ERROR(OnlyFields(call.body, {"schedule"}, ""));
  SyncRecord s;
  if (!call.body.contains("schedule") || call.body["schedule"].is_null())
    return HttpError(400, "missing_field", "schedule is required", "schedule");
  RSX_RETURN_IF_ERROR(ReadSchedule(ctx, call.body, &s));
  json next = json::array();
  int64_t now = NowMillis(), at = 0;
  for (int i = 0; i < 5 && s.schedule_type != "manual"; ++i) {
    RSX_ASSIGN_OR_RETURN(at, NextRunAt(s, at, i == 0 ? now : at));
    if (at <= 0) break;
    next.push_back(Rfc3339(at));
  }
  return Reply{200, {{"schedule", SyncJson(s)["schedule"]}, {"next", next}}};
}

namespace {

// The regular files directly in the sync's folder (symbolic links and folders are skipped).
Result<std::vector<std::pair<std::string, struct stat>>> Files(ApiContext& ctx,
                                                               const SyncRecord& s) {
  std::vector<std::pair<std::string, struct stat>> out;
  if (!CheckDestinationPath(s.path).ok()) return out;
  std::string dir = ctx.options.data_dir + "/" + s.org_id + "/" + s.path;
  DIR* d = opendir(dir.c_str());
  if (!d) return out;
  while (dirent* e = readdir(d)) {
    std::string name = e->d_name;
    if (name == "." || name == ".." || util::EndsWith(name, ".rsx-partial")) continue;
    struct stat st;
    if (lstat((dir + "/" + name).c_str(), &st) == 0 && S_ISREG(st.st_mode))
      out.emplace_back(name, st);
  }
  closedir(d);
  std::sort(out.begin(), out.end(), [](const auto& a, const auto& b) { return a.first < b.first; });
  return out;
}

}  // namespace

Result<Reply> ListFiles(ApiContext& ctx, Call& call) {
  RSX_ASSIGN_OR_RETURN(SyncRecord s, OwnSync(ctx, call));
  RSX_ASSIGN_OR_RETURN(auto files, Files(ctx, s));
  json items = json::array();
  for (const auto& [name, st] : files)
    items.push_back({{"name", name},
                     {"bytes", static_cast<long long>(st.st_size)},
                     {"modified_at", Rfc3339(static_cast<int64_t>(st.st_mtime) * 1000)}});
  return Reply{200, {{"path", s.path}, {"items", items}, {"next", nullptr}}};
}

Result<Reply> GetFile(ApiContext& ctx, Call& call) {
  RSX_ASSIGN_OR_RETURN(SyncRecord s, OwnSync(ctx, call));
  RSX_ASSIGN_OR_RETURN(auto files, Files(ctx, s));
  const std::string& want = call.params[1];
  for (const auto& [name, st] : files) {
    if (name != want) continue;  // only a name the listing holds: no path reaches the disk
    std::string path = ctx.options.data_dir + "/" + s.org_id + "/" + s.path + "/" + name;
    auto data = ReadTextFile(path, "file");
    if (!data.ok())
      return HttpError(413, "too_large", "the file cannot be served: " + data.status().message());
    Reply r;
    r.raw = std::move(*data);
    r.content_type = util::EndsWith(name, ".csv")     ? "text/csv"
                     : util::EndsWith(name, ".jsonl") ? "application/x-ndjson"
                     : util::EndsWith(name, ".json")  ? "application/json"
                                                      : "application/octet-stream";
    return r;
  }
  return NotFound("file");
}

}  // namespace rsx::service::api
