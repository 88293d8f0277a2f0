#pragma once
// The store's database connections: SQLite (embedded, one process) and PostgreSQL (shared by
// several service processes). SQL is written once with "?" placeholders; each backend adapts
// it (PostgreSQL numbers them) and says what its dialect needs.

#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <variant>
#include <vector>

#include "rsx/result.h"

namespace rsx::service {

using SqlValue = std::variant<std::nullptr_t, int64_t, std::string>;

class Row {
 public:
  virtual ~Row() = default;
  virtual std::string Text(int i) const = 0;
  virtual int64_t Int(int i) const = 0;
};

// One connection; not thread-safe (a pool hands it to one thread at a time).
// Errors: a unique or other constraint violation is kConflict; a busy or lost database
// kUnavailable; anything else kIoError.
class Db {
 public:
  virtual ~Db() = default;
  virtual Status Exec(const std::string& script) = 0;  // several statements, no parameters
  virtual Status Query(const std::string& sql, const std::vector<SqlValue>& args,
                       const std::function<void(const Row&)>& row) = 0;
  virtual int64_t Changes() = 0;  // rows the last statement changed
  virtual Status Begin() = 0;     // a write transaction
  Status Commit() { return Exec("COMMIT"); }
  Status Rollback() { return Exec("ROLLBACK"); }
  // " FOR UPDATE SKIP LOCKED" where rows can be locked (PostgreSQL), else "".
  virtual const char* LockRowsSkipLocked() const = 0;
  virtual const char* LockRows() const = 0;  // " FOR UPDATE" or ""
  // The migration text with {{SERIAL}} made this dialect's auto-increment key.
  virtual std::string Dialect(const std::string& ddl) const = 0;
};

// A fixed set of connections; Acquire waits for a free one.
class DbPool {
 public:
  // "sqlite:PATH" (one connection), "postgresql://..." / "postgres://..." (a libpq URI) or
  // "postgresql:<key=value conninfo>" (`size` connections).
  static Result<std::unique_ptr<DbPool>> Open(const std::string& spec, int size);
  virtual ~DbPool() = default;

  class Lease {
   public:
    Lease(DbPool* pool, Db* db) : pool_(pool), db_(db) {}
    Lease(Lease&& o) noexcept : pool_(o.pool_), db_(o.db_) { o.db_ = nullptr; }
    Lease(const Lease&) = delete;
    ~Lease() {
      if (db_) pool_->Release(db_);
    }
    Db& operator*() const { return *db_; }
    Db* operator->() const { return db_; }

   private:
    DbPool* pool_;
    Db* db_;
  };
  virtual Lease Acquire() = 0;
  virtual bool shared() const = 0;  // several processes may use this store

 protected:
  virtual void Release(Db* db) = 0;
};

}  // namespace rsx::service
