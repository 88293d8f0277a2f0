#pragma once
// PostgreSQL access for the emulator: RAII handles over libpq, and a throwaway cluster.
// This is the only part of rsx that links libpq.

#include <libpq-fe.h>

#include <memory>
#include <string>
#include <vector>

#include "rsx/result.h"

namespace rsx::emu {

struct PgConnDeleter {
  void operator()(PGconn* c) const { PQfinish(c); }
};
struct PgResultDeleter {
  void operator()(PGresult* r) const { PQclear(r); }
};
using PgConn = std::unique_ptr<PGconn, PgConnDeleter>;
using PgResult = std::unique_ptr<PGresult, PgResultDeleter>;

// Opens a connection to `dsn` with TimeZone=UTC and DateStyle=ISO.
Result<PgConn> Connect(const std::string& dsn);
// Runs SQL with no parameters; fails with PostgreSQL's message.
Result<PgResult> Exec(PGconn* conn, const std::string& sql);
// Quotes an identifier ("a""b").
std::string QuoteIdent(const std::string& name);

// A PostgreSQL cluster in a temporary directory, started on a Unix socket only (no TCP), as
// the `postgres` user when run as root. Stop() (or the destructor) stops it and removes the
// directory.
class PgCluster {
 public:
  static Result<std::unique_ptr<PgCluster>> Start();
  ~PgCluster();
  void Stop();
  // DSN for a database on this cluster.
  std::string Dsn(const std::string& dbname) const;
  const std::string& dir() const { return dir_; }

 private:
  std::string dir_, bindir_;
  bool running_ = false;
};

// Makes a DSN for `dbname` from a base DSN (replacing or adding dbname=).
std::string DsnWithDatabase(const std::string& base_dsn, const std::string& dbname);

}  // namespace rsx::emu
