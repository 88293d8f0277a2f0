#pragma once
// Statement state shared by engine.cc (API) and engine_run.cc (execution). Private to the
// emulator.

#include <libpq-fe.h>

#include <condition_variable>
#include <cstdio>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "config.h"
#include "pg.h"
#include "rsx/clock.h"
#include "types.h"

namespace rsx::emu {

// A finished result moved out of memory: an unlinked temporary file, gone with its last user.
struct SpillFile {
  std::FILE* f = nullptr;
  ~SpillFile() {
    if (f) std::fclose(f);
  }
};

// Results larger than this are spilled to disk when they finish, so that many retained results
// (kept 24 hours) do not hold their rows in memory; only row offsets stay.
inline constexpr size_t kSpillBytes = 4 << 20;

// One SQL statement's execution and its materialized result.
struct Part {
  std::string sql, status = "SUBMITTED", error, query_uuid;
  long long rows = -1, size = -1, duration_ns = 0, query_id = 0;
  bool has_result = false;
  TimePoint created, updated;
  std::vector<ColumnMeta> columns;
  std::string data;                  // encoded rows back to back (empty once spilled)
  std::shared_ptr<SpillFile> spill;  // holds `data` when it was larger than kSpillBytes
  std::vector<size_t> row_end;       // end offset of each row in data
  std::vector<size_t> page_start;    // first row of each page
};

struct Statement {
  std::mutex mu;
  std::string id, owner, workgroup, database, db_user, name, session_id, format = "JSON";
  std::vector<std::pair<std::string, std::string>> params;
  bool batch = false;
  bool auto_commit = false;         // a batch's ExecutionMode AUTO_COMMIT
  std::condition_variable changed;  // notified (under mu) when the statement ends
  int waiting = 0;                  // requests waiting on it with WaitTimeSeconds
  std::string status = "SUBMITTED", error;
  TimePoint created, updated;
  long long duration_ns = 0, pid = 0;
  PGcancel* cancel = nullptr;
  bool cancel_requested = false, stall = false;
  int start_delay_ms = 0;  // a test hook: the wait between PICKED and STARTED
  std::string fail_message;
  std::shared_ptr<DataSession> session;
  std::vector<Part> parts;
};

struct DataSession {
  std::mutex run_mu;  // one statement at a time
  std::string id, owner, database, workgroup;
  std::string creator;  // the caller's ARN (an assumed-role session) that opened it
  std::string db_user;
  PgConn conn;
  int keep_alive = 0;
  TimePoint created, updated, expires;  // expires: idle limit (keep-alive), at most created+24h
  std::string current_statement;        // the last statement submitted in it
};

inline bool IsTerminal(const std::string& status) {
  return status == "FINISHED" || status == "FAILED" || status == "ABORTED";
}

// Runs one SQL text on `conn`; returns "FINISHED", "FAILED" or "ABORTED" and fills `p`.
// An UNLOAD runs through `unloader` (none: UNLOAD is refused as PostgreSQL would).
class Unloader;
std::string RunPart(PGconn* conn, Statement& st, Part& p, const Limits& limits, bool batch,
                    long long query_id, Unloader* unloader);

}  // namespace rsx::emu
