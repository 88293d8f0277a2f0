// The shared store's database: PostgreSQL through libpq (several rsx serve processes).

#include <libpq-fe.h>

#include <cstdlib>

#include "service/db.h"

namespace rsx::service {
namespace {

class PgRow : public Row {
 public:
  PgRow(PGresult* r, int row) : r_(r), row_(row) {}
  std::string Text(int i) const override {
    return std::string(PQgetvalue(r_, row_, i), PQgetlength(r_, row_, i));
  }
  int64_t Int(int i) const override { return std::strtoll(PQgetvalue(r_, row_, i), nullptr, 10); }

 private:
  PGresult* r_;
  int row_;
};

using Result_ = std::unique_ptr<PGresult, void (*)(PGresult*)>;

class PgDb : public Db {
 public:
  ~PgDb() override {
    if (conn_) PQfinish(conn_);
  }
  Status Open(const std::string& conninfo) {
    conn_ = PQconnectdb(conninfo.c_str());
    if (PQstatus(conn_) != CONNECTION_OK)
      // libpq's message names the host and the reason; the conninfo (maybe a password) is not
      // repeated.
      return Status::Unavailable(std::string("cannot connect to the PostgreSQL store: ") +
                                 PQerrorMessage(conn_));
    return Exec("SET client_min_messages = warning");
  }

  Status Exec(const std::string& script) override {
    Reconnect();
    Result_ r(PQexec(conn_, script.c_str()), PQclear);
    return Check(r.get());
  }

  Status Query(const std::string& sql, const std::vector<SqlValue>& args,
               const std::function<void(const Row&)>& row) override {
    // "?" -> $1, $2, ... (the store's SQL holds no other question marks).
    std::string text;
    int n = 0;
    for (char c : sql) {
      if (c == '?')
        text += "$" + std::to_string(++n);
      else
        text += c;
    }
    std::vector<std::string> values(args.size());
    std::vector<const char*> ptrs(args.size(), nullptr);
    for (size_t i = 0; i < args.size(); ++i) {
      if (auto* v = std::get_if<int64_t>(&args[i])) {
        values[i] = std::to_string(*v);
        ptrs[i] = values[i].c_str();
      } else if (auto* t = std::get_if<std::string>(&args[i])) {
        ptrs[i] = t->c_str();
      }
    }
    Reconnect();
    Result_ r(PQexecParams(conn_, text.c_str(), static_cast<int>(args.size()), nullptr, ptrs.data(),
                           nullptr, nullptr, 0),
              PQclear);
    RSX_RETURN_IF_ERROR(Check(r.get()));
    const char* tuples = PQcmdTuples(r.get());
    changes_ = tuples && *tuples ? std::strtoll(tuples, nullptr, 10) : 0;
    int rows = PQntuples(r.get());
    for (int i = 0; i < rows; ++i) row(PgRow(r.get(), i));
    return Status::OK();
  }

  int64_t Changes() override { return changes_; }
  Status Begin() override { return Exec("BEGIN"); }
  const char* LockRowsSkipLocked() const override { return " FOR UPDATE SKIP LOCKED"; }
  const char* LockRows() const override { return " FOR UPDATE"; }
  std::string Dialect(const std::string& ddl) const override {
    std::string out = ddl;
    for (size_t at; (at = out.find("{{SERIAL}}")) != std::string::npos;)
      out.replace(at, 10, "BIGSERIAL PRIMARY KEY");
    return out;
  }

 private:
  Status Check(PGresult* r) {
    ExecStatusType st = PQresultStatus(r);
    if (st == PGRES_COMMAND_OK || st == PGRES_TUPLES_OK) return Status::OK();
    std::string msg = std::string("store: ") + PQresultErrorMessage(r);
    while (!msg.empty() && (msg.back() == '\n' || msg.back() == ' ')) msg.pop_back();
    const char* state = PQresultErrorField(r, PG_DIAG_SQLSTATE);
    std::string code = state ? state : "";
    if (code.rfind("23", 0) == 0) return Status::Conflict(msg);  // integrity constraint
    if (code == "40001" || code == "40P01" || code.rfind("08", 0) == 0 ||
        PQstatus(conn_) != CONNECTION_OK)
      return Status::Unavailable(msg);
    return Status::IoError(msg);
  }
  // A connection the server dropped (a restart, a failover) is opened again before the next
  // statement; the statement that saw it drop failed with kUnavailable.
  void Reconnect() {
    if (PQstatus(conn_) == CONNECTION_BAD) PQreset(conn_);
  }
  PGconn* conn_ = nullptr;
  int64_t changes_ = 0;
};

}  // namespace

Result<std::unique_ptr<Db>> OpenPostgres(const std::string& conninfo) {
  auto db = std::make_unique<PgDb>();
  RSX_RETURN_IF_ERROR(db->Open(conninfo));
  return std::unique_ptr<Db>(std::move(db));
}

}  // namespace rsx::service
