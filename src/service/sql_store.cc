// The store's SQL, once for both databases (db.h): SQLite for one process, PostgreSQL for
// several. Rows that several processes race for are locked (FOR UPDATE [SKIP LOCKED]) where the
// database can; SQLite serialises every write transaction anyway (BEGIN IMMEDIATE).

#include <cstdint>
#include <optional>

#include "rsx/strings.h"
#include "service/db.h"
#include "service/store.h"

namespace rsx::service {
namespace {

// The schema, one migration per version; applied in order at start, each in a transaction.
// {{SERIAL}} is the dialect's auto-increment key; times are BIGINT milliseconds.
const char* const kMigrations[] = {
    R"sql(
CREATE TABLE organizations (seq {{SERIAL}}, id TEXT NOT NULL UNIQUE,
  name TEXT NOT NULL, external_id TEXT NOT NULL UNIQUE, created_at BIGINT NOT NULL);
CREATE TABLE api_keys (seq {{SERIAL}}, id TEXT NOT NULL UNIQUE,
  org_id TEXT NOT NULL, name TEXT NOT NULL, salt TEXT NOT NULL, hash TEXT NOT NULL,
  created_at BIGINT NOT NULL, revoked_at BIGINT NOT NULL DEFAULT 0);
CREATE INDEX api_keys_org ON api_keys (org_id);
CREATE TABLE connections (seq {{SERIAL}}, org_id TEXT NOT NULL,
  id TEXT NOT NULL UNIQUE, name TEXT NOT NULL, doc TEXT NOT NULL, UNIQUE (org_id, name));
CREATE TABLE syncs (seq {{SERIAL}}, org_id TEXT NOT NULL,
  id TEXT NOT NULL UNIQUE, connection_id TEXT NOT NULL, next_run_at BIGINT NOT NULL,
  state TEXT NOT NULL DEFAULT '', doc TEXT NOT NULL);
CREATE INDEX syncs_org ON syncs (org_id);
CREATE INDEX syncs_due ON syncs (next_run_at);
CREATE TABLE runs (seq {{SERIAL}}, org_id TEXT NOT NULL,
  id TEXT NOT NULL UNIQUE, sync_id TEXT NOT NULL, status TEXT NOT NULL,
  lease_owner TEXT NOT NULL DEFAULT '', lease_until BIGINT NOT NULL DEFAULT 0,
  cancel_requested INTEGER NOT NULL DEFAULT 0, doc TEXT NOT NULL);
CREATE INDEX runs_sync ON runs (org_id, sync_id);
CREATE INDEX runs_status ON runs (status);
-- At most one queued or running run per sync, whatever the processes do.
CREATE UNIQUE INDEX runs_one_active ON runs (sync_id) WHERE status IN ('queued', 'running');
CREATE TABLE run_logs (seq {{SERIAL}}, org_id TEXT NOT NULL,
  run_id TEXT NOT NULL, at BIGINT NOT NULL, level TEXT NOT NULL, message TEXT NOT NULL);
CREATE INDEX run_logs_run ON run_logs (org_id, run_id, seq);
CREATE TABLE idempotency (scope TEXT NOT NULL, key TEXT NOT NULL, at BIGINT NOT NULL,
  fingerprint TEXT NOT NULL, status INTEGER NOT NULL, body TEXT NOT NULL,
  PRIMARY KEY (scope, key));
)sql",
    R"sql(
CREATE TABLE queries (seq {{SERIAL}}, org_id TEXT NOT NULL, id TEXT NOT NULL UNIQUE,
  connection_id TEXT NOT NULL, created_at BIGINT NOT NULL, doc TEXT NOT NULL);
CREATE INDEX queries_org ON queries (org_id, id);
)sql",
};

class SqlStore : public Store {
 public:
  explicit SqlStore(std::unique_ptr<DbPool> pool) : pool_(std::move(pool)) {}

  Status Init(const std::string& where) {
    auto db = pool_->Acquire();
    RSX_RETURN_IF_ERROR(
        db->Exec("CREATE TABLE IF NOT EXISTS schema_migrations (version INTEGER PRIMARY KEY, "
                 "applied_at BIGINT NOT NULL)"));
    const int want = sizeof(kMigrations) / sizeof(kMigrations[0]);
    for (;;) {
      RSX_RETURN_IF_ERROR(db->Begin());
      // One process migrates at a time; the others wait here, then find nothing to do.
      Status st = pool_->shared() ? db->Exec("LOCK TABLE schema_migrations IN EXCLUSIVE MODE")
                                  : Status::OK();
      int have = 0;
      if (st.ok())
        st = Query(*db, "SELECT coalesce(max(version), 0) FROM schema_migrations", {},
                   [&](const Row& r) { have = static_cast<int>(r.Int(0)); });
      if (st.ok() && have > want)
        st = Status::InvalidArgument("the store " + where + " has schema version " +
                                     std::to_string(have) + ", newer than this rsx (" +
                                     std::to_string(want) + "): upgrade rsx");
      if (st.ok() && have < want) {
        st = db->Exec(db->Dialect(kMigrations[have]));
        if (st.ok())
          st = Run(*db, "INSERT INTO schema_migrations (version, applied_at) VALUES (?, ?)",
                   {int64_t{have + 1}, NowMillis()});
        if (!st.ok()) st.Prepend("schema migration " + std::to_string(have + 1));
      }
      if (!st.ok()) {
        (void)db->Rollback();
        return st;
      }
      RSX_RETURN_IF_ERROR(db->Commit());
      if (have >= want) break;
    }
    version_ = want;
    return Status::OK();
  }

  int SchemaVersion() override { return version_; }
  bool shared() const override { return pool_->shared(); }

  Status CreateOrganization(const Organization& org, const ApiKey& key) override {
    auto db = pool_->Acquire();
    return InTransaction(*db, [&]() -> Status {
      RSX_RETURN_IF_ERROR(Run(
          *db, "INSERT INTO organizations (id, name, external_id, created_at) VALUES (?, ?, ?, ?)",
          {org.id, org.name, org.external_id, org.created_at}));
      return InsertKey(*db, key);
    });
  }

  Result<Organization> GetOrganization(const std::string& org_id) override {
    auto db = pool_->Acquire();
    std::optional<Organization> o;
    RSX_RETURN_IF_ERROR(
        Query(*db, "SELECT id, name, external_id, created_at FROM organizations WHERE id = ?",
              {org_id}, [&](const Row& s) {
                o = Organization{s.Text(0), s.Text(1), s.Text(2), s.Int(3)};
              }));
    if (!o) return Status::NotFound("organization not found");
    return *o;
  }

  Result<ApiKey> FindApiKey(const std::string& key_id) override {
    auto db = pool_->Acquire();
    std::vector<ApiKey> keys;
    RSX_RETURN_IF_ERROR(Query(*db, std::string(kKeyColumns) + " WHERE id = ?", {key_id},
                              [&](const Row& s) { keys.push_back(ReadKey(s)); }));
    if (keys.empty()) return Status::NotFound("API key not found");
    return keys[0];
  }

  Status CreateApiKey(const ApiKey& key) override {
    auto db = pool_->Acquire();
    return InsertKey(*db, key);
  }

  Result<std::vector<ApiKey>> ListApiKeys(const std::string& org_id) override {
    auto db = pool_->Acquire();
    std::vector<ApiKey> keys;
    RSX_RETURN_IF_ERROR(Query(*db, std::string(kKeyColumns) + " WHERE org_id = ? ORDER BY seq",
                              {org_id}, [&](const Row& s) { keys.push_back(ReadKey(s)); }));
    return keys;
  }

  Status RevokeApiKey(const std::string& org_id, const std::string& key_id, int64_t now) override {
    auto db = pool_->Acquire();
    RSX_RETURN_IF_ERROR(Run(
        *db, "UPDATE api_keys SET revoked_at = ? WHERE org_id = ? AND id = ? AND revoked_at = 0",
        {now, org_id, key_id}));
    if (db->Changes() == 0) return Status::NotFound("API key not found");
    return Status::OK();
  }

  Status PutConnection(const ConnectionRecord& c, bool create) override {
    auto db = pool_->Acquire();
    Status st =
        create ? Run(*db, "INSERT INTO connections (org_id, id, name, doc) VALUES (?, ?, ?, ?)",
                     {c.org_id, c.id, c.name, ConnectionDoc(c)})
               : Run(*db, "UPDATE connections SET name = ?, doc = ? WHERE org_id = ? AND id = ?",
                     {c.name, ConnectionDoc(c), c.org_id, c.id});
    if (!st.ok() && st.code() == StatusCode::kConflict)
      return Status::Conflict("a connection named \"" + c.name + "\" exists")
          .WithDetail("serve.field", "name");
    RSX_RETURN_IF_ERROR(st);
    if (!create && db->Changes() == 0) return Status::NotFound("connection not found");
    return Status::OK();
  }

  Result<ConnectionRecord> GetConnection(const std::string& org_id,
                                         const std::string& id) override {
    auto db = pool_->Acquire();
    RSX_ASSIGN_OR_RETURN(
        auto docs,
        Docs(*db, "SELECT doc FROM connections WHERE org_id = ? AND id = ?", {org_id, id}));
    if (docs.empty()) return Status::NotFound("connection not found");
    return ParseConnectionDoc(docs[0]);
  }

  Result<Page<ConnectionRecord>> ListConnections(const std::string& org_id,
                                                 const std::string& after, int limit) override {
    return List<ConnectionRecord>("connections", org_id, "", "", after, limit, ParseConnectionDoc);
  }

  Status DeleteConnection(const std::string& org_id, const std::string& id) override {
    auto db = pool_->Acquire();
    return InTransaction(*db, [&]() -> Status {
      long long users = 0;
      RSX_RETURN_IF_ERROR(Query(*db,
                                "SELECT count(*) FROM syncs WHERE org_id = ? AND connection_id = ?",
                                {org_id, id}, [&](const Row& s) { users = s.Int(0); }));
      RSX_RETURN_IF_ERROR(
          Run(*db, "DELETE FROM connections WHERE org_id = ? AND id = ?", {org_id, id}));
      if (db->Changes() == 0) return Status::NotFound("connection not found");
      if (users > 0)
        return Status::Conflict(std::to_string(users) +
                                " sync(s) use this connection: delete them first");
      return Run(*db, "DELETE FROM queries WHERE org_id = ? AND connection_id = ?", {org_id, id});
    });
  }

  Status SetConnectionHealth(const std::string& org_id, const std::string& id,
                             const std::string& health, const std::string& message,
                             int64_t at) override {
    auto db = pool_->Acquire();
    return InTransaction(*db, [&]() -> Status {
      RSX_ASSIGN_OR_RETURN(
          auto docs, Docs(*db,
                          std::string("SELECT doc FROM connections WHERE org_id = ? AND id = ?") +
                              db->LockRows(),
                          {org_id, id}));
      if (docs.empty()) return Status::NotFound("connection not found");
      RSX_ASSIGN_OR_RETURN(ConnectionRecord c, ParseConnectionDoc(docs[0]));
      c.health = health;
      c.health_message = message;
      c.health_checked_at = at;
      return Run(*db, "UPDATE connections SET doc = ? WHERE org_id = ? AND id = ?",
                 {ConnectionDoc(c), org_id, id});
    });
  }

  Result<std::vector<ConnectionRecord>> AllConnections() override {
    auto db = pool_->Acquire();
    RSX_ASSIGN_OR_RETURN(auto docs, Docs(*db, "SELECT doc FROM connections ORDER BY seq", {}));
    std::vector<ConnectionRecord> out;
    for (const auto& d : docs) {
      RSX_ASSIGN_OR_RETURN(ConnectionRecord c, ParseConnectionDoc(d));
      out.push_back(std::move(c));
    }
    return out;
  }

  Status PutSync(const SyncRecord& s, bool create) override {
    auto db = pool_->Acquire();
    RSX_RETURN_IF_ERROR(
        create ? Run(*db,
                     "INSERT INTO syncs (org_id, id, connection_id, next_run_at, doc) VALUES (?, "
                     "?, ?, ?, ?)",
                     {s.org_id, s.id, s.connection_id, s.next_run_at, SyncDoc(s)})
               : Run(*db,
                     "UPDATE syncs SET connection_id = ?, next_run_at = ?, doc = ? WHERE org_id = "
                     "? AND id = ?",
                     {s.connection_id, s.next_run_at, SyncDoc(s), s.org_id, s.id}));
    if (!create && db->Changes() == 0) return Status::NotFound("sync not found");
    return Status::OK();
  }

  Status PutQuery(const QueryRecord& q, bool create) override {
    auto db = pool_->Acquire();
    RSX_RETURN_IF_ERROR(
        create ? Run(*db,
                     "INSERT INTO queries (org_id, id, connection_id, created_at, doc) VALUES (?, "
                     "?, ?, ?, ?)",
                     {q.org_id, q.id, q.connection_id, q.created_at, QueryDoc(q)})
               : Run(*db, "UPDATE queries SET doc = ? WHERE org_id = ? AND id = ?",
                     {QueryDoc(q), q.org_id, q.id}));
    if (!create && db->Changes() == 0) return Status::NotFound("query not found");
    return Status::OK();
  }

  Result<QueryRecord> GetQuery(const std::string& org_id, const std::string& id) override {
    auto db = pool_->Acquire();
    RSX_ASSIGN_OR_RETURN(
        auto docs, Docs(*db, "SELECT doc FROM queries WHERE org_id = ? AND id = ?", {org_id, id}));
    if (docs.empty()) return Status::NotFound("query not found");
    return ParseQueryDoc(docs[0]);
  }

  Result<SyncRecord> GetSync(const std::string& org_id, const std::string& id) override {
    auto db = pool_->Acquire();
    RSX_ASSIGN_OR_RETURN(
        auto docs, Docs(*db, "SELECT doc FROM syncs WHERE org_id = ? AND id = ?", {org_id, id}));
    if (docs.empty()) return Status::NotFound("sync not found");
    return ParseSyncDoc(docs[0]);
  }

  Result<Page<SyncRecord>> ListSyncs(const std::string& org_id, const std::string& after,
                                     int limit) override {
    return List<SyncRecord>("syncs", org_id, "", "", after, limit, ParseSyncDoc);
  }

  Status DeleteSync(const std::string& org_id, const std::string& id) override {
    auto db = pool_->Acquire();
    return InTransaction(*db, [&]() -> Status {
      long long active = 0;
      RSX_RETURN_IF_ERROR(Query(
          *db,
          "SELECT count(*) FROM runs WHERE org_id = ? AND sync_id = ? AND status IN ('queued', "
          "'running')",
          {org_id, id}, [&](const Row& s) { active = s.Int(0); }));
      RSX_RETURN_IF_ERROR(Run(*db, "DELETE FROM syncs WHERE org_id = ? AND id = ?", {org_id, id}));
      if (db->Changes() == 0) return Status::NotFound("sync not found");
      if (active > 0) return Status::Conflict("a run of this sync is active: cancel it first");
      RSX_RETURN_IF_ERROR(Run(
          *db,
          "DELETE FROM run_logs WHERE org_id = ? AND run_id IN (SELECT id FROM runs WHERE org_id "
          "= ? AND sync_id = ?)",
          {org_id, org_id, id}));
      return Run(*db, "DELETE FROM runs WHERE org_id = ? AND sync_id = ?", {org_id, id});
    });
  }

  Result<std::string> LoadState(const std::string& org_id, const std::string& sync_id) override {
    auto db = pool_->Acquire();
    RSX_ASSIGN_OR_RETURN(auto docs, Docs(*db, "SELECT state FROM syncs WHERE org_id = ? AND id = ?",
                                         {org_id, sync_id}));
    if (docs.empty()) return Status::NotFound("sync not found");
    return docs[0];
  }

  Status SaveState(const std::string& org_id, const std::string& sync_id,
                   const std::string& state) override {
    auto db = pool_->Acquire();
    RSX_RETURN_IF_ERROR(Run(*db, "UPDATE syncs SET state = ? WHERE org_id = ? AND id = ?",
                            {state, org_id, sync_id}));
    if (db->Changes() == 0) return Status::NotFound("sync not found");
    return Status::OK();
  }

  Result<std::vector<SyncRecord>> DueSyncs(int64_t now) override {
    auto db = pool_->Acquire();
    RSX_ASSIGN_OR_RETURN(
        auto docs, Docs(*db,
                        "SELECT doc FROM syncs WHERE next_run_at > 0 AND next_run_at <= ? ORDER BY "
                        "next_run_at LIMIT 500",
                        {now}));
    std::vector<SyncRecord> out;
    for (const auto& d : docs) {
      RSX_ASSIGN_OR_RETURN(SyncRecord s, ParseSyncDoc(d));
      out.push_back(std::move(s));
    }
    return out;
  }

  Result<bool> ScheduleRun(const std::string& org_id, const std::string& sync_id, int64_t due_at,
                           int64_t next, const RunRecord& run) override {
    auto db = pool_->Acquire();
    bool queued = false;
    Status st = InTransaction(*db, [&]() -> Status {
      std::vector<std::string> docs;
      RSX_ASSIGN_OR_RETURN(docs, Docs(*db,
                                      "SELECT doc FROM syncs WHERE org_id = ? AND id = ? AND "
                                      "next_run_at = ?" +
                                          std::string(db->LockRows()),
                                      {org_id, sync_id, due_at}));
      if (docs.empty()) return Status::OK();  // another scheduler took this slot
      RSX_ASSIGN_OR_RETURN(SyncRecord s, ParseSyncDoc(docs[0]));
      s.next_run_at = next;
      RSX_RETURN_IF_ERROR(
          Run(*db, "UPDATE syncs SET next_run_at = ?, doc = ? WHERE org_id = ? AND id = ?",
              {next, SyncDoc(s), org_id, sync_id}));
      Status created = InsertRun(*db, run);
      if (created.code() == StatusCode::kConflict) return LogSkippedSlot(*db, run);
      RSX_RETURN_IF_ERROR(created);
      queued = true;
      return Status::OK();
    });
    RSX_RETURN_IF_ERROR(st);
    return queued;
  }

  Status CreateRun(const RunRecord& r) override {
    auto db = pool_->Acquire();
    return InTransaction(*db, [&] { return InsertRun(*db, r); });
  }

  Result<RunRecord> GetRun(const std::string& org_id, const std::string& id) override {
    auto db = pool_->Acquire();
    return ReadRun(*db, org_id, id);
  }

  Result<Page<RunRecord>> ListRuns(const std::string& org_id, const std::string& sync_id,
                                   const std::string& after, int limit) override {
    return List<RunRecord>("runs", org_id, "sync_id", sync_id, after, limit, ParseRunDoc,
                           /*newest_first=*/true);
  }

  Result<std::optional<RunRecord>> ClaimRun(const std::string& owner,
                                            int64_t lease_until) override {
    auto db = pool_->Acquire();
    std::optional<RunRecord> claimed;
    Status st = InTransaction(*db, [&]() -> Status {
      std::string org, id;
      RSX_RETURN_IF_ERROR(
          Query(*db,
                std::string("SELECT org_id, id FROM runs WHERE status = 'queued' ORDER BY seq "
                            "LIMIT 1") +
                    db->LockRowsSkipLocked(),
                {}, [&](const Row& s) {
                  org = s.Text(0);
                  id = s.Text(1);
                }));
      if (id.empty()) return Status::OK();
      RSX_ASSIGN_OR_RETURN(RunRecord r, ReadRun(*db, org, id));
      r.status = "running";
      r.worker = owner;
      if (r.started_at == 0) r.started_at = NowMillis();
      r.attempt_started_at = NowMillis();
      r.in_flight = InFlight{};
      RSX_RETURN_IF_ERROR(
          Run(*db,
              "UPDATE runs SET status = 'running', lease_owner = ?, lease_until = ?, doc = ? "
              "WHERE org_id = ? AND id = ? AND status = 'queued'",
              {owner, lease_until, RunDoc(r), org, id}));
      claimed = std::move(r);
      return Status::OK();
    });
    RSX_RETURN_IF_ERROR(st);
    return claimed;
  }

  Status UpdateRun(const RunRecord& r, const std::string& owner) override {
    auto db = pool_->Acquire();
    RSX_RETURN_IF_ERROR(Run(*db,
                            "UPDATE runs SET status = ?, doc = ? WHERE org_id = ? AND id = ? AND "
                            "lease_owner = ?",
                            {r.status, RunDoc(r), r.org_id, r.id, owner}));
    if (db->Changes() == 0) return Status::NotFound("the run is not this worker's (lease lost)");
    return Status::OK();
  }

  Result<bool> Heartbeat(const std::string& org_id, const std::string& run_id,
                         const std::string& owner, int64_t lease_until) override {
    auto db = pool_->Acquire();
    RSX_RETURN_IF_ERROR(
        Run(*db,
            "UPDATE runs SET lease_until = ? WHERE org_id = ? AND id = ? AND lease_owner = ? AND "
            "status = 'running'",
            {lease_until, org_id, run_id, owner}));
    if (db->Changes() == 0) return Status::NotFound("the run's lease was lost");
    bool cancel = false;
    RSX_RETURN_IF_ERROR(Query(*db, "SELECT cancel_requested FROM runs WHERE org_id = ? AND id = ?",
                              {org_id, run_id},
                              [&](const Row& s) { cancel = static_cast<int>(s.Int(0)) != 0; }));
    return cancel;
  }

  Result<RunRecord> RequestCancel(const std::string& org_id, const std::string& id,
                                  int64_t now) override {
    auto db = pool_->Acquire();
    std::optional<RunRecord> out;
    Status st = InTransaction(*db, [&]() -> Status {
      RSX_RETURN_IF_ERROR(
          Run(*db, std::string("SELECT id FROM runs WHERE org_id = ? AND id = ?") + db->LockRows(),
              {org_id, id}));
      RSX_ASSIGN_OR_RETURN(RunRecord r, ReadRun(*db, org_id, id));
      if (r.status == "queued") {
        r.status = "cancelled";
        r.finished_at = now;
        r.error_code = "Cancelled";
        r.error_message = "cancelled before it started";
      } else if (r.status == "running") {
        r.cancel_requested = true;
      }
      RSX_RETURN_IF_ERROR(Run(
          *db,
          "UPDATE runs SET status = ?, cancel_requested = ?, doc = ? WHERE org_id = ? AND id = ?",
          {r.status, int64_t{r.cancel_requested ? 1 : 0}, RunDoc(r), org_id, id}));
      out = std::move(r);
      return Status::OK();
    });
    RSX_RETURN_IF_ERROR(st);
    return *out;
  }

  Result<int> RequeueExpired(int64_t now) override {
    auto db = pool_->Acquire();
    int n = 0;
    Status st = InTransaction(*db, [&]() -> Status {
      std::vector<std::pair<std::string, std::string>> ids;
      RSX_RETURN_IF_ERROR(
          Query(*db,
                std::string("SELECT org_id, id FROM runs WHERE status = 'running' AND "
                            "lease_until < ?") +
                    db->LockRowsSkipLocked(),
                {now}, [&](const Row& s) { ids.emplace_back(s.Text(0), s.Text(1)); }));
      for (const auto& [org, id] : ids) {
        RSX_RETURN_IF_ERROR(RequeueLocked(*db, org, id, "retry"));
        ++n;
      }
      return Status::OK();
    });
    RSX_RETURN_IF_ERROR(st);
    return n;
  }

  Status Requeue(const std::string& org_id, const std::string& run_id,
                 const std::string& owner) override {
    auto db = pool_->Acquire();
    return InTransaction(*db, [&]() -> Status {
      std::string lease_owner;
      RSX_RETURN_IF_ERROR(Query(
          *db, "SELECT lease_owner FROM runs WHERE org_id = ? AND id = ? AND status = 'running'",
          {org_id, run_id}, [&](const Row& s) { lease_owner = s.Text(0); }));
      if (lease_owner != owner) return Status::OK();
      return RequeueLocked(*db, org_id, run_id, "");
    });
  }

  Status AppendLog(const std::string& org_id, const std::string& run_id, int64_t at,
                   const std::string& level, const std::string& message) override {
    auto db = pool_->Acquire();
    return Run(*db,
               "INSERT INTO run_logs (org_id, run_id, at, level, message) VALUES (?, ?, ?, ?, ?)",
               {org_id, run_id, at, level, message});
  }

  Result<Page<LogLine>> ListLogs(const std::string& org_id, const std::string& run_id,
                                 const std::string& after, int limit) override {
    auto db = pool_->Acquire();
    Page<LogLine> page;
    RSX_RETURN_IF_ERROR(Query(
        *db,
        "SELECT seq, at, level, message FROM run_logs WHERE org_id = ? AND run_id = ? AND seq > ? "
        "ORDER BY seq LIMIT ?",
        {org_id, run_id, Cursor(after), int64_t{limit + 1}}, [&](const Row& s) {
          page.items.push_back({s.Int(0), s.Int(1), s.Text(2), s.Text(3)});
        }));
    if (static_cast<int>(page.items.size()) > limit) {
      page.items.pop_back();
      page.next = std::to_string(page.items.back().seq);
    }
    return page;
  }

  Result<std::optional<IdempotentReply>> GetIdempotent(const std::string& scope,
                                                       const std::string& key,
                                                       int64_t not_before) override {
    auto db = pool_->Acquire();
    std::optional<IdempotentReply> out;
    RSX_RETURN_IF_ERROR(Query(
        *db,
        "SELECT fingerprint, status, body FROM idempotency WHERE scope = ? AND key = ? AND at >= ?",
        {scope, key, not_before}, [&](const Row& s) {
          out = IdempotentReply{s.Text(0), static_cast<int>(s.Int(1)), s.Text(2)};
        }));
    return out;
  }

  Status PutIdempotent(const std::string& scope, const std::string& key, int64_t at,
                       const IdempotentReply& reply) override {
    auto db = pool_->Acquire();
    return InTransaction(*db, [&]() -> Status {
      RSX_RETURN_IF_ERROR(Run(*db,
                              "DELETE FROM idempotency WHERE at < ? OR (scope = ? AND key = ?)",
                              {at - 24LL * 3600 * 1000, scope, key}));
      return Run(*db,
                 "INSERT INTO idempotency (scope, key, at, fingerprint, status, body) VALUES "
                 "(?, ?, ?, ?, ?, ?)",
                 {scope, key, at, reply.fingerprint, int64_t{reply.status}, reply.body});
    });
  }

  Result<std::map<std::string, long long>> CountRunsByStatus() override {
    auto db = pool_->Acquire();
    std::map<std::string, long long> out;
    RSX_RETURN_IF_ERROR(Query(*db, "SELECT status, count(*) FROM runs GROUP BY status", {},
                              [&](const Row& s) { out[s.Text(0)] = s.Int(1); }));
    return out;
  }

 private:
  static constexpr const char* kKeyColumns =
      "SELECT id, org_id, name, salt, hash, created_at, revoked_at FROM api_keys";

  static ApiKey ReadKey(const Row& s) {
    return ApiKey{s.Text(0), s.Text(1), s.Text(2), s.Text(3), s.Text(4), s.Int(5), s.Int(6)};
  }
  // A page cursor is the last row's seq; anything else starts at the beginning.
  static int64_t Cursor(const std::string& after) {
    if (after.empty() || after.size() > 18 ||
        after.find_first_not_of("0123456789") != std::string::npos)
      return 0;
    return std::stoll(after);
  }

  static Status Query(Db& db, const std::string& sql, const std::vector<SqlValue>& args,
                      const std::function<void(const Row&)>& row) {
    return db.Query(sql, args, row);
  }
  static Status Run(Db& db, const std::string& sql, const std::vector<SqlValue>& args) {
    return db.Query(sql, args, [](const Row&) {});
  }
  static Result<std::vector<std::string>> Docs(Db& db, const std::string& sql,
                                               const std::vector<SqlValue>& args) {
    std::vector<std::string> docs;
    RSX_RETURN_IF_ERROR(db.Query(sql, args, [&](const Row& s) { docs.push_back(s.Text(0)); }));
    return docs;
  }

  template <class F>
  static Status InTransaction(Db& db, F&& body) {
    RSX_RETURN_IF_ERROR(db.Begin());
    Status st = body();
    if (!st.ok()) {
      (void)db.Rollback();
      return st;
    }
    return db.Commit();
  }

  static Status InsertKey(Db& db, const ApiKey& k) {
    return Run(db,
               "INSERT INTO api_keys (id, org_id, name, salt, hash, created_at, revoked_at) "
               "VALUES (?, ?, ?, ?, ?, ?, ?)",
               {k.id, k.org_id, k.name, k.salt, k.hash, k.created_at, k.revoked_at});
  }

  // The sync's row is locked first (PostgreSQL), so two processes queueing a run of one sync
  // take turns; the partial unique index runs_one_active backs this up.
  static Status InsertRun(Db& db, const RunRecord& r) {
    RSX_RETURN_IF_ERROR(
        Run(db, std::string("SELECT id FROM syncs WHERE org_id = ? AND id = ?") + db.LockRows(),
            {r.org_id, r.sync_id}));
    long long active = 0;
    RSX_RETURN_IF_ERROR(Query(db,
                              "SELECT count(*) FROM runs WHERE org_id = ? AND sync_id = ? AND "
                              "status IN ('queued', 'running')",
                              {r.org_id, r.sync_id}, [&](const Row& s) { active = s.Int(0); }));
    if (active > 0) return Status::Conflict("a run of this sync is already queued or running");
    return Run(db, "INSERT INTO runs (org_id, id, sync_id, status, doc) VALUES (?, ?, ?, ?, ?)",
               {r.org_id, r.id, r.sync_id, r.status, RunDoc(r)});
  }

  // A slot that came while a run of the sync was still queued or running is not run; the
  // active run's log says so, so an operator can tell a skipped slot from a lost one.
  static Status LogSkippedSlot(Db& db, const RunRecord& slot) {
    std::string active, status;
    RSX_RETURN_IF_ERROR(Query(db,
                              "SELECT id, status FROM runs WHERE org_id = ? AND sync_id = ? AND "
                              "status IN ('queued', 'running')",
                              {slot.org_id, slot.sync_id}, [&](const Row& s) {
                                active = s.Text(0);
                                status = s.Text(1);
                              }));
    if (active.empty()) return Status::OK();
    return Run(db,
               "INSERT INTO run_logs (org_id, run_id, at, level, message) VALUES (?, ?, ?, ?, ?)",
               {slot.org_id, active, NowMillis(), std::string("warning"),
                "scheduled slot " + Rfc3339(slot.scheduled_for) + " skipped: this run was still " +
                    status});
  }

  static Result<RunRecord> ReadRun(Db& db, const std::string& org_id, const std::string& id) {
    std::string doc, status;
    bool cancel = false, found = false;
    RSX_RETURN_IF_ERROR(
        Query(db, "SELECT doc, status, cancel_requested FROM runs WHERE org_id = ? AND id = ?",
              {org_id, id}, [&](const Row& s) {
                doc = s.Text(0);
                status = s.Text(1);
                cancel = s.Int(2) != 0;
                found = true;
              }));
    if (!found) return Status::NotFound("run not found");
    RSX_ASSIGN_OR_RETURN(RunRecord r, ParseRunDoc(doc));
    r.status = status;
    r.cancel_requested = cancel;
    return r;
  }

  static Status RequeueLocked(Db& db, const std::string& org, const std::string& id,
                              const std::string& trigger) {
    RSX_ASSIGN_OR_RETURN(RunRecord r, ReadRun(db, org, id));
    r.status = "queued";
    if (!trigger.empty()) {
      r.attempt += 1;
      r.trigger = trigger;
    }
    return Run(db,
               "UPDATE runs SET status = 'queued', lease_owner = '', lease_until = 0, doc = ? "
               "WHERE org_id = ? AND id = ? AND status = 'running'",
               {RunDoc(r), org, id});
  }

  template <class T, class P>
  Result<Page<T>> List(const char* table, const std::string& org_id, const char* filter_col,
                       const std::string& filter, const std::string& after, int limit, P parse,
                       bool newest_first = false) {
    auto db = pool_->Acquire();
    std::string sql = std::string("SELECT seq, doc FROM ") + table + " WHERE org_id = ?";
    std::vector<SqlValue> args{org_id};
    if (*filter_col) {
      sql += std::string(" AND ") + filter_col + " = ?";
      args.push_back(filter);
    }
    int64_t cursor = Cursor(after);
    if (cursor > 0) {
      sql += newest_first ? " AND seq < ?" : " AND seq > ?";
      args.push_back(cursor);
    }
    sql += newest_first ? " ORDER BY seq DESC LIMIT ?" : " ORDER BY seq LIMIT ?";
    args.push_back(int64_t{limit + 1});
    std::vector<std::pair<int64_t, std::string>> rows;
    RSX_RETURN_IF_ERROR(
        Query(*db, sql, args, [&](const Row& s) { rows.emplace_back(s.Int(0), s.Text(1)); }));
    Page<T> page;
    for (size_t i = 0; i < rows.size() && static_cast<int>(i) < limit; ++i) {
      RSX_ASSIGN_OR_RETURN(T item, parse(rows[i].second));
      page.items.push_back(std::move(item));
    }
    if (static_cast<int>(rows.size()) > limit) page.next = std::to_string(rows[limit - 1].first);
    return page;
  }

  std::unique_ptr<DbPool> pool_;
  int version_ = 0;
};

}  // namespace

Result<std::unique_ptr<Store>> Store::Open(const std::string& spec, int connections) {
  RSX_ASSIGN_OR_RETURN(auto pool, DbPool::Open(spec, connections));
  auto store = std::make_unique<SqlStore>(std::move(pool));
  RSX_RETURN_IF_ERROR(store->Init(util::StartsWith(spec, "sqlite:") ? spec : "(PostgreSQL)"));
  return std::unique_ptr<Store>(std::move(store));
}

}  // namespace rsx::service
