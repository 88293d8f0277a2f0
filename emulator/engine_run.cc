// Running statements on PostgreSQL and materializing their results.

#include <malloc.h>

#include <thread>

#include "engine.h"
#include "engine_internal.h"
#include "grants.h"
#include "rsx/crypto.h"
#include "rsx/strings.h"
#include "sql_params.h"
#include "unload.h"

namespace rsx::emu {
namespace {

using Clock_ = std::chrono::system_clock;

struct TableInfo {
  std::string schema, table;
};

// Schema, table and NOT NULL of the result columns that come from tables.
void FillTableColumns(PGconn* conn, const PGresult* res, std::vector<ColumnMeta>* cols) {
  for (int i = 0; i < PQnfields(res); ++i) {
    Oid table = PQftable(res, i);
    int col = PQftablecol(res, i);
    if (table == InvalidOid || col <= 0) continue;
    std::string sql =
        "select n.nspname, c.relname, a.attnotnull from pg_class c join pg_namespace n "
        "on n.oid = c.relnamespace join pg_attribute a on a.attrelid = c.oid "
        "where c.oid = " +
        std::to_string(table) + " and a.attnum = " + std::to_string(col);
    auto r = Exec(conn, sql);
    if (!r.ok() || PQntuples(r->get()) != 1) continue;
    (*cols)[static_cast<size_t>(i)].schema = PQgetvalue(r->get(), 0, 0);
    (*cols)[static_cast<size_t>(i)].table = PQgetvalue(r->get(), 0, 1);
    (*cols)[static_cast<size_t>(i)].nullable =
        std::string(PQgetvalue(r->get(), 0, 2)) == "t" ? 0 : 1;
  }
}

std::string PgError(const PGresult* r, PGconn* conn) {
  const char* primary = r ? PQresultErrorField(r, PG_DIAG_MESSAGE_PRIMARY) : nullptr;
  std::string msg = std::string("ERROR: ") + (primary ? primary : PQerrorMessage(conn));
  if (r) {
    if (const char* pos = PQresultErrorField(r, PG_DIAG_STATEMENT_POSITION))
      msg += "\n  Position: " + std::string(pos);
  }
  while (!msg.empty() && msg.back() == '\n') msg.pop_back();
  return msg;
}

}  // namespace

std::string RunPart(PGconn* conn, Statement& st, Part& out, const Limits& limits, bool batch,
                    long long query_id, Unloader* unloader) {
  // The result is built in a private copy and published under st.mu when it is complete:
  // DescribeStatement and GetStatementResult read `out` concurrently.
  Part p;
  {
    std::lock_guard<std::mutex> lock(st.mu);
    p = out;
  }
  p.query_id = query_id;
  p.query_uuid = crypto::RandomUuid();
  auto started = std::chrono::steady_clock::now();
  auto finish = [&](std::string status, std::string error) {
    p.duration_ns = std::chrono::duration_cast<std::chrono::nanoseconds>(
                        std::chrono::steady_clock::now() - started)
                        .count();
    p.status = status;
    p.error = std::move(error);
    p.updated = Clock_::now();
    std::lock_guard<std::mutex> lock(st.mu);
    out = std::move(p);
    return status;
  };
  std::vector<std::pair<std::string, std::string>> params = st.params;
  if (batch) {  // parameters are shared by every statement of a batch: keep those this one uses
    std::vector<std::pair<std::string, std::string>> used;
    for (auto& kv : params)
      if (p.sql.find(":" + kv.first) != std::string::npos) used.push_back(kv);
    params = used;
  }
  auto bound = BindNamedParams(p.sql, params);
  if (!bound.ok()) return finish("FAILED", "ERROR: " + bound.status().message());
  std::vector<const char*> values;
  for (const auto& v : bound->values) values.push_back(v.c_str());
  p.status = "STARTED";
  {
    std::lock_guard<std::mutex> sl(st.mu);
    out.status = "STARTED";
  }
  // As the statement's database user, before each statement: a RESET ROLE earlier in the
  // session or the batch does not carry over.
  if (!st.db_user.empty()) {
    if (auto set = Exec(conn, "SET ROLE " + QuoteIdent(st.db_user)); !set.ok())
      return finish("FAILED", "ERROR: " + set.status().message());
  }
  if (unloader && LooksLikeUnload(bound->sql)) {
    UnloadOutcome u = unloader->Run(conn, st.workgroup, bound->sql, [&st] {
      std::lock_guard<std::mutex> sl(st.mu);
      return st.cancel_requested;
    });
    if (!u.error.empty()) {
      bool cancelled;
      {
        std::lock_guard<std::mutex> sl(st.mu);
        cancelled = st.cancel_requested;
      }
      if (cancelled) return finish("ABORTED", "Query cancelled on user's request");
      return finish("FAILED", u.error);
    }
    p.rows = u.rows;
    p.size = 0;
    p.has_result = false;
    return finish("FINISHED", "");
  }
  if (!PQsendQueryParams(conn, bound->sql.c_str(), static_cast<int>(values.size()), nullptr,
                         values.data(), nullptr, nullptr, 0))
    return finish("FAILED", PgError(nullptr, conn));
  PgResult last;
  while (PGresult* r = PQgetResult(conn)) last.reset(r);
  auto status = last ? PQresultStatus(last.get()) : PGRES_FATAL_ERROR;
  if (status == PGRES_COMMAND_OK) {
    const char* n = PQcmdTuples(last.get());
    p.rows = (n && *n) ? std::atoll(n) : 0;
    p.size = 0;
    p.has_result = false;
    return finish("FINISHED", "");
  }
  if (status != PGRES_TUPLES_OK) {
    bool cancelled;
    {
      std::lock_guard<std::mutex> sl(st.mu);
      cancelled = st.cancel_requested;
    }
    if (cancelled) return finish("ABORTED", "Query cancelled on user's request");
    return finish("FAILED", RedshiftWords(PgError(last.get(), conn)));
  }

  const PGresult* res = last.get();
  int ncols = PQnfields(res), nrows = PQntuples(res);
  p.columns.assign(static_cast<size_t>(ncols), ColumnMeta{});
  for (int c = 0; c < ncols; ++c) {
    p.columns[static_cast<size_t>(c)].name = PQfname(res, c);
    DescribeType(PQftype(res, c), PQfmod(res, c), &p.columns[static_cast<size_t>(c)]);
  }
  FillTableColumns(conn, res, &p.columns);
  bool csv = st.format == "CSV";
  p.data.clear();
  p.row_end.reserve(static_cast<size_t>(nrows));
  long long page_bytes = 0;
  for (int r = 0; r < nrows; ++r) {
    size_t start = p.data.size();
    if (!csv) p.data.push_back('[');
    for (int c = 0; c < ncols; ++c) {
      if (c) p.data.push_back(',');
      bool null = PQgetisnull(res, r, c);
      std::string_view v(PQgetvalue(res, r, c), static_cast<size_t>(PQgetlength(res, r, c)));
      if (csv)
        AppendCsvField(&p.data, v, null);
      else
        AppendJsonField(&p.data, p.columns[static_cast<size_t>(c)].kind, v, null);
    }
    p.data.push_back(csv ? '\n' : ']');
    long long row_bytes = static_cast<long long>(p.data.size() - start);
    if (row_bytes > limits.row_bytes)
      return finish("FAILED", "ERROR: Row size exceeds the maximum allowed row size of " +
                                  std::to_string(limits.row_bytes) + " bytes for the Data API");
    if (static_cast<long long>(p.data.size()) > limits.result_bytes)
      return finish("FAILED", "ERROR: Database response exceeded size limit");
    if (p.page_start.empty() || page_bytes + row_bytes > limits.page_bytes) {
      p.page_start.push_back(static_cast<size_t>(r));
      page_bytes = 0;
    }
    page_bytes += row_bytes;
    p.row_end.push_back(p.data.size());
  }
  p.rows = nrows;
  p.size = static_cast<long long>(p.data.size());
  p.has_result = true;
  if (p.data.size() > kSpillBytes) {
    auto spill = std::make_shared<SpillFile>();
    spill->f = std::tmpfile();  // already unlinked
    if (spill->f && std::fwrite(p.data.data(), 1, p.data.size(), spill->f) == p.data.size() &&
        std::fflush(spill->f) == 0) {
      p.spill = std::move(spill);
      std::string().swap(p.data);
      malloc_trim(0);  // hand the freed pages back; glibc's arenas would keep them otherwise
    }                  // else: keep it in memory
  }
  return finish("FINISHED", "");
}

void Engine::Run(const std::shared_ptr<Statement>& sp) {
  Statement& st = *sp;
  {
    std::lock_guard<std::mutex> sl(st.mu);
    if (st.status != "SUBMITTED") return;
    st.status = "PICKED";
    st.updated = Clock_::now();
  }
  if (st.start_delay_ms > 0)
    std::this_thread::sleep_for(std::chrono::milliseconds(st.start_delay_ms));
  auto started = std::chrono::steady_clock::now();
  auto finish = [&](const std::string& status, const std::string& error) {
    std::lock_guard<std::mutex> sl(st.mu);
    st.status = status;
    st.error = error;
    st.updated = Clock_::now();
    st.duration_ns = std::chrono::duration_cast<std::chrono::nanoseconds>(
                         std::chrono::steady_clock::now() - started)
                         .count();
    for (auto& p : st.parts) {
      if (p.status == "SUBMITTED" || p.status == "STARTED") {
        p.status = status == "FINISHED" ? "FINISHED" : status;
        if (p.error.empty()) p.error = error;
        p.updated = st.updated;
      }
    }
    if (st.cancel) {
      PQfreeCancel(st.cancel);
      st.cancel = nullptr;
    }
    st.changed.notify_all();
  };

  std::unique_lock<std::mutex> session_lock;
  PgConn owned;
  PGconn* conn = nullptr;
  if (st.session) {
    session_lock = std::unique_lock<std::mutex>(st.session->run_mu);
    if (!st.session->conn) {
      auto c = Connect(dsn_for_(st.database));
      if (!c.ok()) return finish("FAILED", "FATAL: " + c.status().message());
      st.session->conn = std::move(*c);
    }
    conn = st.session->conn.get();
  } else {
    auto c = Acquire(st.database);
    if (!c.ok()) {
      std::string m = c.status().message();
      size_t pos = m.find("FATAL:");
      return finish("FAILED", pos == std::string::npos ? m : util::Trim(m.substr(pos)));
    }
    owned = std::move(*c);
    conn = owned.get();
  }
  // The database user exists from its first statement on, as on Redshift.
  if (!st.db_user.empty()) {
    bool known;
    {
      std::lock_guard<std::mutex> lock(mu_);
      known = db_users_.count(st.db_user) > 0;
    }
    if (!known) {
      Status made = EnsureDatabaseUser(conn, st.db_user);
      if (!made.ok()) {
        if (owned) Release(st.database, std::move(owned));
        return finish("FAILED", "ERROR: " + made.message());
      }
      std::lock_guard<std::mutex> lock(mu_);
      db_users_.insert(st.db_user);
    }
  }
  bool cancelled_before_start;
  {
    std::lock_guard<std::mutex> sl(st.mu);
    cancelled_before_start = st.cancel_requested;
    if (cancelled_before_start) {
      st.status = "ABORTED";
      st.updated = Clock_::now();
      for (auto& p : st.parts) p.status = "ABORTED";
      st.changed.notify_all();
    } else {
      st.status = "STARTED";
      st.pid = PQbackendPID(conn);
      st.cancel = PQgetCancel(conn);
    }
  }
  if (cancelled_before_start) {  // Release takes mu_: never while holding st.mu
    if (owned) Release(st.database, std::move(owned));
    return;
  }
  if (st.stall) {
    while (true) {
      {
        std::lock_guard<std::mutex> sl(st.mu);
        if (st.cancel_requested) break;
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(5));
    }
    finish("ABORTED", "Query cancelled on user's request");
  } else if (!st.fail_message.empty()) {
    finish("FAILED", st.fail_message);
  } else if (!st.batch) {
    std::string status =
        RunPart(conn, st, st.parts[0], config_.limits, false, query_ids_++, unloader_);
    finish(status, st.parts[0].error);
  } else if (st.auto_commit) {
    // AUTO_COMMIT: each statement commits on its own; the batch stops at the first failure
    // (the later statements are not run) and nothing before it is rolled back.
    std::string status = "FINISHED", error;
    for (auto& p : st.parts) {
      if (status != "FINISHED") {
        std::lock_guard<std::mutex> sl(st.mu);
        p.status = "ABORTED";
        continue;
      }
      status = RunPart(conn, st, p, config_.limits, true, query_ids_++, unloader_);
      error = p.error;
    }
    finish(status, error);
  } else {
    bool ok = Exec(conn, "BEGIN").ok();
    std::string status = ok ? "FINISHED" : "FAILED", error;
    for (auto& p : st.parts) {
      if (status != "FINISHED") break;
      status = RunPart(conn, st, p, config_.limits, true, query_ids_++, unloader_);
      error = p.error;
    }
    if (status == "FINISHED") {
      auto c = Exec(conn, "COMMIT");
      if (!c.ok()) status = "FAILED", error = c.status().message();
    } else {
      (void)Exec(conn, "ROLLBACK");
      for (auto& p : st.parts) {
        std::lock_guard<std::mutex> sl(st.mu);
        if (p.status == "FINISHED" || p.status == "SUBMITTED") p.status = "ABORTED";
      }
    }
    finish(status, error);
  }
  if (st.session) {
    std::lock_guard<std::mutex> lock(mu_);
    st.session->updated = Clock_::now();
    st.session->expires = st.session->updated + std::chrono::seconds(st.session->keep_alive);
  } else {
    Release(st.database, std::move(owned));
  }
}

}  // namespace rsx::emu
