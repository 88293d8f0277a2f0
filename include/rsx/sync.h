#pragma once
// The sync engine: full and incremental reads of streams to files, in chunks.
//
// Every read is keyset-paginated: `... order by <key> limit <chunk_rows>`, the next chunk
// starting after the last key read, so no statement is one giant SELECT and each stays far
// below the Data API's result cap. The key is the primary key for full refresh, and
// (cursor, primary key) for incremental: rows sharing a cursor value are neither lost nor
// repeated. After each chunk, the rows are written and fsynced, then the stream's state is
// checkpointed (atomically): a crashed or cancelled sync resumes from the last checkpoint and
// repeats at most the one chunk that was in flight.
//
// Identifiers are always quoted; values are always passed as Data API parameters with a cast
// to the column's type.
//
// What a hostile or unlucky input cannot do:
// * A schema or table name never leaves the output folder: stream files are named by
//   StreamFileName (%XX for anything but letters, digits, _ and -), and every path is checked.
// * Keyset reads need a unique, non-null key. Redshift does not enforce PRIMARY KEY, so before
//   the first chunk one statement counts repeated and NULL keys among the rows to be read; any
//   is an error (kInvalidArgument) unless `trust_key`.
// * A resumed run continues only with the state's own key columns, cursor and columns (a full
//   refresh whose state differs restarts the stream; an incremental one is refused), and puts
//   the stream's file back to the length recorded at the checkpoint first (a torn last line
//   is cut; a shorter file is an error).
// * Two runs on one state file: the second fails at once (kUnavailable) naming the first's PID.
// * A statement running longer than `statement_timeout` is cancelled and the run ends with
//   kTimeout at the last checkpoint.

#include <atomic>
#include <chrono>
#include <cstdio>
#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "rsx/catalog.h"
#include "rsx/compression.h"
#include "rsx/data_api.h"

namespace rsx {

class S3Client;

enum class SyncMode { kFullRefresh, kIncremental };

struct StreamSyncConfig {
  Stream stream;  // from Discover
  SyncMode mode = SyncMode::kFullRefresh;
  std::string cursor;            // incremental: the cursor column
  std::vector<std::string> key;  // tie-break / pagination key (default: primary key)
};

// Where a sync's records and checkpoints go when they are not files in out_dir: the Airbyte
// and Singer translations, a service's run. Called from the syncing thread, in order.
class RecordSink {
 public:
  virtual ~RecordSink() = default;
  // Records are written here, each as RecordPrefix(stream) + {row as JSON} + RecordSuffix(),
  // in chunks, and flushed before each Checkpoint.
  virtual FILE* Output() = 0;
  virtual std::string RecordPrefix(const Stream& stream) = 0;
  virtual std::string RecordSuffix() = 0;
  // "STARTED" before the stream's first read (after the key check), "RUNNING" after its first
  // chunk, "COMPLETE" after its last.
  virtual Status StreamStatus(const Stream& stream, const std::string& status) = 0;
  // The stream's state after the records before it were flushed: `stream_state_json` is what
  // a later run's StateStore must return under the stream's name to continue from here.
  virtual Status Checkpoint(const Stream& stream, const std::string& stream_state_json,
                            long long records_since_last) = 0;
};

// Where a sync's state is kept between runs. Without one, the state file (state_path, or
// <out_dir>/.rsx-state.json) is used: locked for the run, replaced atomically at each
// checkpoint. A protocol keeps it in memory (MemoryStateStore); a service in its database.
class StateStore {
 public:
  virtual ~StateStore() = default;
  // The whole state as rsx writes it ({"streams": {"schema.table": {...}}}); "" for none.
  virtual Result<std::string> Load() = 0;
  // After every checkpoint, the whole state.
  virtual Status Save(const std::string& state_json) = 0;
};

class MemoryStateStore : public StateStore {
 public:
  explicit MemoryStateStore(std::string initial = "") : state_(std::move(initial)) {}
  Result<std::string> Load() override { return state_; }
  Status Save(const std::string& state_json) override {
    state_ = state_json;
    return Status::OK();
  }
  const std::string& state() const { return state_; }

 private:
  std::string state_;
};

// How a stream's rows are read (docs/unload.md):
//   kPages   keyset-paginated SELECTs, each result read page by page (GetStatementResult);
//   kUnload  one UNLOAD of the stream to the S3 stage, whose files are then downloaded in
//            parallel and decoded into the same records;
//   kAuto    UNLOAD when a stage is set and the stream's estimated rows reach
//            `unload.auto_min_rows`, else pages.
// A stream whose schema, table or column names hold a backslash is always read by pages
// (UNLOAD's quoted query cannot carry one safely), with a warning.
enum class ReadPath { kPages, kUnload, kAuto };
// "pages", "unload", "auto"; kInvalidArgument naming --via otherwise.
Result<ReadPath> ParseReadPath(const std::string& text);

struct UnloadSyncOptions {
  std::shared_ptr<S3Client> s3;      // reads and cleans the stage (the connection's role)
  std::string stage;                 // s3://bucket/prefix/ (a trailing '/' is added)
  std::string iam_role = "default";  // the role Redshift writes with: "default" or an ARN
  Compression compression = Compression::kGzip;
  int connections = 4;  // ranged GETs at once (shared by the workers)
  int workers = 0;      // files decoded at once into part files (0: one per CPU); protocols: 1
  long long range_bytes = 4LL << 20;  // bytes per GET (memory: about connections x 2 x this)
  bool keep_staged = false;           // leave the files on S3 after the run
  long long auto_min_rows = 1000000;  // kAuto: UNLOAD from this many estimated rows
};

struct SyncOptions {
  std::string out_dir;
  std::string format = "jsonl";   // files: jsonl or csv
  long long chunk_rows = 100000;  // rows per statement
  // Full refresh of a table with a single integer key and no checkpoint: read key ranges with
  // up to this many statements at once (each range into its own part file, concatenated in key
  // order at the end). 1: one chunk after another. A crash during a parallel read restarts
  // the stream (its file is rewritten, so nothing is lost or repeated). Files only.
  int parallel = 1;
  std::string state_path;  // default: <out_dir>/.rsx-state.json
  bool trust_key = false;  // skip the unique-key check (the user vouches for the key)
  // How the user names another key, ending the key check's error; default: rsx sync's flags
  // ("Name a unique, non-null key (--primary-key), or skip this check (--trust-key) ...").
  std::string key_advice;
  std::chrono::milliseconds statement_timeout{3600000};  // per statement; 0: none
  // Warnings (a stream restarted, a file started anew); default: "rsx: warning: ..." on stderr.
  std::function<void(const std::string&)> warn;
  const std::atomic<bool>* interrupted = nullptr;
  // After each chunk: the stream's rows so far in this run, and the bytes the chunk wrote.
  std::function<void(const std::string& stream, long long rows, long long bytes)> progress;
  // Each statement once it was accepted: the stream, the statement id and its SQL (from the
  // syncing thread; the range reads of `parallel` > 1 are not reported).
  std::function<void(const std::string& stream, const std::string& statement_id,
                     const std::string& sql)>
      statement;

  ReadPath via = ReadPath::kPages;
  UnloadSyncOptions unload;

  RecordSink* sink = nullptr;         // records go here instead of files in out_dir
  StateStore* state_store = nullptr;  // the state lives here instead of the state file
};

// kInvalidArgument naming the option (and its rsx sync flag): files without out_dir, a format
// other than jsonl or csv, chunk_rows or parallel below 1. RunSync checks it first; callers
// check it before connecting to fail fast.
Status ValidateSyncOptions(const SyncOptions& options);

struct StreamResult {
  std::string name;  // schema.table
  std::string file;  // out_dir + "/" + StreamFileName(schema, table, format)
  long long rows = 0;
  int statements = 0;
  std::string via = "pages";    // how it was read: "pages" or "unload"
  int unload_files = 0;         // files downloaded (unload)
  long long unload_bytes = 0;   // their bytes, as stored (compressed)
  double unload_seconds = 0;    // the UNLOAD statement, submitted to finished (this run)
  double download_seconds = 0;  // reading, decoding and writing its files (this run)
};

// Syncs the streams in order; returns per-stream results. The state (StateStore, else the
// state file) is read first (a malformed one is an error, left untouched) and written after
// every chunk.
Result<std::vector<StreamResult>> RunSync(DataApiClient& client,
                                          const std::vector<StreamSyncConfig>& streams,
                                          const SyncOptions& options);

// Choosing streams, as `rsx sync` does: named ones ("schema.table") or all, each full refresh
// or incremental on one cursor column, keyed by the table's primary key or `primary_key`.
struct StreamSelection {
  std::vector<std::string> streams;  // "schema.table"; a dotted name quoted: "we.ird".t
  bool all = false;                  // every discovered stream
  bool incremental = false;
  std::string cursor;  // incremental: required
  std::vector<std::string> primary_key;
};

// "schema.table", split at the first dot; a name holding a dot is quoted as in SQL:
// "we.ird".t or "we.ird"."t.x" ("" inside quotes is one "). The error names the input.
Result<std::pair<std::string, std::string>> ParseStreamName(const std::string& name);

// The schemas `selection` names (sorted, unique; empty for `all`); kInvalidArgument for a bad
// name, a missing cursor or an empty selection.
Result<std::vector<std::string>> SelectionSchemas(const StreamSelection& selection);

// The streams to sync from a discovered catalog. kNotFound for an unknown stream;
// kInvalidArgument for a missing cursor column or (incremental) no key.
Result<std::vector<StreamSyncConfig>> PlanStreams(const std::vector<Stream>& catalog,
                                                  const StreamSelection& selection);

// manifest.json in `out_dir` (written atomically): each stream's file, rows, statements, mode
// and columns, and the state file.
Status WriteManifest(const std::string& out_dir, const std::string& connection_name,
                     const SyncOptions& options, const std::vector<StreamSyncConfig>& streams,
                     const std::vector<StreamResult>& results);

// Progress of a sync for people: feed it SyncOptions::progress calls; each returns a line
// "<stream>: <rows> rows, <MB> MB, <rate> rows/s[, <pct>% of ~<estimate>, ETA <s> s]" (the
// rate over the stream so far, the estimate from discovery). Not thread-safe.
class ProgressMeter {
 public:
  explicit ProgressMeter(const std::vector<StreamSyncConfig>& streams);
  std::string Update(const std::string& stream, long long rows, long long bytes);

 private:
  std::vector<std::pair<std::string, long long>> estimates_;
  std::string current_;
  std::chrono::steady_clock::time_point stream_start_, last_report_;
  long long bytes_total_ = 0;
};

// "schema.table" with identifiers quoted for SQL: "my schema"."my""table".
std::string QuoteIdentifier(const std::string& name);

// The stream's file name inside the output folder: safe, unique and reversible whatever the
// names hold (see sync/output_files.h). "public", "sales", "jsonl" -> "public.sales.jsonl".
std::string StreamFileName(std::string_view schema, std::string_view table, std::string_view ext);

}  // namespace rsx
