// The embedded store's database: one SQLite file in WAL mode.

#include <fcntl.h>
#include <sqlite3.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include "service/db.h"

namespace rsx::service {
namespace {

class SqliteRow : public Row {
 public:
  explicit SqliteRow(sqlite3_stmt* s) : s_(s) {}
  std::string Text(int i) const override {
    const unsigned char* t = sqlite3_column_text(s_, i);
    return t ? std::string(reinterpret_cast<const char*>(t), sqlite3_column_bytes(s_, i)) : "";
  }
  int64_t Int(int i) const override { return sqlite3_column_int64(s_, i); }

 private:
  sqlite3_stmt* s_;
};

class SqliteDb : public Db {
 public:
  ~SqliteDb() override {
    if (db_) sqlite3_close(db_);
  }
  Status Open(const std::string& path) {
    // Created 0600 before SQLite opens it: runs, logs and key hashes are the operator's.
    int fd = ::open(path.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0600);
    if (fd < 0)
      return Status::IoError("cannot open the store " + path + ": " + std::strerror(errno));
    ::close(fd);
    if (sqlite3_open_v2(path.c_str(), &db_, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE, nullptr) !=
        SQLITE_OK)
      return Status::IoError("cannot open the store " + path + ": " + sqlite3_errmsg(db_));
    sqlite3_busy_timeout(db_, 10000);
    RSX_RETURN_IF_ERROR(Exec("PRAGMA journal_mode=WAL"));
    return Exec("PRAGMA synchronous=NORMAL");
  }

  Status Exec(const std::string& script) override {
    char* err = nullptr;
    if (sqlite3_exec(db_, script.c_str(), nullptr, nullptr, &err) != SQLITE_OK) {
      std::string msg = err ? err : "unknown error";
      sqlite3_free(err);
      return Error("store: " + msg);
    }
    return Status::OK();
  }

  Status Query(const std::string& sql, const std::vector<SqlValue>& args,
               const std::function<void(const Row&)>& row) override {
    sqlite3_stmt* stmt = nullptr;
    if (sqlite3_prepare_v2(db_, sql.c_str(), -1, &stmt, nullptr) != SQLITE_OK)
      return Error(std::string("store: prepare: ") + sqlite3_errmsg(db_));
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
    SqliteRow r(stmt);
    for (;;) {
      int rc = sqlite3_step(stmt);
      if (rc == SQLITE_ROW) {
        row(r);
        continue;
      }
      if (rc == SQLITE_DONE) return Status::OK();
      return Error(std::string("store: ") + sqlite3_errmsg(db_));
    }
  }

  int64_t Changes() override { return sqlite3_changes(db_); }
  Status Begin() override { return Exec("BEGIN IMMEDIATE"); }
  const char* LockRowsSkipLocked() const override { return ""; }
  const char* LockRows() const override { return ""; }
  std::string Dialect(const std::string& ddl) const override {
    std::string out = ddl;
    for (size_t at; (at = out.find("{{SERIAL}}")) != std::string::npos;)
      out.replace(at, 10, "INTEGER PRIMARY KEY AUTOINCREMENT");
    return out;
  }

 private:
  Status Error(const std::string& msg) {
    int code = sqlite3_extended_errcode(db_) & 0xff;
    if (code == SQLITE_CONSTRAINT) return Status::Conflict(msg);
    if (code == SQLITE_BUSY || code == SQLITE_LOCKED) return Status::Unavailable(msg);
    return Status::IoError(msg);
  }
  sqlite3* db_ = nullptr;
};

}  // namespace

Result<std::unique_ptr<Db>> OpenSqlite(const std::string& path) {
  auto db = std::make_unique<SqliteDb>();
  RSX_RETURN_IF_ERROR(db->Open(path));
  return std::unique_ptr<Db>(std::move(db));
}

}  // namespace rsx::service
