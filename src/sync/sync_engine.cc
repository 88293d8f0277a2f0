// The sync engine: plans each stream (key, resume point, file), checks the key, then reads it
// chunk by chunk (or by parallel key ranges), checkpointing after each durable write.

#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <filesystem>
#include <nlohmann/json.hpp>
#include <set>

#include "rsx/policy.h"
#include "rsx/s3.h"
#include "rsx/statement_runner.h"
#include "rsx/sync.h"
#include "rsx/types.h"
#include "sync/chunk_writer.h"
#include "sync/engine.h"
#include "sync/output_files.h"
#include "sync/stream_state.h"
#include "util/json_access.h"

namespace rsx {

using nlohmann::json;
using namespace sync_internal;

std::string QuoteIdentifier(const std::string& name) { return QuoteSqlIdentifier(name); }

namespace sync_internal {

std::string Join(const std::vector<std::string>& v) {
  std::string out;
  for (const auto& s : v) out += (out.empty() ? "" : ", ") + s;
  return out;
}

Result<Plan> MakePlan(const StreamSyncConfig& cfg) {
  const Stream& s = cfg.stream;
  Plan p;
  p.name = s.schema + "." + s.table;
  if (cfg.mode == SyncMode::kIncremental) p.key_names.push_back(cfg.cursor);
  for (const auto& k : cfg.key.empty() ? s.primary_key : cfg.key)
    if (k != cfg.cursor) p.key_names.push_back(k);
  for (const auto& k : p.key_names) {
    bool found = false;
    for (size_t i = 0; i < s.columns.size() && !found; ++i) {
      if (s.columns[i].name == k) {
        p.key.push_back(&s.columns[i]);
        p.key_idx.push_back(i);
        found = true;
      }
    }
    if (!found) return Status::InvalidArgument("stream " + p.name + " has no column '" + k + "'");
  }
  for (size_t i = 0; i < s.columns.size(); ++i) {
    p.columns += (i ? ", " : "") + QuoteIdentifier(s.columns[i].name);
    p.column_names.push_back(s.columns[i].name);
  }
  for (size_t i = 0; i < p.key.size(); ++i)
    p.order += (i ? ", " : "") + QuoteIdentifier(p.key[i]->name);
  p.from = QuoteIdentifier(s.schema) + "." + QuoteIdentifier(s.table);
  return p;
}

// Keyset reads skip rows when the key repeats or is NULL. One statement counts both among
// the rows the run will read (`where`).
Status CheckKey(DataApiClient& client, const Plan& p, size_t first_key_column,
                const std::string& where, const RunOptions& base, const std::string& advice,
                int* statements) {
  std::string nulls, group;
  std::vector<std::string> names;
  for (size_t i = first_key_column; i < p.key.size(); ++i) {
    std::string col = QuoteIdentifier(p.key[i]->name);
    nulls += (nulls.empty() ? "" : " or ") + col + " is null";
    group += (group.empty() ? "" : ", ") + col;
  }
  std::string w = where.empty() ? "" : "(" + where + ") and ";
  std::string sql = "select (select count(*) from " + p.from + " where " + w + "(" + nulls +
                    ")), " + "(select count(*) from (select 1 from " + p.from +
                    (where.empty() ? "" : " where " + where) + " group by " + p.order +
                    " having count(*) > 1) d)";
  TextRows counts;
  auto run = RunStatement(client, sql, base, &counts);
  ++*statements;
  if (!run.ok())
    return Status(run.status()).Prepend("stream " + p.name + " (checking that the key is unique)");
  if (counts.rows.size() != 1 || counts.rows[0].size() != 2)
    return Status::Internal("stream " + p.name + ": the key check returned an unexpected result");
  long long null_rows = std::atoll(counts.rows[0][0].c_str()),
            repeated = std::atoll(counts.rows[0][1].c_str());
  if (null_rows == 0 && repeated == 0) return Status::OK();
  std::string what;
  if (repeated > 0)
    what = std::to_string(repeated) + " key value" + (repeated == 1 ? " occurs" : "s occur") +
           " more than once";
  if (null_rows > 0)
    what += (what.empty() ? "" : " and ") + std::to_string(null_rows) + " row" +
            (null_rows == 1 ? " has" : "s have") + " a NULL in the key";
  return Status::InvalidArgument(
      "stream " + p.name + ": the key (" + Join(p.key_names) + ") is not unique and non-null: " +
      what + ". Reading in key order would skip rows (Redshift does not enforce PRIMARY KEY). " +
      (advice.empty() ? "Name a unique, non-null key (--primary-key), or skip this check "
                        "(--trust-key) only if you know the key is unique"
                      : advice));
}

Result<FILE*> Engine::OpenOutput(const Stream& s, const std::string& name, bool append,
                                 bool complete, long long file_bytes, File* owned,
                                 std::string* path) {
  if (protocol_) return o_.sink->Output();
  RSX_ASSIGN_OR_RETURN(
      *path, PathUnder(o_.out_dir, StreamFileName(s.schema, s.table, csv_ ? "csv" : "jsonl")));
  if (append && complete && access(path->c_str(), F_OK) != 0 && errno == ENOENT) {
    Warn("stream " + name + ": " + *path +
         " is gone (moved away after the last run?); new rows go to a new file");
  } else if (append) {
    RSX_RETURN_IF_ERROR(Status(TruncateToCheckpoint(*path, file_bytes)).Prepend("stream " + name));
  }
  auto opened = OpenOutputFile(*path, append);
  if (!opened.ok()) return Status(opened.status()).Prepend("stream " + name);
  owned->reset(*opened);
  FILE* out = owned->get();
  struct stat sb;
  if (csv_ && fstat(fileno(out), &sb) == 0 && sb.st_size == 0) {
    std::string header = RowEncoder(s.columns, RowEncoder::Form::kCsv).CsvHeader();
    if (std::fwrite(header.data(), 1, header.size(), out) != header.size())
      return Status::IoError("cannot write " + *path + ": " + std::strerror(errno));
  }
  return out;
}

Result<StreamResult> Engine::SyncStream(const StreamSyncConfig& cfg) {
  const Stream& s = cfg.stream;
  RSX_ASSIGN_OR_RETURN(Plan p, MakePlan(cfg));
  const std::string& name = p.name;
  bool incremental = cfg.mode == SyncMode::kIncremental;

  // The saved state, if it is this stream's in this mode, and whether it may be continued.
  std::optional<StreamState> prev;
  if (auto it = state_.doc["streams"].find(name); it != state_.doc["streams"].end()) {
    RSX_ASSIGN_OR_RETURN(StreamState st, ParseStreamState(*it, "the state of stream " + name));
    if (st.incremental == incremental) prev = std::move(st);
  }
  std::string refuse = "stream " + name + ": the saved state is for ";
  std::string aside = " (move the state file aside to start over)";
  if (prev && incremental) {
    if (prev->cursor != cfg.cursor)
      return Status::InvalidArgument(refuse + "cursor '" + prev->cursor + "', not '" + cfg.cursor +
                                     "'" + aside);
    if (prev->key_columns && *prev->key_columns != p.key_names)
      return Status::InvalidArgument(refuse + "the key (" + Join(*prev->key_columns) + "), not (" +
                                     Join(p.key_names) + ")" + aside);
    if (prev->columns && *prev->columns != p.column_names && (!prev->complete || csv_))
      return Status::InvalidArgument(refuse + "the columns (" + Join(*prev->columns) + "), not (" +
                                     Join(p.column_names) +
                                     "): the file would mix two column sets" + aside);
    for (const auto& k : prev->boundary_keys)
      if (k.size() + 1 != p.key_names.size())
        return Status::InvalidArgument(refuse + "another key: its boundary keys have " +
                                       std::to_string(k.size()) + " values, the key (" +
                                       Join(p.key_names) + ") needs " +
                                       std::to_string(p.key_names.size() - 1) + aside);
    if (!prev->key.empty() && prev->key.size() != p.key_names.size())
      return Status::InvalidArgument(refuse + "another key: it holds " +
                                     std::to_string(prev->key.size()) + " key values, the key (" +
                                     Join(p.key_names) + ") has " +
                                     std::to_string(p.key_names.size()) + aside);
  }
  RSX_ASSIGN_OR_RETURN(bool via_unload, UseUnload(cfg, p, prev));
  if (via_unload) return SyncStreamUnload(cfg, p, std::move(prev));
  if (prev && !incremental) {
    if (prev->complete || prev->key.empty()) {
      prev.reset();  // finished, or nothing read yet (a parallel read restarts): start over
    } else if ((prev->key_columns ? *prev->key_columns != p.key_names : !prev->key.empty()) ||
               (prev->columns && *prev->columns != p.column_names) ||
               prev->key.size() != p.key_names.size()) {
      Warn("stream " + name + ": the unfinished full refresh in the state used the key (" +
           (prev->key_columns ? Join(*prev->key_columns) : std::string("unknown")) + ") and " +
           (prev->columns ? std::to_string(prev->columns->size()) : std::string("unknown")) +
           " columns; this run uses (" + Join(p.key_names) + ") and " +
           std::to_string(p.column_names.size()) + ": the stream starts over");
      prev.reset();
    }
  }
  bool resume = prev.has_value();
  bool from_boundary = incremental && resume && prev->complete && prev->boundary_cursor.has_value();
  std::vector<std::string> last = resume && !from_boundary ? prev->key : std::vector<std::string>{};
  std::string skip_cursor = from_boundary ? *prev->boundary_cursor : "";
  std::set<std::vector<std::string>> skip_keys;
  if (from_boundary) skip_keys.insert(prev->boundary_keys.begin(), prev->boundary_keys.end());
  ChunkWriter::Boundary boundary;
  if (resume && prev->boundary_cursor) boundary = {*prev->boundary_cursor, prev->boundary_keys};

  StreamResult res{name, "", 0, 0};
  // The first statement's filter: every later chunk continues after the last key read.
  RunOptions base;
  base.interrupted = o_.interrupted;
  base.timeout = o_.statement_timeout;
  if (o_.statement)
    base.submitted = [&](const std::string& id, const std::string& sql) {
      o_.statement(name, id, sql);
    };
  auto where_for = [&](bool first, RunOptions* ro) {
    std::string where;
    if (incremental) where = QuoteIdentifier(cfg.cursor) + " is not null";
    if (first && from_boundary) {
      where += " and " + QuoteIdentifier(cfg.cursor) + " >= CAST(:b AS " + SqlType(*p.key[0]) + ")";
      ro->params.emplace_back("b", skip_cursor);
    } else if (!last.empty() && !p.key.empty()) {
      where += (where.empty() ? "" : " and ") + KeyAfter(p.key, 0);
      for (size_t i = 0; i < last.size(); ++i)
        ro->params.emplace_back("k" + std::to_string(i), last[i]);
    }
    return where;
  };
  bool chunked = !p.key.empty();
  // The key is checked before the stream's file is opened: a refusal leaves the last run's
  // output as it was (opening a fresh file empties it).
  if (chunked && !o_.trust_key) {
    RunOptions ro = base;
    std::string where = where_for(true, &ro);
    // Incremental: the cursor is never NULL in what is read; a cursor alone must be unique.
    RSX_RETURN_IF_ERROR(CheckKey(client_, p, incremental && p.key.size() > 1 ? 1 : 0, where, ro,
                                 o_.key_advice, &res.statements));
  }

  // The stream's file: put back to the checkpoint when continuing, else started anew. A new
  // file is opened (which empties the last run's) only when the first rows arrive, so a run
  // that fails before them leaves the last good output as it was.
  File owned;
  bool append = !last.empty() || (incremental && resume);
  FILE* out = nullptr;
  auto open_out = [&]() -> Result<FILE*> {
    if (out == nullptr) {
      RSX_ASSIGN_OR_RETURN(out, OpenOutput(s, name, append, append && prev->complete,
                                           append ? prev->file_bytes : 0, &owned, &res.file));
    }
    return out;
  };
  if (append || protocol_) RSX_RETURN_IF_ERROR(open_out().status());
  std::string record_prefix = protocol_ ? o_.sink->RecordPrefix(s) : "";
  std::string record_suffix = protocol_ ? o_.sink->RecordSuffix() : "\n";
  if (protocol_) RSX_RETURN_IF_ERROR(o_.sink->StreamStatus(s, "STARTED"));

  StreamState st;
  st.incremental = incremental;
  st.cursor = cfg.cursor;
  st.key_columns = p.key_names;
  st.columns = p.column_names;
  st.rows = resume ? prev->rows : 0;
  st.key = last;
  st.boundary_cursor = resume ? prev->boundary_cursor : std::nullopt;
  st.boundary_keys = resume ? prev->boundary_keys : std::vector<std::vector<std::string>>{};

  // Parallel full refresh: a single integer key, nothing to resume, files (not protocols).
  bool integer_key =
      p.key.size() == 1 && (TypeFromName(p.key[0]->type_name) == RedshiftType::kSmallInt ||
                            TypeFromName(p.key[0]->type_name) == RedshiftType::kInteger ||
                            TypeFromName(p.key[0]->type_name) == RedshiftType::kBigInt);
  if (o_.parallel > 1 && !incremental && !protocol_ && integer_key && last.empty()) {
    TextRows bounds;
    auto probe = RunStatement(
        client_, "select min(" + p.order + "), max(" + p.order + "), count(*) from " + p.from, base,
        &bounds);
    if (!probe.ok())
      return Status(probe.status()).Prepend("stream " + name + " (probing key bounds)");
    ++res.statements;
    if (bounds.rows.size() != 1 || bounds.rows[0].size() != 3)
      return Status::Internal("stream " + name +
                              ": the key bounds probe returned an unexpected result");
    const auto& b = bounds.rows[0];
    long long count = std::atoll(b[2].c_str());
    if (count > o_.chunk_rows && !b[0].empty()) {
      RSX_RETURN_IF_ERROR(open_out().status());
      RSX_RETURN_IF_ERROR(Checkpoint(s, name, st, out, 0));  // "complete": false until the end
      auto rows = ParallelFullRefresh(client_, o_, p.columns, p.from, *p.key[0], p.key_idx[0],
                                      std::atoll(b[0].c_str()), std::atoll(b[1].c_str()), count,
                                      out, csv_, &res.statements);
      if (!rows.ok()) return Status(rows.status()).Prepend("stream " + name);
      RSX_RETURN_IF_ERROR(Durable(out));
      res.rows = *rows;
      st.rows = *rows;
      st.complete = true;
      st.key = {b[1]};
      RSX_RETURN_IF_ERROR(Checkpoint(s, name, st, out, *rows));
      if (o_.progress) o_.progress(name, res.rows, st.file_bytes);
      return res;
    }
  }

  bool first_chunk = true, first_read = true;
  while (true) {
    RunOptions ro = base;
    std::string where = where_for(first_chunk, &ro);
    std::string sql =
        "select " + p.columns + " from " + p.from + (where.empty() ? "" : " where " + where);
    if (chunked) sql += " order by " + p.order + " limit " + std::to_string(o_.chunk_rows);
    ChunkWriter writer(out, csv_, record_prefix, record_suffix, p.key_idx, incremental,
                       first_chunk && from_boundary ? &skip_cursor : nullptr, &skip_keys, boundary);
    if (out == nullptr) writer.OpenWhenWriting(open_out);
    first_chunk = false;
    auto run = RunStatement(client_, sql, ro, &writer);
    if (!run.ok()) return Status(run.status()).Prepend("stream " + name);
    ++res.statements;
    RSX_RETURN_IF_ERROR(
        open_out().status());  // a chunk without rows: the (empty) file all the same
    RSX_RETURN_IF_ERROR(ChunkWritten(s, out, &first_read));
    res.rows += writer.rows();
    st.rows += writer.rows();
    if (writer.read() > 0 && chunked) {
      if (writer.last_key_null())  // the key check was skipped (--trust-key) and the key holds NULL
        return Status::InvalidArgument("stream " + name +
                                       ": a key column holds NULL; choose a non-null key");
      last = writer.last_key();
      st.key = last;
    }
    if (incremental) {
      boundary = writer.boundary();
      if (!boundary.cursor.empty() || writer.read() > 0) {
        st.boundary_cursor = boundary.cursor;
        st.boundary_keys = boundary.keys;
      }
    }
    bool done = !chunked || writer.read() < o_.chunk_rows;
    st.complete = done;
    RSX_RETURN_IF_ERROR(Checkpoint(s, name, st, out, writer.rows()));
    if (o_.progress) o_.progress(name, res.rows, writer.bytes());
    if (done) break;
  }
  if (protocol_) RSX_RETURN_IF_ERROR(o_.sink->StreamStatus(s, "COMPLETE"));
  return res;
}

}  // namespace sync_internal

Result<ReadPath> ParseReadPath(const std::string& text) {
  if (text == "pages") return ReadPath::kPages;
  if (text == "unload") return ReadPath::kUnload;
  if (text == "auto") return ReadPath::kAuto;
  return Status::InvalidArgument("--via '" + text + "' is not one of pages, unload, auto");
}

Status ValidateSyncOptions(const SyncOptions& o) {
  if (!o.sink && o.out_dir.empty())
    return Status::InvalidArgument("--to DIR (out_dir): where to write the streams");
  if (!o.sink && o.format != "jsonl" && o.format != "csv")
    return Status::InvalidArgument("--format '" + o.format + "' is not one of jsonl, csv");
  if (o.chunk_rows < 1) return Status::InvalidArgument("--chunk-rows must be at least 1");
  if (o.parallel < 1 || o.parallel > 200)
    return Status::InvalidArgument(
        "--parallel must be from 1 to 200 (statements at once, as a "
        "connection's max_concurrent_statements)");
  if (o.via == ReadPath::kUnload && o.unload.stage.empty())
    return Status::InvalidArgument(
        "--via unload needs a stage: --stage s3://bucket/prefix/ (or the connection's "
        "unload.stage), where Redshift may write and rsx may read, list and delete");
  if (o.via != ReadPath::kPages && !o.unload.stage.empty()) {
    RSX_RETURN_IF_ERROR(Status(ParseS3Url(o.unload.stage).status()).Prepend("--stage"));
    if (!o.unload.s3)
      return Status::InvalidArgument("--stage is set but no S3 client was given to read it");
  }
  if (o.unload.connections < 1 || o.unload.connections > 64)
    return Status::InvalidArgument("unload connections must be from 1 to 64");
  return Status::OK();
}

Result<std::vector<StreamResult>> RunSync(DataApiClient& client,
                                          const std::vector<StreamSyncConfig>& streams,
                                          const SyncOptions& o) {
  RSX_RETURN_IF_ERROR(ValidateSyncOptions(o));
  // A stream the database user cannot read fails the sync before any statement, with the
  // GRANT that would fix it (the statement would fail with "permission denied" anyway, maybe
  // after other streams were written).
  std::string denied, grants, who;
  for (const auto& cfg : streams) {
    if (cfg.stream.readable) continue;
    const Stream& s = cfg.stream;
    if (who.empty()) who = s.db_user;
    std::string user = QuoteSqlIdentifier(s.db_user.empty() ? "<database user>" : s.db_user);
    denied += (denied.empty() ? "" : ", ") + s.schema + "." + s.table;
    grants += "  GRANT USAGE ON SCHEMA " + QuoteSqlIdentifier(s.schema) + " TO " + user +
              ";\n  GRANT SELECT ON " + QuoteSqlIdentifier(s.schema) + "." +
              QuoteSqlIdentifier(s.table) + " TO " + user + ";\n";
  }
  if (!denied.empty())
    return Status(StatusCode::kPermissionDenied,
                  "the database user " + (who.empty() ? std::string("of the role") : who) +
                      " cannot read " + denied +
                      " (no USAGE on the schema or no SELECT on the table); nothing was read. "
                      "The database administrator can run:\n" +
                      grants);
  Engine engine(client, o);
  RSX_RETURN_IF_ERROR(engine.Open());
  std::vector<StreamResult> results;
  for (const auto& cfg : streams) {
    RSX_ASSIGN_OR_RETURN(StreamResult r, engine.SyncStream(cfg));
    results.push_back(std::move(r));
  }
  return results;
}

}  // namespace rsx
