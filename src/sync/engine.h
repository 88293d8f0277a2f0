#pragma once
// The sync engine's insides, shared by its two read paths: pages (sync_engine.cc) and UNLOAD
// (unload_stream.cc).

#include <sys/stat.h>

#include <cerrno>
#include <cstring>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "rsx/statement_runner.h"
#include "rsx/strings.h"
#include "rsx/sync.h"
#include "sync/chunk_writer.h"
#include "sync/output_files.h"
#include "sync/stream_state.h"
#include "util/json_access.h"

namespace rsx::sync_internal {

std::string Join(const std::vector<std::string>& v);

// Everything a run on one stream works from.
struct Plan {
  std::string name;                    // schema.table
  std::vector<std::string> key_names;  // (cursor, key...) or key
  std::vector<const ColumnInfo*> key;
  std::vector<size_t> key_idx;
  std::vector<std::string> column_names;
  std::string columns, order, from;  // SQL pieces
};

Result<Plan> MakePlan(const StreamSyncConfig& cfg);

// Keyset reads skip rows when the key repeats or is NULL. One statement counts both among
// the rows the run will read (`where`); kInvalidArgument explains the fix.
Status CheckKey(DataApiClient& client, const Plan& p, size_t first_key_column,
                const std::string& where, const RunOptions& base, const std::string& advice,
                int* statements);

class Engine {
 public:
  Engine(DataApiClient& client, const SyncOptions& o) : client_(client), o_(o) {
    protocol_ = o.sink != nullptr;
    csv_ = o.format == "csv";
    state_path_ = o.state_path.empty() ? o.out_dir + "/.rsx-state.json" : o.state_path;
  }

  Status Open() {
    if (o_.state_store) {
      RSX_ASSIGN_OR_RETURN(std::string text, o_.state_store->Load());
      if (!text.empty()) {
        RSX_ASSIGN_OR_RETURN(state_, ParseSyncState(text, "the input state"));
      }
    }
    if (protocol_) return Status::OK();  // no files: records go to the sink
    std::error_code ec;
    std::filesystem::create_directories(o_.out_dir, ec);
    if (ec)
      return Status::IoError("cannot create the output folder " + o_.out_dir + ": " + ec.message());
    if (access(o_.out_dir.c_str(), W_OK) != 0)
      return Status::IoError("the output folder " + o_.out_dir + " is not writable");
    if (o_.state_store) return Status::OK();
    auto lock = FileLock::Acquire(state_path_ + ".lock", "the state file " + state_path_);
    if (!lock.ok()) return lock.status();
    lock_ = std::make_unique<FileLock>(std::move(*lock));
    struct stat sb;
    if (::stat(state_path_.c_str(), &sb) != 0 && errno == ENOENT)
      return Status::OK();  // a first run
    RSX_ASSIGN_OR_RETURN(std::string text, ReadTextFile(state_path_, "state"));
    auto parsed = ParseSyncState(text, "the state file " + state_path_);
    if (!parsed.ok())
      return Status::InvalidArgument(parsed.status().message() +
                                     "; it was left untouched (move it aside to start over)");
    state_ = std::move(*parsed);
    return Status::OK();
  }

  Result<StreamResult> SyncStream(const StreamSyncConfig& cfg);

 private:
  // After a chunk or file: its rows fsynced (files) or flushed (protocols); the protocol's
  // "RUNNING" after the stream's first.
  Status ChunkWritten(const Stream& s, FILE* out, bool* first_read) {
    if (protocol_) {
      if (std::fflush(out) != 0) return Status::IoError("cannot write to stdout");
    } else {
      RSX_RETURN_IF_ERROR(Durable(out));
    }
    if (protocol_ && *first_read) RSX_RETURN_IF_ERROR(o_.sink->StreamStatus(s, "RUNNING"));
    *first_read = false;
    return Status::OK();
  }
  // The stream's output: the sink's, or its file (created, or with `append` put back to
  // `file_bytes` first; a CSV file starts with its header). `owned` keeps the file open.
  Result<FILE*> OpenOutput(const Stream& s, const std::string& name, bool append, bool complete,
                           long long file_bytes, File* owned, std::string* path);
  // Whether this stream is read through UNLOAD in this run (unload_stream.cc). May drop an
  // abandoned UNLOAD read from `prev` (the stream continues by pages).
  Result<bool> UseUnload(const StreamSyncConfig& cfg, const Plan& p,
                         std::optional<StreamState>& prev);
  Result<StreamResult> SyncStreamUnload(const StreamSyncConfig& cfg, const Plan& p,
                                        std::optional<StreamState> prev);
  void Warn(const std::string& m) {
    if (o_.warn)
      o_.warn(m);
    else
      std::fprintf(stderr, "rsx: warning: %s\n", util::TerminalSafe(m).c_str());
  }
  Status Save() {
    RSX_ASSIGN_OR_RETURN(std::string text, json_access::Dump(state_.doc, 2));
    if (o_.state_store) return o_.state_store->Save(text + "\n");
    if (protocol_) return Status::OK();
    return WriteFileAtomic(state_path_, text + "\n", 0600);
  }
  // Records the stream's state, then saves it (files) or hands it to the protocol.
  Status Checkpoint(const Stream& s, const std::string& name, StreamState& st, FILE* out,
                    long long records) {
    if (!protocol_) {
      struct stat sb;
      if (fstat(fileno(out), &sb) != 0)
        return Status::IoError(std::string("cannot stat the output: ") + std::strerror(errno));
      st.file_bytes = static_cast<long long>(sb.st_size);
    }
    if (protocol_) st.stream_namespace = s.schema;
    state_.doc["streams"][name] = StreamStateJson(st);
    RSX_RETURN_IF_ERROR(Save());  // after the rows are on disk
    if (!protocol_) return Status::OK();
    RSX_ASSIGN_OR_RETURN(std::string text, json_access::Dump(state_.doc["streams"][name]));
    return o_.sink->Checkpoint(s, text, records);
  }

  DataApiClient& client_;
  const SyncOptions& o_;
  bool protocol_ = false, csv_ = false;
  std::string state_path_;
  std::unique_ptr<FileLock> lock_;
  SyncState state_;
};

}  // namespace rsx::sync_internal
