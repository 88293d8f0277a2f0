// A stream read through UNLOAD: Redshift writes the rows to the S3 stage in parallel (FORMAT
// JSON, MANIFEST VERBOSE, CLEANPATH); rsx downloads the files in parallel ranges, decodes them
// into the cells the Data API path gives, and writes them through the same ChunkWriter.
//
// State, checkpointed at each step (StreamState::unload):
//   1. the prefix (and, incremental, the upper cursor bound) before the UNLOAD is submitted;
//   2. the statement id once it is accepted;
//   3. `unloaded` once it finished;
//   4. `entries_done` after each file's rows are durably written.
// A crash before 3 reruns the UNLOAD (CLEANPATH replaces any partial output; a statement still
// running from the crashed run is cancelled first, or used when it finished). A crash after 3
// puts the file back to the last checkpoint and reads the remaining files: no row is lost or
// written twice. The staged files are deleted after the final checkpoint (unless kept).

#include <malloc.h>
#include <sys/stat.h>

#include <algorithm>
#include <atomic>
#include <cerrno>
#include <chrono>
#include <condition_variable>
#include <cstring>
#include <filesystem>
#include <functional>
#include <mutex>
#include <thread>

#include "decode/unload_json.h"
#include "rsx/crypto.h"
#include "rsx/s3.h"
#include "rsx/strings.h"
#include "rsx/unload.h"
#include "sync/engine.h"
#include "sync/output_files.h"

namespace rsx::sync_internal {

namespace {

// One value of a one-row result, as ParamText gives it (nullopt for NULL).
class OneValue : public ResultConsumer {
 public:
  Status OnColumns(const std::vector<ColumnInfo>&) override { return Status::OK(); }
  Status OnPage(const DecodedPage& p) override {
    if (p.num_rows > 0 && p.num_cols > 0 && p.at(0, 0).kind != CellKind::kNull)
      value = ParamText(p.at(0, 0));
    return Status::OK();
  }
  std::optional<std::string> value;
};

bool HasBackslash(const Stream& s) {
  if (s.schema.find('\\') != std::string::npos || s.table.find('\\') != std::string::npos)
    return true;
  for (const auto& c : s.columns)
    if (c.name.find('\\') != std::string::npos) return true;
  return false;
}

std::string WithSlash(std::string stage) {
  if (!stage.empty() && stage.back() != '/') stage += '/';
  return stage;
}

// One manifest entry's rows: what reading it gave.
struct EntryResult {
  long long rows = 0, bytes = 0;
  std::vector<std::vector<std::string>> upper_keys;  // incremental: keys of rows at `upper`
};

// Reads one entry of the manifest into a FILE: download, decompress, decode, encode. Shared
// read-only by the workers of ReadInParallel.
struct EntryReader {
  S3Client* s3;
  const UnloadManifest* manifest;
  UnloadReadOptions options;
  const std::vector<ColumnInfo>* columns;
  bool csv;
  std::string record_prefix, record_suffix;
  std::vector<size_t> key_idx;  // (cursor, key...) for incremental
  bool incremental;
  const std::string* skip_cursor;
  const std::set<std::vector<std::string>>* skip_keys;
  const std::string* upper;
  const std::atomic<bool>* interrupted;
  const std::atomic<bool>* stop;

  Status Read(size_t k, FILE* out, EntryResult* r) const {
    UnloadManifest one;
    one.entries = {manifest->entries[k]};
    UnloadJsonDecoder decoder(*columns);
    ChunkWriter writer(out, csv, record_prefix, record_suffix, key_idx, incremental, skip_cursor,
                       skip_keys, {});
    RSX_RETURN_IF_ERROR(writer.OnColumns(*columns));
    DecodedPage page;
    std::vector<std::string> rest;
    auto on_lines = [&](size_t, std::string_view lines) -> Status {
      if ((interrupted && interrupted->load()) || stop->load())
        return Status(StatusCode::kCancelled, "interrupted");
      RSX_RETURN_IF_ERROR(decoder.Decode(lines, &page));
      if (incremental && upper) {  // the keys of every row at the upper bound, written or not
        for (size_t row = 0; row < page.num_rows; ++row) {
          if (ParamText(page.at(row, key_idx[0])) != *upper) continue;
          rest.clear();
          for (size_t i = 1; i < key_idx.size(); ++i)
            rest.push_back(ParamText(page.at(row, key_idx[i])));
          r->upper_keys.push_back(rest);
        }
      }
      return writer.OnPage(page);
    };
    Status st = ReadUnloadFiles(*s3, one, options, on_lines, [](size_t) { return Status::OK(); });
    r->rows = writer.rows();
    r->bytes = writer.bytes();
    return st;
  }
};

// Once a process reads through UNLOAD, buffers of 512 KiB and more (4 MB ranges, inflated
// blocks) are mapped and unmapped on their own. With glibc's dynamic threshold, blocks freed by
// other threads stay in per-thread arenas: a 4M-row UNLOAD read peaked at 100 MB against 79 MB.
// Not set for the whole process: the pages path reuses its ~1 MB page buffers through the heap,
// and mapping each afresh cost it 25-35% more CPU in page faults.
void MapLargeBuffers() {
#ifdef __GLIBC__
  static std::once_flag once;
  std::call_once(once, [] { mallopt(M_MMAP_THRESHOLD, 512 * 1024); });
#endif
}

// Entries [first, n) read by `workers` threads into part files (`part(k)`), each appended to
// `out` in order and handed to `finish`; workers stay at most 2 x workers entries ahead.
Status ReadInParallel(const EntryReader& reader, size_t first, size_t n, int workers,
                      std::atomic<bool>* stop, const std::function<std::string(size_t)>& part,
                      FILE* out, const std::function<Status(size_t, EntryResult&)>& finish) {
  struct Slot {
    bool done = false;
    Status status;
    EntryResult result;
  };
  std::vector<Slot> slots(n);
  std::mutex mu;
  std::condition_variable cv;
  size_t next = first, appended = first;
  auto work = [&] {
    while (true) {
      size_t k;
      {
        std::unique_lock<std::mutex> lock(mu);
        cv.wait(lock, [&] {
          return stop->load() || next >= n || next < appended + 2 * static_cast<size_t>(workers);
        });
        if (stop->load() || next >= n) return;
        k = next++;
      }
      Slot got;
      auto opened = OpenOutputFile(part(k), false);
      File f(opened.ok() ? *opened : nullptr);
      if (!f) {
        got.status = opened.status();
      } else {
        got.status = reader.Read(k, f.get(), &got.result);
        if (got.status.ok() && std::fflush(f.get()) != 0)
          got.status = Status::IoError("cannot write " + part(k) + ": " + std::strerror(errno));
      }
      std::lock_guard<std::mutex> lock(mu);
      got.done = true;
      slots[k] = std::move(got);
      cv.notify_all();
    }
  };
  std::vector<std::thread> threads;
  for (int t = 0; t < workers; ++t) threads.emplace_back(work);
  Status result;
  std::vector<char> buf(1 << 20);
  for (size_t k = first; k < n && result.ok(); ++k) {
    {
      std::unique_lock<std::mutex> lock(mu);
      cv.wait(lock, [&] { return slots[k].done; });
      result = slots[k].status;
    }
    if (result.ok()) {
      File f(std::fopen(part(k).c_str(), "rb"));
      if (!f) result = Status::IoError("cannot read " + part(k));
      size_t got;
      while (result.ok() && (got = std::fread(buf.data(), 1, buf.size(), f.get())) > 0)
        if (std::fwrite(buf.data(), 1, got, out) != got)
          result = Status::IoError(std::string("cannot write the output: ") + std::strerror(errno));
    }
    std::remove(part(k).c_str());
    if (result.ok()) result = finish(k, slots[k].result);
    std::lock_guard<std::mutex> lock(mu);
    appended = k + 1;
    if (!result.ok()) stop->store(true);
    cv.notify_all();
  }
  {
    std::lock_guard<std::mutex> lock(mu);
    stop->store(true);
    cv.notify_all();
  }
  for (auto& t : threads) t.join();
  for (size_t k = first; k < n; ++k) std::remove(part(k).c_str());
  return result;
}

}  // namespace

Result<bool> Engine::UseUnload(const StreamSyncConfig& cfg, const Plan& p,
                               std::optional<StreamState>& prev) {
  bool pending = prev && prev->unload;
  bool want = o_.via != ReadPath::kPages && !o_.unload.stage.empty() && o_.unload.s3;
  std::string why;
  if (want && HasBackslash(cfg.stream)) {
    want = false;
    why =
        "its schema, table or a column name holds a backslash, which UNLOAD's quoted query "
        "cannot carry safely";
  }
  if (want && o_.via == ReadPath::kAuto && !pending &&
      cfg.stream.row_estimate < o_.unload.auto_min_rows)
    want = false;  // small (or of unknown size): pages
  // Dropping an unfinished UNLOAD read: the file goes back to where it began, and part files a
  // crashed parallel read left behind are removed.
  auto abandon = [&](const std::string& why_dropped) {
    Warn("stream " + p.name + ": the unfinished UNLOAD read in the state is abandoned (" +
         why_dropped + "); its staged files are left at " + prev->unload->prefix);
    prev->file_bytes = prev->unload->start_bytes;
    prev->rows = prev->unload->start_rows;
    prev->unload.reset();
    pending = false;
    std::error_code ec;
    if (!protocol_)
      for (const auto& e : std::filesystem::directory_iterator(o_.out_dir, ec))
        if (e.path().filename().string().rfind(".rsx-unload-part-", 0) == 0)
          std::filesystem::remove(e.path(), ec);
  };
  if (want && pending && prev->unload->prefix.rfind(WithSlash(o_.unload.stage), 0) != 0)
    abandon("it wrote outside this run's stage " + WithSlash(o_.unload.stage));
  if (want && !pending && prev && cfg.mode == SyncMode::kIncremental && !prev->complete &&
      !prev->key.empty()) {
    want = false;
    why = "an unfinished read by pages is in the state; it continues by pages";
  }
  if (!want && !why.empty() && o_.via == ReadPath::kUnload)
    Warn("stream " + p.name + " is read by pages, not UNLOAD: " + why);
  if (!want && pending) abandon("this run reads by pages");
  return want;
}

Result<StreamResult> Engine::SyncStreamUnload(const StreamSyncConfig& cfg, const Plan& p,
                                              std::optional<StreamState> prev) {
  const Stream& s = cfg.stream;
  const std::string& name = p.name;
  const UnloadSyncOptions& uo = o_.unload;
  bool incremental = cfg.mode == SyncMode::kIncremental;
  std::string stage = WithSlash(uo.stage);
  RSX_ASSIGN_OR_RETURN(S3Location stage_loc, ParseS3Url(stage));

  bool pending = prev && prev->unload;
  if (pending && !incremental && prev->columns && *prev->columns != p.column_names) {
    Warn("stream " + name + ": the unfinished UNLOAD read in the state had other columns; the " +
         "stream starts over (its staged files are left at " + prev->unload->prefix + ")");
    prev.reset();
    pending = false;
  }
  if (!incremental && !pending) prev.reset();  // a full refresh starts over

  StreamState st;
  if (prev) st = *prev;
  st.incremental = incremental;
  st.cursor = cfg.cursor;
  st.key_columns = p.key_names;
  st.columns = p.column_names;
  if (!incremental) st.key.clear();

  StreamResult res{name, "", 0, 0};
  res.via = "unload";
  File owned;
  bool append = pending || (incremental && prev.has_value());
  RSX_ASSIGN_OR_RETURN(FILE * out, OpenOutput(s, name, append, append && !pending && prev->complete,
                                              append ? prev->file_bytes : 0, &owned, &res.file));
  std::string record_prefix = protocol_ ? o_.sink->RecordPrefix(s) : "";
  std::string record_suffix = protocol_ ? o_.sink->RecordSuffix() : "\n";
  if (protocol_) RSX_RETURN_IF_ERROR(o_.sink->StreamStatus(s, "STARTED"));

  RunOptions base;
  base.interrupted = o_.interrupted;
  base.timeout = o_.statement_timeout;

  // Incremental: rows after the boundary of the last complete run (those at its cursor value
  // that it wrote are skipped), up to the upper bound fixed before the UNLOAD.
  bool from_boundary = incremental && st.complete && st.boundary_cursor.has_value();
  std::string cursor_col = incremental ? QuoteIdentifier(cfg.cursor) : "";
  std::string cursor_type = incremental ? SqlType(*p.key[0]) : "";
  if (!pending) {
    std::string where;
    RunOptions ro = base;
    if (incremental) {
      where = cursor_col + " is not null";
      if (from_boundary) {
        where += " and " + cursor_col + " >= CAST(:b AS " + cursor_type + ")";
        ro.params.emplace_back("b", *st.boundary_cursor);
      }
      if (!o_.trust_key)
        RSX_RETURN_IF_ERROR(CheckKey(client_, p, p.key.size() > 1 ? 1 : 0, where, ro, o_.key_advice,
                                     &res.statements));
    }
    UnloadProgress up;
    up.prefix = stage + "rsx-" + crypto::Sha256Hex(crypto::RandomBytes(16)).substr(0, 16) + "/" +
                StreamFileName(s.schema, s.table, "d") + "/";
    up.start_rows = st.rows;
    if (!protocol_) {
      struct stat sb;
      if (fstat(fileno(out), &sb) != 0)
        return Status::IoError(std::string("cannot stat the output: ") + std::strerror(errno));
      up.start_bytes = static_cast<long long>(sb.st_size);
    }
    if (incremental) {
      OneValue upper;
      auto run = RunStatement(client_,
                              "select max(" + cursor_col + ") from " + p.from +
                                  (where.empty() ? "" : " where " + where),
                              ro, &upper);
      ++res.statements;
      if (!run.ok()) return Status(run.status()).Prepend("stream " + name + " (cursor bound)");
      if (!upper.value) {  // nothing at or after the boundary: no new rows
        st.complete = true;
        RSX_RETURN_IF_ERROR(Checkpoint(s, name, st, out, 0));
        if (protocol_) RSX_RETURN_IF_ERROR(o_.sink->StreamStatus(s, "COMPLETE"));
        return res;
      }
      up.upper = *upper.value;
    }
    st.unload = std::move(up);
    RSX_RETURN_IF_ERROR(Checkpoint(s, name, st, out, 0));
  }
  UnloadProgress& up = *st.unload;
  RSX_ASSIGN_OR_RETURN(S3Location loc, ParseS3Url(up.prefix));

  // The UNLOAD, unless an earlier run's finished.
  if (!up.unloaded && !up.statement_id.empty()) {
    auto d = client_.DescribeStatement(up.statement_id);
    if (d.ok() && d->status == "FINISHED") {
      up.unloaded = true;
    } else if (d.ok() &&
               (d->status == "SUBMITTED" || d->status == "PICKED" || d->status == "STARTED")) {
      RSX_RETURN_IF_ERROR(Status(CancelAndConfirm(client_, up.statement_id))
                              .Prepend("stream " + name + " (cancelling the last run's UNLOAD)"));
    }
  }
  if (!up.unloaded) {
    std::string where;
    if (incremental) {
      where = cursor_col + " is not null";
      if (from_boundary) {
        RSX_ASSIGN_OR_RETURN(std::string lo, UnloadSafeLiteral(*st.boundary_cursor));
        where += " and " + cursor_col + " >= CAST(" + lo + " AS " + cursor_type + ")";
      }
      RSX_ASSIGN_OR_RETURN(std::string hi, UnloadSafeLiteral(*up.upper));
      where += " and " + cursor_col + " <= CAST(" + hi + " AS " + cursor_type + ")";
    }
    std::string select;
    for (size_t i = 0; i < s.columns.size(); ++i)
      select +=
          (i ? ", " : "") + QuoteIdentifier(s.columns[i].name) + " AS " + UnloadJsonDecoder::Key(i);
    std::string sql =
        "select " + select + " from " + p.from + (where.empty() ? "" : " where " + where);
    UnloadOptions uopt;
    uopt.iam_role = uo.iam_role;
    uopt.compression = uo.compression;
    RSX_ASSIGN_OR_RETURN(std::string unload, UnloadStatement(sql, up.prefix, uopt));
    RunOptions ro = base;
    Status saved;
    ro.submitted = [&](const std::string& id, const std::string& text) {
      up.statement_id = id;
      saved = Checkpoint(s, name, st, out, 0);
      if (o_.statement) o_.statement(name, id, text);
    };
    auto t0 = std::chrono::steady_clock::now();
    auto run = RunStatement(client_, unload, ro, nullptr);
    res.unload_seconds =
        std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    ++res.statements;
    if (!run.ok())
      return Status(run.status()).Prepend("stream " + name + " (UNLOAD to " + up.prefix + ")");
    RSX_RETURN_IF_ERROR(saved);
    up.unloaded = true;
    RSX_RETURN_IF_ERROR(Checkpoint(s, name, st, out, 0));
  }

  // The manifest, then the files from the first one not yet written.
  auto text = uo.s3->Get(loc.bucket, loc.key + "manifest");
  if (!text.ok())
    return Status(text.status()).Prepend("stream " + name + ": reading " + up.prefix + "manifest");
  auto manifest = ParseUnloadManifest(*text);
  if (!manifest.ok())
    return Status(manifest.status()).Prepend("stream " + name + ": " + up.prefix + "manifest");
  for (const auto& e : manifest->entries)
    if (e.bucket != loc.bucket || e.key.rfind(loc.key, 0) != 0)
      return Status(StatusCode::kDataLoss, "stream " + name + ": the manifest at " + up.prefix +
                                               "manifest lists s3://" + e.bucket + "/" + e.key +
                                               ", outside its prefix; refusing to read it");
  if (up.entries_done > static_cast<long long>(manifest->entries.size()))
    return Status::InvalidArgument("stream " + name + ": the state says " +
                                   std::to_string(up.entries_done) + " files were read, but " +
                                   up.prefix + "manifest lists " +
                                   std::to_string(manifest->entries.size()));

  // The files: one after another straight into the output, or (files, several CPUs) decoded
  // at once into part files that are appended in manifest order; either way each file is
  // checkpointed in order, after its rows are durable.
  std::set<std::vector<std::string>> skip_keys;
  std::string skip_cursor = from_boundary ? *st.boundary_cursor : "";
  if (from_boundary) skip_keys.insert(st.boundary_keys.begin(), st.boundary_keys.end());
  std::atomic<bool> stop{false};
  EntryReader reader{uo.s3.get(),
                     &*manifest,
                     {},
                     &s.columns,
                     csv_,
                     record_prefix,
                     record_suffix,
                     p.key_idx,
                     incremental,
                     from_boundary ? &skip_cursor : nullptr,
                     &skip_keys,
                     up.upper ? &*up.upper : nullptr,
                     o_.interrupted,
                     &stop};
  size_t first = static_cast<size_t>(up.entries_done), n = manifest->entries.size();
  int workers = uo.workers > 0
                    ? uo.workers
                    : static_cast<int>(std::max(1u, std::thread::hardware_concurrency()));
  workers = std::min({workers, 16, static_cast<int>(std::max<size_t>(1, n - first))});
  if (protocol_) workers = 1;
  reader.options.connections = std::max(1, uo.connections / workers);
  reader.options.range_bytes = uo.range_bytes;
  reader.options.compression = uo.compression;
  bool first_read = true;
  auto finish = [&](size_t k, EntryResult& er) -> Status {
    RSX_RETURN_IF_ERROR(ChunkWritten(s, out, &first_read));
    res.rows += er.rows;
    st.rows += er.rows;
    up.entries_done = static_cast<long long>(k) + 1;
    ++res.unload_files;
    res.unload_bytes += manifest->entries[k].content_length;
    for (auto& key : er.upper_keys) up.upper_keys.push_back(std::move(key));
    RSX_RETURN_IF_ERROR(Checkpoint(s, name, st, out, er.rows));
    if (o_.progress) o_.progress(name, res.rows, er.bytes);
    return Status::OK();
  };
  MapLargeBuffers();
  auto t0 = std::chrono::steady_clock::now();
  Status read;
  if (workers <= 1) {
    for (size_t k = first; k < n && read.ok(); ++k) {
      EntryResult er;
      read = reader.Read(k, out, &er);
      if (read.ok()) read = finish(k, er);
    }
  } else {
    read = ReadInParallel(
        reader, first, n, workers, &stop,
        [&](size_t k) { return o_.out_dir + "/.rsx-unload-part-" + std::to_string(k); }, out,
        finish);
  }
  res.download_seconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  if (!read.ok()) {
    if (read.code() == StatusCode::kCancelled)
      return Status(StatusCode::kCancelled,
                    "stream " + name + ": interrupted; the next run continues after file " +
                        std::to_string(up.entries_done) + " of " +
                        std::to_string(manifest->entries.size()) + " of " + up.prefix);
    return read.Prepend("stream " + name + " (reading " + up.prefix + ")");
  }

  // Done: the boundary moves to the upper bound, then the staged files go.
  std::vector<std::string> staged;
  for (const auto& e : manifest->entries) staged.push_back(e.key);
  staged.push_back(loc.key + "manifest");
  std::string prefix = up.prefix;
  if (incremental) {
    st.boundary_cursor = up.upper;
    st.boundary_keys = std::move(up.upper_keys);
  }
  st.complete = true;
  st.unload.reset();
  RSX_RETURN_IF_ERROR(Checkpoint(s, name, st, out, 0));
  if (!uo.keep_staged) {
    Status del = uo.s3->Delete(loc.bucket, staged);
    if (!del.ok())
      Warn("stream " + name + " was synced, but its staged files at " + prefix +
           " were not deleted: " + del.message());
  }
  if (protocol_) RSX_RETURN_IF_ERROR(o_.sink->StreamStatus(s, "COMPLETE"));
  return res;
}

}  // namespace rsx::sync_internal
