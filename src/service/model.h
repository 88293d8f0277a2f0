#pragma once
// The service's records: organizations, API keys, connections, syncs, runs. Each is stored as
// a JSON document plus the columns the store queries by (organization, id, status, schedule).

#include <cstdint>
#include <string>
#include <vector>

#include "rsx/result.h"
#include "rsx/workspace.h"

namespace rsx {
struct CheckReport;
}

namespace rsx::service {

struct Organization {
  std::string id, name, external_id;
  int64_t created_at = 0;
};

// An API key is "rsx_<key id>_<secret>"; only the key id, a random salt and
// SHA-256(salt || secret) are stored.
struct ApiKey {
  std::string id, org_id, name, salt, hash;
  int64_t created_at = 0, revoked_at = 0;
};

struct ConnectionRecord {
  std::string id, org_id, name, region, workgroup, database, role_arn;
  std::vector<std::string> schemas;
  int max_concurrent_statements = 4;
  int64_t created_at = 0, updated_at = 0;
  std::string health = "unknown";  // unknown | ok | failing
  std::string health_message;
  int64_t health_checked_at = 0;
};

struct SyncStreamSpec {
  std::string stream;                 // schema.table
  std::string mode = "full_refresh";  // full_refresh | incremental
  std::string cursor;
  std::vector<std::string> primary_key;
};

struct SyncRecord {
  std::string id, org_id, connection_id, name;
  std::vector<SyncStreamSpec> streams;
  std::string format = "jsonl", path;
  std::string schedule_type = "manual";  // manual | interval | cron
  int every_minutes = 0, every_seconds = 0;
  std::string cron;
  long long chunk_rows = 100000;
  bool enabled = true;      // false: the schedule is paused (runs started by hand still run)
  int64_t next_run_at = 0;  // 0: not scheduled
  int64_t created_at = 0, updated_at = 0;
};

struct RunStream {
  std::string stream, status = "pending";  // pending | running | complete
  long long rows = 0, bytes = 0;
  int statements = 0;
  long long row_estimate = -1;  // the table's row estimate at discovery; -1: unknown
};

// The statement a running run waits for.
struct InFlight {
  std::string stream, statement_id, sql;
  int64_t started_at = 0;
};

struct RunRecord {
  std::string id, org_id, sync_id, trigger;  // trigger: manual | schedule | retry
  std::string status = "queued";             // queued | running | succeeded | failed | cancelled
  std::vector<RunStream> streams;
  std::string error_code, error_message, statement_id, aws_error;
  int64_t created_at = 0, started_at = 0, finished_at = 0;
  int64_t scheduled_for = 0;       // the schedule's slot this run is for (0: started by hand)
  int64_t attempt_started_at = 0;  // when this attempt's worker took it
  InFlight in_flight;              // empty statement_id: none
  std::string worker;              // the worker (process) that executes or last executed it
  int attempt = 1;
  bool cancel_requested = false;
};

// A statement run from the console's query box (read-only, first rows shown). The result
// stays in the Data API; only the statement's id and its last known status are kept.
struct QueryRecord {
  std::string id, org_id, connection_id, sql, statement_id;
  std::string status = "SUBMITTED";  // the Data API's status
  std::string error;
  int limit = 100;
  int64_t created_at = 0;
};

inline bool RunActive(const std::string& status) {
  return status == "queued" || status == "running";
}

// How the library sees a connection: always with its organization's external ID.
ConnectionConfig ConnectionConfigOf(const ConnectionRecord& c, const Organization& org);

// The health summary of a connection check: "" when it passed, else the failed stage and
// its error, or the missing permissions.
std::string HealthMessage(const CheckReport& report);

// The documents as stored (and, for the API, as shown).
std::string ConnectionDoc(const ConnectionRecord& c);
Result<ConnectionRecord> ParseConnectionDoc(const std::string& doc);
std::string SyncDoc(const SyncRecord& s);
Result<SyncRecord> ParseSyncDoc(const std::string& doc);
std::string RunDoc(const RunRecord& r);
std::string QueryDoc(const QueryRecord& q);
Result<QueryRecord> ParseQueryDoc(const std::string& doc);
Result<RunRecord> ParseRunDoc(const std::string& doc);

// A destination path a client may give: relative, components of letters, digits, ".", "_" and
// "-" separated by "/", none of them "." or "..", at most 8 deep and 200 bytes. Whatever it
// says, the folder stays inside the organization's own folder. The error says what is wrong.
Status CheckDestinationPath(const std::string& path);

// What the query box runs: one statement that starts with SELECT, WITH, SHOW, EXPLAIN or
// VALUES and names none of the words that write (INTO, INSERT, UPDATE, DELETE, CREATE, ...)
// outside strings, quoted names and comments. A guard against slips, not a sandbox: the
// database user's grants are what keep a role read-only.
Status CheckReadOnlySql(const std::string& sql);

// Times are Unix milliseconds. RFC 3339 UTC ("2026-11-29T23:51:29.125Z"); "" for 0.
std::string Rfc3339(int64_t unix_millis);
int64_t NowMillis();

}  // namespace rsx::service
