#pragma once
// Where the service keeps its records. Every method that reads or changes an organization's
// objects takes the organization's id and matches it in the query: an id of another
// organization is kNotFound, exactly like an id that does not exist. The few calls that span
// organizations (the scheduler's due syncs, claiming queued runs, expired leases, metrics) say
// so and return ids the worker then uses with their organization.
//
// Thread-safe. Times are Unix milliseconds.

#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "service/model.h"

namespace rsx::service {

template <class T>
struct Page {
  std::vector<T> items;
  std::string next;  // "" at the end; else the cursor for the next page
};

struct LogLine {
  long long seq = 0;
  int64_t at = 0;
  std::string level, message;
};

struct IdempotentReply {
  std::string fingerprint;  // method, path and SHA-256 of the body
  int status = 0;
  std::string body;
};

class Store {
 public:
  // "sqlite:PATH" (created 0600 when missing; one process) or PostgreSQL: "postgresql://..."
  // or "postgresql:<conninfo>" (`connections` connections; several processes may share it).
  // Applies the schema migrations it lacks (one process at a time).
  static Result<std::unique_ptr<Store>> Open(const std::string& spec, int connections = 4);
  virtual ~Store() = default;
  virtual int SchemaVersion() = 0;
  virtual bool shared() const = 0;  // several processes may use it (PostgreSQL)

  // Organizations and their API keys. `key` is the first key, created with the organization.
  virtual Status CreateOrganization(const Organization& org, const ApiKey& key) = 0;
  virtual Result<Organization> GetOrganization(const std::string& org_id) = 0;
  // By key id, across organizations: the authentication step (kNotFound).
  virtual Result<ApiKey> FindApiKey(const std::string& key_id) = 0;
  virtual Status CreateApiKey(const ApiKey& key) = 0;
  virtual Result<std::vector<ApiKey>> ListApiKeys(const std::string& org_id) = 0;
  virtual Status RevokeApiKey(const std::string& org_id, const std::string& key_id,
                              int64_t now) = 0;

  // Connections. A name is unique in its organization (kConflict).
  virtual Status PutConnection(const ConnectionRecord& c, bool create) = 0;
  virtual Result<ConnectionRecord> GetConnection(const std::string& org_id,
                                                 const std::string& id) = 0;
  virtual Result<Page<ConnectionRecord>> ListConnections(const std::string& org_id,
                                                         const std::string& after, int limit) = 0;
  // kConflict while a sync uses it.
  virtual Status DeleteConnection(const std::string& org_id, const std::string& id) = 0;
  // Only the health fields (a concurrent PATCH of the connection is not undone).
  virtual Status SetConnectionHealth(const std::string& org_id, const std::string& id,
                                     const std::string& health, const std::string& message,
                                     int64_t at) = 0;
  // Every connection (the health refresher; across organizations).
  virtual Result<std::vector<ConnectionRecord>> AllConnections() = 0;

  // Syncs, their state and schedule.
  virtual Status PutSync(const SyncRecord& s, bool create) = 0;
  virtual Result<SyncRecord> GetSync(const std::string& org_id, const std::string& id) = 0;
  // Statements of the query box.
  virtual Status PutQuery(const QueryRecord& q, bool create) = 0;
  virtual Result<QueryRecord> GetQuery(const std::string& org_id, const std::string& id) = 0;
  virtual Result<Page<SyncRecord>> ListSyncs(const std::string& org_id, const std::string& after,
                                             int limit) = 0;
  // kConflict while a run is active; removes its runs, logs and state.
  virtual Status DeleteSync(const std::string& org_id, const std::string& id) = 0;
  virtual Result<std::string> LoadState(const std::string& org_id, const std::string& sync_id) = 0;
  virtual Status SaveState(const std::string& org_id, const std::string& sync_id,
                           const std::string& state) = 0;
  // Across organizations: scheduled syncs with next_run_at <= now. The scheduler then calls
  // ScheduleRun for each.
  virtual Result<std::vector<SyncRecord>> DueSyncs(int64_t now) = 0;
  // Atomically: when next_run_at is still `due_at`, set it to `next` and (unless a run of the
  // sync is active) queue `run`. Returns whether a run was queued; a slot skipped because a run
  // was active is written to that run's log. Two schedulers racing for
  // one slot: one wins, the other sees next_run_at moved and queues nothing.
  virtual Result<bool> ScheduleRun(const std::string& org_id, const std::string& sync_id,
                                   int64_t due_at, int64_t next, const RunRecord& run) = 0;

  // Runs. kConflict when the sync already has a queued or running run.
  virtual Status CreateRun(const RunRecord& r) = 0;
  virtual Result<RunRecord> GetRun(const std::string& org_id, const std::string& id) = 0;
  virtual Result<Page<RunRecord>> ListRuns(const std::string& org_id, const std::string& sync_id,
                                           const std::string& after, int limit) = 0;
  // Across organizations: the oldest queued run, now running under `owner` until
  // `lease_until`; nullopt when none is queued.
  virtual Result<std::optional<RunRecord>> ClaimRun(const std::string& owner,
                                                    int64_t lease_until) = 0;
  // Writes the run's document and status, while `owner` holds its lease. kNotFound when it no
  // longer does (the lease ran out and the run went back to the queue). The cancel flag is left
  // as it is.
  virtual Status UpdateRun(const RunRecord& r, const std::string& owner) = 0;
  // Extends `owner`'s lease; returns whether a cancel was requested. kNotFound when the run is
  // no longer running under this owner (the lease was lost).
  virtual Result<bool> Heartbeat(const std::string& org_id, const std::string& run_id,
                                 const std::string& owner, int64_t lease_until) = 0;
  // Queued: cancelled at once. Running: the flag is set for its worker. Returns the run.
  virtual Result<RunRecord> RequestCancel(const std::string& org_id, const std::string& id,
                                          int64_t now) = 0;
  // Across organizations: running runs whose lease ended before `now` go back to the queue
  // (attempt + 1) to resume from their checkpoint. Returns how many.
  virtual Result<int> RequeueExpired(int64_t now) = 0;
  // Puts one run of `owner` back in the queue (a graceful shutdown).
  virtual Status Requeue(const std::string& org_id, const std::string& run_id,
                         const std::string& owner) = 0;

  virtual Status AppendLog(const std::string& org_id, const std::string& run_id, int64_t at,
                           const std::string& level, const std::string& message) = 0;
  virtual Result<Page<LogLine>> ListLogs(const std::string& org_id, const std::string& run_id,
                                         const std::string& after, int limit) = 0;

  // Idempotency-Key answers, per scope (an organization id, or "admin"), kept 24 hours.
  virtual Result<std::optional<IdempotentReply>> GetIdempotent(const std::string& scope,
                                                               const std::string& key,
                                                               int64_t not_before) = 0;
  virtual Status PutIdempotent(const std::string& scope, const std::string& key, int64_t at,
                               const IdempotentReply& reply) = 0;

  // Across organizations, for /metrics: runs per status.
  virtual Result<std::map<std::string, long long>> CountRunsByStatus() = 0;
};

}  // namespace rsx::service
