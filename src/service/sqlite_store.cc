// The embedded store: one SQLite file (WAL), one connection guarded by a mutex.

#include <fcntl.h>
#include <sqlite3.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cstdint>
#include <mutex>
#include <variant>

#include "rsx/strings.h"
#include "service/store.h"

namespace rsx::service {
namespace {

using Value = std::variant<std::nullptr_t, int64_t, std::string>;

// The schema, one migration per version; applied in order at start, each in a transaction.
const char* const kMigrations[] = {
    R"sql(
CREATE TABLE organizations (seq INTEGER PRIMARY KEY AUTOINCREMENT, id TEXT NOT NULL UNIQUE,
  name TEXT NOT NULL, external_id TEXT NOT NULL UNIQUE, created_at INTEGER NOT NULL);
CREATE TABLE api_keys (seq INTEGER PRIMARY KEY AUTOINCREMENT, id TEXT NOT NULL UNIQUE,
  org_id TEXT NOT NULL, name TEXT NOT NULL, salt TEXT NOT NULL, hash TEXT NOT NULL,
  created_at INTEGER NOT NULL, revoked_at INTEGER NOT NULL DEFAULT 0);
CREATE INDEX api_keys_org ON api_keys (org_id);
CREATE TABLE connections (seq INTEGER PRIMARY KEY AUTOINCREMENT, org_id TEXT NOT NULL,
  id TEXT NOT NULL UNIQUE, name TEXT NOT NULL, doc TEXT NOT NULL, UNIQUE (org_id, name));
CREATE TABLE syncs (seq INTEGER PRIMARY KEY AUTOINCREMENT, org_id TEXT NOT NULL,
  id TEXT NOT NULL UNIQUE, connection_id TEXT NOT NULL, next_run_at INTEGER NOT NULL,
  state TEXT NOT NULL DEFAULT '', doc TEXT NOT NULL);
CREATE INDEX syncs_org ON syncs (org_id);
CREATE INDEX syncs_due ON syncs (next_run_at);
CREATE TABLE runs (seq INTEGER PRIMARY KEY AUTOINCREMENT, org_id TEXT NOT NULL,
  id TEXT NOT NULL UNIQUE, sync_id TEXT NOT NULL, status TEXT NOT NULL,
  lease_owner TEXT NOT NULL DEFAULT '', lease_until INTEGER NOT NULL DEFAULT 0,
  cancel_requested INTEGER NOT NULL DEFAULT 0, doc TEXT NOT NULL);
CREATE INDEX runs_sync ON runs (org_id, sync_id);
CREATE INDEX runs_status ON runs (status);
CREATE TABLE run_logs (seq INTEGER PRIMARY KEY AUTOINCREMENT, org_id TEXT NOT NULL,
  run_id TEXT NOT NULL, at INTEGER NOT NULL, level TEXT NOT NULL, message TEXT NOT NULL);
CREATE INDEX run_logs_run ON run_logs (org_id, run_id, seq);
CREATE TABLE idempotency (scope TEXT NOT NULL, key TEXT NOT NULL, at INTEGER NOT NULL,
  fingerprint TEXT NOT NULL, status INTEGER NOT NULL, body TEXT NOT NULL,
  PRIMARY KEY (scope, key));
)sql",
};

class SqliteStore : public Store {
 public:
  ~SqliteStore() override {
    if (db_) sqlite3_close(db_);
  }

  Status Init(const std::string& path) {
    // Created 0600 before SQLite opens it: runs, logs and key hashes are the operator's.
    int fd = ::open(path.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0600);
    if (fd < 0) return Status::IoError("cannot open the store " + path + ": " + strerror(errno));
    ::close(fd);
    if (sqlite3_open_v2(path.c_str(), &db_, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE, nullptr) !=
        SQLITE_OK)
      return Status::IoError("cannot open the store " + path + ": " + sqlite3_errmsg(db_));
    sqlite3_busy_timeout(db_, 10000);
    RSX_RETURN_IF_ERROR(Exec("PRAGMA journal_mode=WAL"));
    RSX_RETURN_IF_ERROR(Exec("PRAGMA synchronous=NORMAL"));
    RSX_RETURN_IF_ERROR(Exec("PRAGMA foreign_keys=ON"));
    RSX_RETURN_IF_ERROR(
        Exec("CREATE TABLE IF NOT EXISTS schema_migrations (version INTEGER PRIMARY KEY, "
             "applied_at INTEGER NOT NULL)"));
    int have = 0;
    RSX_RETURN_IF_ERROR(Query("SELECT coalesce(max(version), 0) FROM schema_migrations", {},
                              [&](sqlite3_stmt* s) { have = sqlite3_column_int(s, 0); }));
    const int want = sizeof(kMigrations) / sizeof(kMigrations[0]);
    if (have > want)
      return Status::InvalidArgument("the store " + path + " has schema version " +
                                     std::to_string(have) + ", newer than this rsx (" +
                                     std::to_string(want) + "): upgrade rsx");
    for (int v = have + 1; v <= want; ++v) {
      RSX_RETURN_IF_ERROR(Exec("BEGIN IMMEDIATE"));
      Status st = Exec(kMigrations[v - 1]);
      if (st.ok())
        st = Run("INSERT INTO schema_migrations (version, applied_at) VALUES (?, ?)",
                 {int64_t{v}, NowMillis()});
      if (!st.ok()) {
        (void)Exec("ROLLBACK");
        return st.Prepend("schema migration " + std::to_string(v));
      }
      RSX_RETURN_IF_ERROR(Exec("COMMIT"));
    }
    version_ = want;
    return Status::OK();
  }

  int SchemaVersion() override { return version_; }

  Status CreateOrganization(const Organization& org, const ApiKey& key) override {
    std::lock_guard<std::mutex> lock(mu_);
    return InTransaction([&]() -> Status {
      RSX_RETURN_IF_ERROR(
          Run("INSERT INTO organizations (id, name, external_id, created_at) VALUES (?, ?, ?, ?)",
              {org.id, org.name, org.external_id, org.created_at}));
      return InsertKey(key);
    });
  }

  Result<Organization> GetOrganization(const std::string& org_id) override {
    std::lock_guard<std::mutex> lock(mu_);
    std::optional<Organization> o;
    RSX_RETURN_IF_ERROR(
        Query("SELECT id, name, external_id, created_at FROM organizations WHERE id = ?", {org_id},
              [&](sqlite3_stmt* s) {
                o = Organization{Text(s, 0), Text(s, 1), Text(s, 2), sqlite3_column_int64(s, 3)};
              }));
    if (!o) return Status::NotFound("organization not found");
    return *o;
  }

  Result<ApiKey> FindApiKey(const std::string& key_id) override {
    std::lock_guard<std::mutex> lock(mu_);
    std::vector<ApiKey> keys;
    RSX_RETURN_IF_ERROR(Query(std::string(kKeyColumns) + " WHERE id = ?", {key_id},
                              [&](sqlite3_stmt* s) { keys.push_back(ReadKey(s)); }));
    if (keys.empty()) return Status::NotFound("API key not found");
    return keys[0];
  }

  Status CreateApiKey(const ApiKey& key) override {
    std::lock_guard<std::mutex> lock(mu_);
    return InsertKey(key);
  }

  Result<std::vector<ApiKey>> ListApiKeys(const std::string& org_id) override {
    std::lock_guard<std::mutex> lock(mu_);
    std::vector<ApiKey> keys;
    RSX_RETURN_IF_ERROR(Query(std::string(kKeyColumns) + " WHERE org_id = ? ORDER BY seq", {org_id},
                              [&](sqlite3_stmt* s) { keys.push_back(ReadKey(s)); }));
    return keys;
  }

  Status RevokeApiKey(const std::string& org_id, const std::string& key_id, int64_t now) override {
    std::lock_guard<std::mutex> lock(mu_);
    RSX_RETURN_IF_ERROR(
        Run("UPDATE api_keys SET revoked_at = ? WHERE org_id = ? AND id = ? AND revoked_at = 0",
            {now, org_id, key_id}));
    if (sqlite3_changes(db_) == 0) return Status::NotFound("API key not found");
    return Status::OK();
  }

  Status PutConnection(const ConnectionRecord& c, bool create) override {
    std::lock_guard<std::mutex> lock(mu_);
    Status st = create ? Run("INSERT INTO connections (org_id, id, name, doc) VALUES (?, ?, ?, ?)",
                             {c.org_id, c.id, c.name, ConnectionDoc(c)})
                       : Run("UPDATE connections SET name = ?, doc = ? WHERE org_id = ? AND id = ?",
                             {c.name, ConnectionDoc(c), c.org_id, c.id});
    if (!st.ok() && st.code() == StatusCode::kConflict)
      return Status::Conflict("a connection named \"" + c.name + "\" exists")
          .WithDetail("serve.field", "name");
    RSX_RETURN_IF_ERROR(st);
    if (!create && sqlite3_changes(db_) == 0) return Status::NotFound("connection not found");
    return Status::OK();
  }

  Result<ConnectionRecord> GetConnection(const std::string& org_id,
                                         const std::string& id) override {
    std::lock_guard<std::mutex> lock(mu_);
    RSX_ASSIGN_OR_RETURN(
        auto docs, Docs("SELECT doc FROM connections WHERE org_id = ? AND id = ?", {org_id, id}));
    if (docs.empty()) return Status::NotFound("connection not found");
    return ParseConnectionDoc(docs[0]);
  }

  Result<Page<ConnectionRecord>> ListConnections(const std::string& org_id,
                                                 const std::string& after, int limit) override {
    return List<ConnectionRecord>("connections", org_id, "", "", after, limit, ParseConnectionDoc);
  }

  Status DeleteConnection(const std::string& org_id, const std::string& id) override {
    std::lock_guard<std::mutex> lock(mu_);
    return InTransaction([&]() -> Status {
      long long users = 0;
      RSX_RETURN_IF_ERROR(Query("SELECT count(*) FROM syncs WHERE org_id = ? AND connection_id = ?",
                                {org_id, id},
                                [&](sqlite3_stmt* s) { users = sqlite3_column_int64(s, 0); }));
      RSX_RETURN_IF_ERROR(Run("DELETE FROM connections WHERE org_id = ? AND id = ?", {org_id, id}));
      if (sqlite3_changes(db_) == 0) return Status::NotFound("connection not found");
      if (users > 0)
        return Status::Conflict(std::to_string(users) +
                                " sync(s) use this connection: delete them first");
      return Status::OK();
    });
  }

  Result<std::vector<ConnectionRecord>> AllConnections() override {
    std::lock_guard<std::mutex> lock(mu_);
    RSX_ASSIGN_OR_RETURN(auto docs, Docs("SELECT doc FROM connections ORDER BY seq", {}));
    std::vector<ConnectionRecord> out;
    for (const auto& d : docs) {
      RSX_ASSIGN_OR_RETURN(ConnectionRecord c, ParseConnectionDoc(d));
      out.push_back(std::move(c));
    }
    return out;
  }

  Status PutSync(const SyncRecord& s, bool create) override {
    std::lock_guard<std::mutex> lock(mu_);
    RSX_RETURN_IF_ERROR(
        create ? Run("INSERT INTO syncs (org_id, id, connection_id, next_run_at, doc) VALUES (?, "
                     "?, ?, ?, ?)",
                     {s.org_id, s.id, s.connection_id, s.next_run_at, SyncDoc(s)})
               : Run("UPDATE syncs SET connection_id = ?, next_run_at = ?, doc = ? WHERE org_id = "
                     "? AND id = ?",
                     {s.connection_id, s.next_run_at, SyncDoc(s), s.org_id, s.id}));
    if (!create && sqlite3_changes(db_) == 0) return Status::NotFound("sync not found");
    return Status::OK();
  }

  Result<SyncRecord> GetSync(const std::string& org_id, const std::string& id) override {
    std::lock_guard<std::mutex> lock(mu_);
    RSX_ASSIGN_OR_RETURN(auto docs,
                         Docs("SELECT doc FROM syncs WHERE org_id = ? AND id = ?", {org_id, id}));
    if (docs.empty()) return Status::NotFound("sync not found");
    return ParseSyncDoc(docs[0]);
  }

  Result<Page<SyncRecord>> ListSyncs(const std::string& org_id, const std::string& after,
                                     int limit) override {
    return List<SyncRecord>("syncs", org_id, "", "", after, limit, ParseSyncDoc);
  }

  Status DeleteSync(const std::string& org_id, const std::string& id) override {
    std::lock_guard<std::mutex> lock(mu_);
    return InTransaction([&]() -> Status {
      long long active = 0;
      RSX_RETURN_IF_ERROR(Query(
          "SELECT count(*) FROM runs WHERE org_id = ? AND sync_id = ? AND status IN ('queued', "
          "'running')",
          {org_id, id}, [&](sqlite3_stmt* s) { active = sqlite3_column_int64(s, 0); }));
      RSX_RETURN_IF_ERROR(Run("DELETE FROM syncs WHERE org_id = ? AND id = ?", {org_id, id}));
      if (sqlite3_changes(db_) == 0) return Status::NotFound("sync not found");
      if (active > 0) return Status::Conflict("a run of this sync is active: cancel it first");
      RSX_RETURN_IF_ERROR(Run(
          "DELETE FROM run_logs WHERE org_id = ? AND run_id IN (SELECT id FROM runs WHERE org_id "
          "= ? AND sync_id = ?)",
          {org_id, org_id, id}));
      return Run("DELETE FROM runs WHERE org_id = ? AND sync_id = ?", {org_id, id});
    });
  }

  Result<std::string> LoadState(const std::string& org_id, const std::string& sync_id) override {
    std::lock_guard<std::mutex> lock(mu_);
    RSX_ASSIGN_OR_RETURN(
        auto docs, Docs("SELECT state FROM syncs WHERE org_id = ? AND id = ?", {org_id, sync_id}));
    if (docs.empty()) return Status::NotFound("sync not found");
    return docs[0];
  }

  Status SaveState(const std::string& org_id, const std::string& sync_id,
                   const std::string& state) override {
    std::lock_guard<std::mutex> lock(mu_);
    RSX_RETURN_IF_ERROR(
        Run("UPDATE syncs SET state = ? WHERE org_id = ? AND id = ?", {state, org_id, sync_id}));
    if (sqlite3_changes(db_) == 0) return Status::NotFound("sync not found");
    return Status::OK();
  }

  Result<std::vector<SyncRecord>> DueSyncs(int64_t now) override {
    std::lock_guard<std::mutex> lock(mu_);
    RSX_ASSIGN_OR_RETURN(
        auto docs, Docs("SELECT doc FROM syncs WHERE next_run_at > 0 AND next_run_at <= ? ORDER BY "
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
    std::lock_guard<std::mutex> lock(mu_);
    bool queued = false;
    Status st = InTransaction([&]() -> Status {
      std::vector<std::string> docs;
      RSX_ASSIGN_OR_RETURN(docs, Docs("SELECT doc FROM syncs WHERE org_id = ? AND id = ? AND "
                                      "next_run_at = ?",
                                      {org_id, sync_id, due_at}));
      if (docs.empty()) return Status::OK();  // another scheduler took this slot
      RSX_ASSIGN_OR_RETURN(SyncRecord s, ParseSyncDoc(docs[0]));
      s.next_run_at = next;
      RSX_RETURN_IF_ERROR(
          Run("UPDATE syncs SET next_run_at = ?, doc = ? WHERE org_id = ? AND id = ?",
              {next, SyncDoc(s), org_id, sync_id}));
      Status created = InsertRun(run);
      if (created.code() == StatusCode::kConflict) return Status::OK();  // still running
      RSX_RETURN_IF_ERROR(created);
      queued = true;
      return Status::OK();
    });
    RSX_RETURN_IF_ERROR(st);
    return queued;
  }

  Status CreateRun(const RunRecord& r) override {
    std::lock_guard<std::mutex> lock(mu_);
    return InTransaction([&] { return InsertRun(r); });
  }

  Result<RunRecord> GetRun(const std::string& org_id, const std::string& id) override {
    std::lock_guard<std::mutex> lock(mu_);
    return ReadRun(org_id, id);
  }

  Result<Page<RunRecord>> ListRuns(const std::string& org_id, const std::string& sync_id,
                                   const std::string& after, int limit) override {
    return List<RunRecord>("runs", org_id, "sync_id", sync_id, after, limit, ParseRunDoc,
                           /*newest_first=*/true);
  }

  Result<std::optional<RunRecord>> ClaimRun(const std::string& owner,
                                            int64_t lease_until) override {
    std::lock_guard<std::mutex> lock(mu_);
    std::optional<RunRecord> claimed;
    Status st = InTransaction([&]() -> Status {
      std::string org, id;
      RSX_RETURN_IF_ERROR(
          Query("SELECT org_id, id FROM runs WHERE status = 'queued' ORDER BY seq LIMIT 1", {},
                [&](sqlite3_stmt* s) {
                  org = Text(s, 0);
                  id = Text(s, 1);
                }));
      if (id.empty()) return Status::OK();
      RSX_ASSIGN_OR_RETURN(RunRecord r, ReadRun(org, id));
      r.status = "running";
      if (r.started_at == 0) r.started_at = NowMillis();
      RSX_RETURN_IF_ERROR(
          Run("UPDATE runs SET status = 'running', lease_owner = ?, lease_until = ?, doc = ? "
              "WHERE org_id = ? AND id = ? AND status = 'queued'",
              {owner, lease_until, RunDoc(r), org, id}));
      claimed = std::move(r);
      return Status::OK();
    });
    RSX_RETURN_IF_ERROR(st);
    return claimed;
  }

  Status UpdateRun(const RunRecord& r) override {
    std::lock_guard<std::mutex> lock(mu_);
    RSX_RETURN_IF_ERROR(Run("UPDATE runs SET status = ?, doc = ? WHERE org_id = ? AND id = ?",
                            {r.status, RunDoc(r), r.org_id, r.id}));
    if (sqlite3_changes(db_) == 0) return Status::NotFound("run not found");
    return Status::OK();
  }

  Result<bool> Heartbeat(const std::string& org_id, const std::string& run_id,
                         const std::string& owner, int64_t lease_until) override {
    std::lock_guard<std::mutex> lock(mu_);
    RSX_RETURN_IF_ERROR(
        Run("UPDATE runs SET lease_until = ? WHERE org_id = ? AND id = ? AND lease_owner = ? AND "
            "status = 'running'",
            {lease_until, org_id, run_id, owner}));
    if (sqlite3_changes(db_) == 0) return Status::NotFound("the run's lease was lost");
    bool cancel = false;
    RSX_RETURN_IF_ERROR(Query("SELECT cancel_requested FROM runs WHERE org_id = ? AND id = ?",
                              {org_id, run_id},
                              [&](sqlite3_stmt* s) { cancel = sqlite3_column_int(s, 0) != 0; }));
    return cancel;
  }

  Result<RunRecord> RequestCancel(const std::string& org_id, const std::string& id,
                                  int64_t now) override {
    std::lock_guard<std::mutex> lock(mu_);
    std::optional<RunRecord> out;
    Status st = InTransaction([&]() -> Status {
      RSX_ASSIGN_OR_RETURN(RunRecord r, ReadRun(org_id, id));
      if (r.status == "queued") {
        r.status = "cancelled";
        r.finished_at = now;
        r.error_code = "Cancelled";
        r.error_message = "cancelled before it started";
      } else if (r.status == "running") {
        r.cancel_requested = true;
      }
      RSX_RETURN_IF_ERROR(Run(
          "UPDATE runs SET status = ?, cancel_requested = ?, doc = ? WHERE org_id = ? AND id = ?",
          {r.status, int64_t{r.cancel_requested ? 1 : 0}, RunDoc(r), org_id, id}));
      out = std::move(r);
      return Status::OK();
    });
    RSX_RETURN_IF_ERROR(st);
    return *out;
  }

  Result<int> RequeueExpired(int64_t now) override {
    std::lock_guard<std::mutex> lock(mu_);
    int n = 0;
    Status st = InTransaction([&]() -> Status {
      std::vector<std::pair<std::string, std::string>> ids;
      RSX_RETURN_IF_ERROR(
          Query("SELECT org_id, id FROM runs WHERE status = 'running' AND lease_until < ?", {now},
                [&](sqlite3_stmt* s) { ids.emplace_back(Text(s, 0), Text(s, 1)); }));
      for (const auto& [org, id] : ids) {
        RSX_RETURN_IF_ERROR(RequeueLocked(org, id, "retry"));
        ++n;
      }
      return Status::OK();
    });
    RSX_RETURN_IF_ERROR(st);
    return n;
  }

  Status Requeue(const std::string& org_id, const std::string& run_id,
                 const std::string& owner) override {
    std::lock_guard<std::mutex> lock(mu_);
    return InTransaction([&]() -> Status {
      std::string lease_owner;
      RSX_RETURN_IF_ERROR(
          Query("SELECT lease_owner FROM runs WHERE org_id = ? AND id = ? AND status = 'running'",
                {org_id, run_id}, [&](sqlite3_stmt* s) { lease_owner = Text(s, 0); }));
      if (lease_owner != owner) return Status::OK();
      return RequeueLocked(org_id, run_id, "");
    });
  }

  Status AppendLog(const std::string& org_id, const std::string& run_id, int64_t at,
                   const std::string& level, const std::string& message) override {
    std::lock_guard<std::mutex> lock(mu_);
    return Run("INSERT INTO run_logs (org_id, run_id, at, level, message) VALUES (?, ?, ?, ?, ?)",
               {org_id, run_id, at, level, message});
  }

  Result<Page<LogLine>> ListLogs(const std::string& org_id, const std::string& run_id,
                                 const std::string& after, int limit) override {
    std::lock_guard<std::mutex> lock(mu_);
    Page<LogLine> page;
    RSX_RETURN_IF_ERROR(Query(
        "SELECT seq, at, level, message FROM run_logs WHERE org_id = ? AND run_id = ? AND seq > ? "
        "ORDER BY seq LIMIT ?",
        {org_id, run_id, Cursor(after), int64_t{limit + 1}}, [&](sqlite3_stmt* s) {
          page.items.push_back(
              {sqlite3_column_int64(s, 0), sqlite3_column_int64(s, 1), Text(s, 2), Text(s, 3)});
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
    std::lock_guard<std::mutex> lock(mu_);
    std::optional<IdempotentReply> out;
    RSX_RETURN_IF_ERROR(Query(
        "SELECT fingerprint, status, body FROM idempotency WHERE scope = ? AND key = ? AND at >= ?",
        {scope, key, not_before}, [&](sqlite3_stmt* s) {
          out = IdempotentReply{Text(s, 0), sqlite3_column_int(s, 1), Text(s, 2)};
        }));
    return out;
  }

  Status PutIdempotent(const std::string& scope, const std::string& key, int64_t at,
                       const IdempotentReply& reply) override {
    std::lock_guard<std::mutex> lock(mu_);
    RSX_RETURN_IF_ERROR(Run("DELETE FROM idempotency WHERE at < ?", {at - 24LL * 3600 * 1000}));
    return Run(
        "INSERT OR REPLACE INTO idempotency (scope, key, at, fingerprint, status, body) VALUES "
        "(?, ?, ?, ?, ?, ?)",
        {scope, key, at, reply.fingerprint, int64_t{reply.status}, reply.body});
  }

  Result<std::map<std::string, long long>> CountRunsByStatus() override {
    std::lock_guard<std::mutex> lock(mu_);
    std::map<std::string, long long> out;
    RSX_RETURN_IF_ERROR(
        Query("SELECT status, count(*) FROM runs GROUP BY status", {},
              [&](sqlite3_stmt* s) { out[Text(s, 0)] = sqlite3_column_int64(s, 1); }));
    return out;
  }

 private:
  static constexpr const char* kKeyColumns =
      "SELECT id, org_id, name, salt, hash, created_at, revoked_at FROM api_keys";

  static std::string Text(sqlite3_stmt* s, int i) {
    const unsigned char* t = sqlite3_column_text(s, i);
    return t ? std::string(reinterpret_cast<const char*>(t), sqlite3_column_bytes(s, i)) : "";
  }
  static ApiKey ReadKey(sqlite3_stmt* s) {
    return ApiKey{Text(s, 0),
                  Text(s, 1),
                  Text(s, 2),
                  Text(s, 3),
                  Text(s, 4),
                  sqlite3_column_int64(s, 5),
                  sqlite3_column_int64(s, 6)};
  }
  // A page cursor is the last row's seq; anything else starts at the beginning.
  static int64_t Cursor(const std::string& after) {
    if (after.empty() || after.size() > 18 ||
        after.find_first_not_of("0123456789") != std::string::npos)
      return 0;
    return std::stoll(after);
  }

  Status Error(const char* what) {
    int code = sqlite3_extended_errcode(db_);
    std::string msg = std::string(what) + ": " + sqlite3_errmsg(db_);
    if ((code & 0xff) == SQLITE_CONSTRAINT) return Status::Conflict(msg);
    if ((code & 0xff) == SQLITE_BUSY || (code & 0xff) == SQLITE_LOCKED)
      return Status::Unavailable(msg);
    return Status::IoError(msg);
  }

  Status Exec(const char* sql) {
    char* err = nullptr;
    if (sqlite3_exec(db_, sql, nullptr, nullptr, &err) != SQLITE_OK) {
      std::string msg = err ? err : "unknown error";
      sqlite3_free(err);
      return Status::IoError("store: " + msg);
    }
    return Status::OK();
  }

  template <class F>
  Status Query(const std::string& sql, const std::vector<Value>& args, F&& row) {
    sqlite3_stmt* stmt = nullptr;
    if (sqlite3_prepare_v2(db_, sql.c_str(), -1, &stmt, nullptr) != SQLITE_OK)
      return Error("store: prepare");
    std::unique_ptr<sqlite3_stmt, int (*)(sqlite3_stmt*)> guard(stmt, sqlite3_finalize);
    for (size_t i = 0; i < args.size(); ++i) {
      int idx = static_cast<int>(i + 1);
      if (auto* v = std::get_if<int64_t>(&args[i])) {
        sqlite3_bind_int64(stmt, idx, *v);
      } else if (auto* t = std::get_if<std::string>(&args[i])) {
        sqlite3_bind_text(stmt, idx, t->data(), static_cast<int>(t->size()), SQLITE_TRANSIENT);
      } else {
        sqlite3_bind_null(stmt, idx);
      }
    }
    for (;;) {
      int rc = sqlite3_step(stmt);
      if (rc == SQLITE_ROW) {
        row(stmt);
        continue;
      }
      if (rc == SQLITE_DONE) return Status::OK();
      return Error("store");
    }
  }
  Status Run(const std::string& sql, const std::vector<Value>& args) {
    return Query(sql, args, [](sqlite3_stmt*) {});
  }
  Result<std::vector<std::string>> Docs(const std::string& sql, const std::vector<Value>& args) {
    std::vector<std::string> docs;
    RSX_RETURN_IF_ERROR(Query(sql, args, [&](sqlite3_stmt* s) { docs.push_back(Text(s, 0)); }));
    return docs;
  }

  template <class F>
  Status InTransaction(F&& body) {
    RSX_RETURN_IF_ERROR(Exec("BEGIN IMMEDIATE"));
    Status st = body();
    if (!st.ok()) {
      (void)Exec("ROLLBACK");
      return st;
    }
    return Exec("COMMIT");
  }

  Status InsertKey(const ApiKey& k) {
    return Run(
        "INSERT INTO api_keys (id, org_id, name, salt, hash, created_at, revoked_at) VALUES (?, ?, "
        "?, ?, ?, ?, ?)",
        {k.id, k.org_id, k.name, k.salt, k.hash, k.created_at, k.revoked_at});
  }

  Status InsertRun(const RunRecord& r) {
    long long active = 0;
    RSX_RETURN_IF_ERROR(Query(
        "SELECT count(*) FROM runs WHERE org_id = ? AND sync_id = ? AND status IN ('queued', "
        "'running')",
        {r.org_id, r.sync_id}, [&](sqlite3_stmt* s) { active = sqlite3_column_int64(s, 0); }));
    if (active > 0) return Status::Conflict("a run of this sync is already queued or running");
    return Run("INSERT INTO runs (org_id, id, sync_id, status, doc) VALUES (?, ?, ?, ?, ?)",
               {r.org_id, r.id, r.sync_id, r.status, RunDoc(r)});
  }

  Result<RunRecord> ReadRun(const std::string& org_id, const std::string& id) {
    std::string doc, status;
    bool cancel = false, found = false;
    RSX_RETURN_IF_ERROR(
        Query("SELECT doc, status, cancel_requested FROM runs WHERE org_id = ? AND id = ?",
              {org_id, id}, [&](sqlite3_stmt* s) {
                doc = Text(s, 0);
                status = Text(s, 1);
                cancel = sqlite3_column_int(s, 2) != 0;
                found = true;
              }));
    if (!found) return Status::NotFound("run not found");
    RSX_ASSIGN_OR_RETURN(RunRecord r, ParseRunDoc(doc));
    r.status = status;
    r.cancel_requested = cancel;
    return r;
  }

  Status RequeueLocked(const std::string& org, const std::string& id, const std::string& trigger) {
    RSX_ASSIGN_OR_RETURN(RunRecord r, ReadRun(org, id));
    r.status = "queued";
    if (!trigger.empty()) {
      r.attempt += 1;
      r.trigger = trigger;
    }
    return Run(
        "UPDATE runs SET status = 'queued', lease_owner = '', lease_until = 0, doc = ? WHERE "
        "org_id = ? AND id = ?",
        {RunDoc(r), org, id});
  }

  template <class T, class P>
  Result<Page<T>> List(const char* table, const std::string& org_id, const char* filter_col,
                       const std::string& filter, const std::string& after, int limit, P parse,
                       bool newest_first = false) {
    std::lock_guard<std::mutex> lock(mu_);
    std::string sql = std::string("SELECT seq, doc FROM ") + table + " WHERE org_id = ?";
    std::vector<Value> args{org_id};
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
    RSX_RETURN_IF_ERROR(Query(sql, args, [&](sqlite3_stmt* s) {
      rows.emplace_back(sqlite3_column_int64(s, 0), Text(s, 1));
    }));
    Page<T> page;
    for (size_t i = 0; i < rows.size() && static_cast<int>(i) < limit; ++i) {
      RSX_ASSIGN_OR_RETURN(T item, parse(rows[i].second));
      page.items.push_back(std::move(item));
    }
    if (static_cast<int>(rows.size()) > limit) page.next = std::to_string(rows[limit - 1].first);
    return page;
  }

  std::mutex mu_;
  sqlite3* db_ = nullptr;
  int version_ = 0;
};

}  // namespace

Result<std::unique_ptr<Store>> Store::Open(const std::string& spec) {
  if (util::StartsWith(spec, "sqlite:")) {
    std::string path = spec.substr(7);
    if (path.empty()) return Status::InvalidArgument("--store: sqlite: needs a file path");
    auto store = std::make_unique<SqliteStore>();
    RSX_RETURN_IF_ERROR(store->Init(path));
    return std::unique_ptr<Store>(std::move(store));
  }
  if (util::StartsWith(spec, "postgresql://") || util::StartsWith(spec, "postgres://"))
    return Status::InvalidArgument(
        "--store: PostgreSQL is not built yet in this rsx; use sqlite:PATH");
  return Status::InvalidArgument("--store: expected sqlite:PATH, got \"" + spec + "\"");
}

}  // namespace rsx::service
