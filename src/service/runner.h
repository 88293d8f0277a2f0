#pragma once
// The service's workers: a scheduler that queues runs of due syncs, a bounded pool that claims
// queued runs (with a lease renewed by a heartbeat) and executes them with the library's sync
// engine, keeping each sync's state in the store.

#include <atomic>
#include <condition_variable>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

#include "rsx/service.h"
#include "service/store.h"

namespace rsx::service {

// Counters for /metrics.
struct Metrics {
  std::atomic<long long> rows{0}, bytes{0}, statements{0}, runs_started{0};
  std::mutex mu;
  std::map<std::string, long long> http;  // "METHOD status" -> requests; guarded by mu
};

// When the sync runs next after `now`: interval schedules keep their phase from `base` (a
// schedule missed while the service was down runs once, not once per missed slot); cron from
// `now`. 0 for manual.
Result<int64_t> NextRunAt(const SyncRecord& s, int64_t base, int64_t now);

class Runner {
 public:
  Runner(Store& store, const ServeOptions& options, Metrics& metrics);
  ~Runner();
  void Start();
  // Graceful: interrupts running syncs at their checkpoint and puts them back in the queue.
  void Stop();
  void Wake();  // a run was queued
  // The run is executing here: interrupt it now (the store already holds the cancel flag).
  void CancelLocal(const std::string& run_id);
  const std::string& owner() const { return owner_; }

 private:
  struct Active {
    RunRecord run;
    std::atomic<bool> interrupted{false};
    std::atomic<bool> cancel{false}, shutdown{false}, lease_lost{false};
  };
  void WorkerLoop();
  void SchedulerLoop();
  void HeartbeatLoop();
  void HealthLoop();  // re-checks connections whose health is older than the interval
  void Execute(const std::shared_ptr<Active>& a);
  Status ExecuteSync(const std::shared_ptr<Active>& a, RunRecord& run);
  void Log(const RunRecord& run, const std::string& level, const std::string& message);

  Store& store_;
  const ServeOptions& options_;
  Metrics& metrics_;
  std::string owner_;
  std::atomic<bool> stopping_{false};
  std::mutex mu_;
  std::condition_variable cv_;
  std::map<std::string, std::shared_ptr<Active>> active_;  // guarded by mu_
  std::vector<std::thread> threads_;
};

}  // namespace rsx::service
