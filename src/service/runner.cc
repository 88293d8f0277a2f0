#include "service/runner.h"

#include <sys/stat.h>

#include <cerrno>
#include <chrono>
#include <cstring>

#include "rsx/crypto.h"
#include "rsx/strings.h"
#include "service/cron.h"
#include "service/keys.h"

namespace rsx::service {
namespace {

// A sync's state, in the store.
class StoreStateStore : public StateStore {
 public:
  StoreStateStore(Store& store, std::string org, std::string sync)
      : store_(store), org_(std::move(org)), sync_(std::move(sync)) {}
  Result<std::string> Load() override { return store_.LoadState(org_, sync_); }
  Status Save(const std::string& state_json) override {
    return store_.SaveState(org_, sync_, state_json);
  }

 private:
  Store& store_;
  std::string org_, sync_;
};

Status MakeDirs(const std::string& path) {
  for (size_t i = 1; i <= path.size(); ++i) {
    if (i != path.size() && path[i] != '/') continue;
    std::string cur = path.substr(0, i);
    if (mkdir(cur.c_str(), 0700) != 0 && errno != EEXIST)
      return Status::IoError("cannot create " + cur + ": " + std::strerror(errno));
  }
  return Status::OK();
}

}  // namespace

Result<int64_t> NextRunAt(const SyncRecord& s, int64_t base, int64_t now) {
  if (!s.enabled) return int64_t{0};
  if (s.schedule_type == "interval") {
    int64_t period = s.every_seconds > 0 ? s.every_seconds * 1000LL : s.every_minutes * 60000LL;
    if (period <= 0) return Status::InvalidArgument("schedule: the interval is not positive");
    if (base <= 0 || base > now) return now + period;
    return base + ((now - base) / period + 1) * period;
  }
  if (s.schedule_type == "cron") {
    RSX_ASSIGN_OR_RETURN(CronSchedule c, ParseCron(s.cron));
    auto next = NextCronTime(c, now / 1000);
    if (!next) return Status::InvalidArgument("schedule.cron: the expression never matches");
    return *next * 1000;
  }
  return int64_t{0};
}

Runner::Runner(Store& store, const ServeOptions& options, Metrics& metrics)
    : store_(store), options_(options), metrics_(metrics), owner_(NewId("worker")) {}

Runner::~Runner() { Stop(); }

void Runner::Start() {
  for (int i = 0; i < options_.workers; ++i) threads_.emplace_back([this] { WorkerLoop(); });
  threads_.emplace_back([this] { SchedulerLoop(); });
  threads_.emplace_back([this] { HeartbeatLoop(); });
  if (options_.health_interval_seconds > 0) threads_.emplace_back([this] { HealthLoop(); });
}

void Runner::Stop() {
  if (stopping_.exchange(true)) return;
  {
    std::lock_guard<std::mutex> lock(mu_);
    for (auto& [id, a] : active_) {
      a->shutdown = true;
      a->interrupted = true;
    }
  }
  cv_.notify_all();
  for (auto& t : threads_)
    if (t.joinable()) t.join();
  threads_.clear();
}

void Runner::Wake() { cv_.notify_one(); }

void Runner::CancelLocal(const std::string& run_id) {
  std::lock_guard<std::mutex> lock(mu_);
  auto it = active_.find(run_id);
  if (it == active_.end()) return;
  it->second->cancel = true;
  it->second->interrupted = true;
}

void Runner::Log(const RunRecord& run, const std::string& level, const std::string& message) {
  (void)store_.AppendLog(run.org_id, run.id, NowMillis(), level, message);
}

void Runner::WorkerLoop() {
  while (!stopping_) {
    auto claimed = store_.ClaimRun(owner_, NowMillis() + options_.lease_seconds * 1000LL);
    if (!claimed.ok() || !claimed->has_value()) {
      std::unique_lock<std::mutex> lock(mu_);
      cv_.wait_for(lock, std::chrono::milliseconds(500));
      continue;
    }
    auto a = std::make_shared<Active>();
    a->run = std::move(**claimed);
    {
      std::lock_guard<std::mutex> lock(mu_);
      active_[a->run.id] = a;
      if (stopping_) a->shutdown = a->interrupted = true;
    }
    Execute(a);
    std::lock_guard<std::mutex> lock(mu_);
    active_.erase(a->run.id);
  }
}

void Runner::SchedulerLoop() {
  while (!stopping_) {
    int64_t now = NowMillis();
    auto due = store_.DueSyncs(now);
    if (due.ok()) {
      for (const SyncRecord& s : *due) {
        auto next = NextRunAt(s, s.next_run_at, now);
        RunRecord run;
        run.id = NewId("run");
        run.org_id = s.org_id;
        run.sync_id = s.id;
        run.trigger = "schedule";
        run.created_at = now;
        run.scheduled_for = s.next_run_at;
        auto queued = store_.ScheduleRun(s.org_id, s.id, s.next_run_at, next.ok() ? *next : 0, run);
        if (queued.ok() && *queued) Wake();
      }
    } else {
      options_.log("rsx serve: scheduler: " + due.status().ToString());
    }
    std::unique_lock<std::mutex> lock(mu_);
    cv_.wait_for(lock, std::chrono::milliseconds(1000), [this] { return stopping_.load(); });
  }
}

void Runner::HeartbeatLoop() {
  auto period = std::chrono::milliseconds(std::max(200, options_.lease_seconds * 1000 / 3));
  while (!stopping_) {
    std::vector<std::shared_ptr<Active>> runs;
    {
      std::unique_lock<std::mutex> lock(mu_);
      cv_.wait_for(lock, std::min(period, std::chrono::milliseconds(500)),
                   [this] { return stopping_.load(); });
      if (stopping_) break;
      for (auto& [id, a] : active_) runs.push_back(a);
    }
    int64_t now = NowMillis();
    for (auto& a : runs) {
      auto cancel =
          store_.Heartbeat(a->run.org_id, a->run.id, owner_, now + options_.lease_seconds * 1000LL);
      if (!cancel.ok() && cancel.status().code() == StatusCode::kNotFound) {
        a->lease_lost = true;
        a->interrupted = true;
      } else if (cancel.ok() && *cancel) {
        a->cancel = true;
        a->interrupted = true;
      }
    }
    // Runs of workers that stopped renewing their lease (a process killed) go back to the
    // queue and resume from their checkpoint.
    if (auto n = store_.RequeueExpired(now); n.ok() && *n > 0) Wake();
  }
}

void Runner::HealthLoop() {
  const int64_t interval = options_.health_interval_seconds * 1000LL;
  while (!stopping_) {
    {
      std::unique_lock<std::mutex> lock(mu_);
      cv_.wait_for(lock, std::chrono::seconds(1), [this] { return stopping_.load(); });
    }
    auto all = store_.AllConnections();
    if (!all.ok()) continue;
    for (const ConnectionRecord& c : *all) {
      if (stopping_) break;
      int64_t now = NowMillis();
      if (c.health_checked_at != 0 && now - c.health_checked_at < interval) continue;
      auto org = store_.GetOrganization(c.org_id);
      if (!org.ok()) continue;
      // Marked first, so other processes (and the next pass) skip it while it is checked.
      if (!store_.SetConnectionHealth(c.org_id, c.id, c.health, c.health_message, now).ok())
        continue;
      CheckReport report =
          CheckConnection(ConnectionConfigOf(c, *org), *options_.runtime, &stopping_);
      if (stopping_) break;  // interrupted: the connection is not failing, the service is stopping
      (void)store_.SetConnectionHealth(c.org_id, c.id, report.ok() ? "ok" : "failing",
                                       HealthMessage(report), NowMillis());
    }
  }
}

void Runner::Execute(const std::shared_ptr<Active>& a) {
  RunRecord& run = a->run;
  metrics_.runs_started++;
  Log(run, "info",
      "run started (attempt " + std::to_string(run.attempt) + ", trigger " + run.trigger +
          ", worker " + owner_ + ")");
  Status st = ExecuteSync(a, run);
  if (a->lease_lost) {
    Log(run, "warning", "the run's lease was lost: another worker continues it");
    return;
  }
  if (a->shutdown && !a->cancel && (st.ok() ? false : st.code() == StatusCode::kCancelled)) {
    Log(run, "info", "the service is stopping: the run goes back to the queue at its checkpoint");
    (void)store_.UpdateRun(run, owner_);
    (void)store_.Requeue(run.org_id, run.id, owner_);
    return;
  }
  run.finished_at = NowMillis();
  run.in_flight = InFlight{};
  if (st.ok()) {
    run.status = "succeeded";
    Log(run, "info", "run succeeded");
  } else if (st.code() == StatusCode::kCancelled && a->cancel) {
    run.status = "cancelled";
    run.error_code = "Cancelled";
    run.error_message = st.message();
    run.statement_id = st.detail("statement_id");
    Log(run, "info", "run cancelled: " + st.ToString());
  } else {
    run.status = "failed";
    run.error_code = StatusCodeName(st.code());
    run.error_message = st.message();
    run.statement_id = st.detail("statement_id");
    run.aws_error = st.detail("aws_error");
    Log(run, "error", "run failed: " + st.ToString());
  }
  if (Status saved = store_.UpdateRun(run, owner_); !saved.ok())
    options_.log("rsx serve: cannot record the end of run " + run.id + ": " + saved.ToString());
}

Status Runner::ExecuteSync(const std::shared_ptr<Active>& a, RunRecord& run) {
  RSX_ASSIGN_OR_RETURN(SyncRecord sync, store_.GetSync(run.org_id, run.sync_id));
  RSX_ASSIGN_OR_RETURN(ConnectionRecord conn, store_.GetConnection(run.org_id, sync.connection_id));
  RSX_ASSIGN_OR_RETURN(Organization org, store_.GetOrganization(run.org_id));
  RSX_RETURN_IF_ERROR(CheckDestinationPath(sync.path).Prepend("destination.path"));

  ConnectionConfig cfg = ConnectionConfigOf(conn, org);
  Log(run, "info", "assuming " + conn.role_arn + " with the organization's external ID");
  RSX_ASSIGN_OR_RETURN(auto connection, Connection::Open(cfg, options_.runtime));

  // One stream at a time through PlanStreams, each with its own mode and cursor.
  std::vector<StreamSelection> selections;
  std::vector<std::string> schemas;
  for (const SyncStreamSpec& spec : sync.streams) {
    StreamSelection sel;
    sel.streams = {spec.stream};
    sel.incremental = spec.mode == "incremental";
    sel.cursor = spec.cursor;
    sel.primary_key = spec.primary_key;
    RSX_ASSIGN_OR_RETURN(auto sch, SelectionSchemas(sel));
    schemas.insert(schemas.end(), sch.begin(), sch.end());
    selections.push_back(std::move(sel));
  }
  std::sort(schemas.begin(), schemas.end());
  schemas.erase(std::unique(schemas.begin(), schemas.end()), schemas.end());
  RSX_ASSIGN_OR_RETURN(auto catalog, connection->Discover(schemas));
  std::vector<StreamSyncConfig> configs;
  for (const auto& sel : selections) {
    RSX_ASSIGN_OR_RETURN(auto planned, PlanStreams(catalog, sel));
    configs.insert(configs.end(), planned.begin(), planned.end());
  }
  if (run.streams.size() != sync.streams.size()) {
    run.streams.clear();
    for (const auto& spec : sync.streams) run.streams.push_back(RunStream{spec.stream});
  }
  std::string out_dir = options_.data_dir + "/" + run.org_id + "/" + sync.path;
  RSX_RETURN_IF_ERROR(MakeDirs(out_dir));

  StoreStateStore state(store_, run.org_id, run.sync_id);
  SyncOptions so;
  so.out_dir = out_dir;
  so.format = sync.format;
  so.chunk_rows = sync.chunk_rows;
  so.parallel = 1;  // chunk by chunk: every chunk is a checkpoint a resumed run continues from
  so.state_store = &state;
  so.interrupted = &a->interrupted;
  so.statement_timeout = connection->DefaultStatementTimeout();
  so.warn = [&](const std::string& w) { Log(run, "warning", w); };
  so.key_advice =
      "Set the stream's primary_key in the sync (PATCH /api/v1/syncs/{id}) to a unique, "
      "non-null key";
  auto last_saved = std::chrono::steady_clock::now();
  // Progress: the stream's rows so far and the bytes of the chunk just written; saved at most
  // twice a second.
  for (size_t i = 0; i < run.streams.size(); ++i) {
    RunStream& rs = run.streams[i];
    rs.rows = rs.bytes = rs.statements = 0;
    rs.row_estimate = i < configs.size() ? configs[i].stream.row_estimate : -1;
  }
  // The statement in flight is saved as soon as it was accepted.
  so.statement = [&](const std::string& stream, const std::string& id, const std::string& sql) {
    run.in_flight = InFlight{stream, id, sql.substr(0, 4000), NowMillis()};
    for (size_t i = 0; i < configs.size() && i < run.streams.size(); ++i)
      if (configs[i].stream.schema + "." + configs[i].stream.table == stream) {
        run.streams[i].statements++;
        run.streams[i].status = "running";
      }
    (void)store_.UpdateRun(run, owner_);
  };
  so.progress = [&](const std::string& stream, long long rows, long long bytes) {
    for (size_t i = 0; i < configs.size() && i < run.streams.size(); ++i) {
      std::string name = configs[i].stream.schema + "." + configs[i].stream.table;
      if (name != stream) continue;
      metrics_.rows += rows - run.streams[i].rows;
      metrics_.bytes += bytes;
      run.streams[i].rows = rows;
      run.streams[i].bytes += bytes;
      run.streams[i].status = "running";
    }
    auto now = std::chrono::steady_clock::now();
    if (now - last_saved > std::chrono::milliseconds(500)) {
      last_saved = now;
      (void)store_.UpdateRun(run, owner_);
    }
  };
  Log(run, "info", "syncing " + std::to_string(configs.size()) + " stream(s) to " + sync.path);
  auto results = connection->Sync(configs, so);
  if (!results.ok()) return results.status();
  for (size_t i = 0; i < results->size() && i < run.streams.size(); ++i) {
    const StreamResult& r = (*results)[i];
    run.streams[i].rows = r.rows;
    run.streams[i].statements = r.statements;
    run.streams[i].status = "complete";
    metrics_.statements += r.statements;
    Log(run, "info",
        r.name + ": " + std::to_string(r.rows) + " rows in " + std::to_string(r.statements) +
            " statement(s)");
  }
  RSX_RETURN_IF_ERROR(WriteManifest(out_dir, conn.name, so, configs, *results));
  return Status::OK();
}

}  // namespace rsx::service
