// Running UNLOAD: the query's rows to files in the emulator's S3.

#include <fcntl.h>
#include <unistd.h>

#include <algorithm>
#include <condition_variable>
#include <deque>
#include <map>
#include <memory>
#include <mutex>
#include <nlohmann/json.hpp>
#include <optional>
#include <thread>
#include <vector>

#include "pg.h"
#include "rsx/crypto.h"
#include "rsx/strings.h"
#include "types.h"
#include "unload.h"

namespace rsx::emu {
namespace {

using nlohmann::json;

// Runs FETCH on its own thread, a bounded queue ahead of the caller: PostgreSQL produces the
// next batch while the caller writes this one out, as each slice of Redshift scans and writes
// at once. The connection is the fetcher's until it is destroyed.
class BatchFetcher {
 public:
  BatchFetcher(PGconn* conn, std::string fetch_sql, int batch)
      : conn_(conn), sql_(std::move(fetch_sql)), batch_(batch), thread_([this] { Run(); }) {}
  ~BatchFetcher() {
    {
      std::lock_guard<std::mutex> lock(mu_);
      stop_ = true;
    }
    cv_.notify_all();
    thread_.join();
  }
  // The next FETCH's result (an error result, or null, ends it); a batch shorter than `batch`
  // is the last.
  PgResult Next() {
    std::unique_lock<std::mutex> lock(mu_);
    cv_.wait(lock, [&] { return !queue_.empty(); });
    PgResult r = std::move(queue_.front());
    queue_.pop_front();
    cv_.notify_all();
    return r;
  }

 private:
  static constexpr size_t kAhead = 2;
  void Run() {
    while (true) {
      PgResult r(PQexecParams(conn_, sql_.c_str(), 0, nullptr, nullptr, nullptr, nullptr, 0));
      bool last = !r || PQresultStatus(r.get()) != PGRES_TUPLES_OK || PQntuples(r.get()) < batch_;
      std::unique_lock<std::mutex> lock(mu_);
      cv_.wait(lock, [&] { return stop_ || queue_.size() < kAhead; });
      if (stop_) return;
      queue_.push_back(std::move(r));
      cv_.notify_all();
      if (last) return;
    }
  }

  PGconn* conn_;
  std::string sql_;
  int batch_;
  std::mutex mu_;
  std::condition_variable cv_;
  std::deque<PgResult> queue_;
  bool stop_ = false;
  std::thread thread_;  // last: starts once the rest is set
};

std::string S3Failure(const ApiError& e) {
  return "ERROR: S3ServiceException:" + e.message + ",Status " + std::to_string(e.http) +
         ",Error " + e.type + ",Rid " + crypto::RandomUuid().substr(0, 16) + ",CanRetry 1";
}

// One output file being written: compressed bytes to a temporary file, with its MD5. As each
// slice of Redshift compresses its own files, compression runs on the file's own thread: the
// row loop hands it 1 MB blocks (at most 4 waiting).
struct OpenFile {
  std::string key, temp_path;
  int fd = -1;
  std::unique_ptr<Compressor> compressor;
  crypto::Md5Stream md5;
  long long raw_bytes = 0, stored_bytes = 0, records = 0;
  std::string raw;      // not yet handed to the worker (row loop)
  std::string pending;  // compressed bytes not yet written (worker)
  std::thread worker;
  std::mutex mu;
  std::condition_variable cv;
  std::deque<std::string> queue;  // guarded by mu
  bool closing = false;           // guarded by mu
  Status error;                   // guarded by mu

  void Start() {
    worker = std::thread([this] { Run(); });
  }
  Status Write(std::string_view data) {
    raw_bytes += static_cast<long long>(data.size());
    raw.append(data);
    if (raw.size() >= (1 << 20)) return Hand();
    return Status::OK();
  }
  Status Hand() {
    std::unique_lock<std::mutex> lock(mu);
    cv.wait(lock, [&] { return queue.size() < 4 || !error.ok(); });
    if (!error.ok()) return error;
    queue.push_back(std::move(raw));
    raw.clear();
    cv.notify_all();
    return Status::OK();
  }
  void Run() {
    while (true) {
      std::string block;
      {
        std::unique_lock<std::mutex> lock(mu);
        cv.wait(lock, [&] { return !queue.empty() || closing; });
        if (queue.empty()) return;
        block = std::move(queue.front());
        queue.pop_front();
        cv.notify_all();
      }
      Status st = compressor->Write(block, &pending);
      if (st.ok() && pending.size() >= (1 << 20)) st = Flush();
      if (!st.ok()) {
        std::lock_guard<std::mutex> lock(mu);
        error = st;
        queue.clear();
        cv.notify_all();
        return;
      }
    }
  }
  Status Flush() {
    md5.Update(pending);
    size_t done = 0;
    while (done < pending.size()) {
      ssize_t n = ::write(fd, pending.data() + done, pending.size() - done);
      if (n <= 0) return Status::IoError("cannot write an UNLOAD file");
      done += static_cast<size_t>(n);
    }
    stored_bytes += static_cast<long long>(pending.size());
    pending.clear();
    return Status::OK();
  }
  void Join() {
    if (!worker.joinable()) return;
    {
      std::lock_guard<std::mutex> lock(mu);
      closing = true;
      cv.notify_all();
    }
    worker.join();
  }
  Status Close() {
    Status handed = raw.empty() ? Status::OK() : Hand();
    Join();
    RSX_RETURN_IF_ERROR(handed);
    {
      std::lock_guard<std::mutex> lock(mu);
      RSX_RETURN_IF_ERROR(error);
    }
    RSX_RETURN_IF_ERROR(compressor->Finish(&pending));
    RSX_RETURN_IF_ERROR(Flush());
    ::close(fd);
    fd = -1;
    return Status::OK();
  }
  ~OpenFile() {
    Join();
    if (fd >= 0) ::close(fd);
    if (!temp_path.empty()) ::unlink(temp_path.c_str());  // not put
  }
};

std::string SliceKey(const UnloadSpec& spec, int slice, int part) {
  char name[32];
  if (spec.parallel)
    std::snprintf(name, sizeof name, "%04d_part_%02d", slice, part);
  else
    std::snprintf(name, sizeof name, "%03d", part);
  std::string key = spec.prefix + name;
  if (!spec.extension.empty()) key += (spec.extension[0] == '.' ? "" : ".") + spec.extension;
  return key + CompressionSuffix(spec.compression);
}

// The manifest's VERBOSE type of a column, as Redshift names it.
json SchemaType(const ColumnMeta& m) {
  static const std::map<std::string, std::string> kBase = {
      {"int2", "smallint"},
      {"int4", "integer"},
      {"int8", "bigint"},
      {"float4", "real"},
      {"float8", "double precision"},
      {"numeric", "numeric"},
      {"bool", "boolean"},
      {"varchar", "character varying"},
      {"bpchar", "character"},
      {"date", "date"},
      {"time", "time without time zone"},
      {"timetz", "time with time zone"},
      {"timestamp", "timestamp without time zone"},
      {"timestamptz", "timestamp with time zone"},
      {"super", "super"},
      {"varbyte", "varbyte"}};
  auto it = kBase.find(m.type_name);
  json t = {{"base", it == kBase.end() ? m.type_name : it->second}};
  if (m.type_name == "numeric") {
    t["precision"] = m.precision;
    t["scale"] = m.scale;
  } else if ((m.type_name == "varchar" || m.type_name == "bpchar") && m.length > 0) {
    t["max_length"] = m.length;
  }
  return t;
}

// Appends one value in the spec's format.
// How one UNLOAD writes a value, decided once per statement rather than per value.
struct ValueForm {
  bool csv = false;          // FORMAT CSV, else delimited text
  std::string csv_specials;  // what makes a CSV field quoted: '"', CR, LF and the delimiter
};

void AppendValue(const UnloadSpec& spec, const ValueForm& form, std::string_view v, bool null,
                 std::string* out) {
  if (form.csv) {
    if (null) {
      out->append(spec.null_as.value_or(""));
      return;
    }
    bool quote = v.find_first_of(form.csv_specials) != std::string_view::npos;
    if (!quote) {
      out->append(v);
      return;
    }
    out->push_back('"');
    for (char c : v) {
      if (c == '"') out->push_back('"');
      out->push_back(c);
    }
    out->push_back('"');
    return;
  }
  // Delimited text.
  if (null) {
    out->append(spec.null_as.value_or(""));
    return;
  }
  if (spec.add_quotes) out->push_back('"');
  if (spec.escape) {
    for (char c : v) {
      if (c == '\n' || c == '\r' || c == '\\' || c == '"' || c == '\'' || c == spec.delimiter[0])
        out->push_back('\\');
      out->push_back(c);
    }
  } else {
    out->append(v);
  }
  if (spec.add_quotes) out->push_back('"');
}

// A column's JSON form in FORMAT JSON, from its type name once per statement.
enum class JsonForm { kNumber, kFloat, kBool, kRaw, kVarbyte, kString };

JsonForm JsonFormOf(const ColumnMeta& m) {
  const std::string& t = m.type_name;
  if (t == "int2" || t == "int4" || t == "int8" || t == "numeric") return JsonForm::kNumber;
  if (t == "float4" || t == "float8") return JsonForm::kFloat;
  if (t == "bool") return JsonForm::kBool;
  if (t == "super") return JsonForm::kRaw;
  if (t == "varbyte") return JsonForm::kVarbyte;
  return JsonForm::kString;
}

void AppendJsonValue(JsonForm form, std::string_view v, std::string* out) {
  switch (form) {
    case JsonForm::kNumber:
      if (v == "NaN") return AppendJsonString(out, v);
      out->append(v);
      return;
    case JsonForm::kFloat:
      if (v == "NaN" || v == "Infinity" || v == "-Infinity") return AppendJsonString(out, v);
      out->append(v);
      return;
    case JsonForm::kBool:
      out->append(v == "t" ? "true" : "false");
      return;
    case JsonForm::kRaw:
      out->append(v);
      return;
    case JsonForm::kVarbyte:
      return AppendJsonString(out, util::StartsWith(v, "\\x") ? v.substr(2) : v);
    case JsonForm::kString:
      return AppendJsonString(out, v);
  }
}

}  // namespace

namespace {
// A failure of the remote S3 in S3's terms (code and status from the call's details).
ApiError RemoteError(const Status& st) {
  std::string code = st.detail("aws_error");
  int http = std::atoi(st.detail("http_status").c_str());
  return ApiError{http > 0 ? http : 500, code.empty() || code == "(none)" ? "InternalError" : code,
                  st.message()};
}
}  // namespace

ApiResult<std::vector<std::string>> Unloader::ListKeys(const Principal& who,
                                                       const std::string& bucket,
                                                       const std::string& prefix) {
  std::vector<std::string> keys;
  if (remote_) {
    auto listed = remote_->List(bucket, prefix);
    if (!listed.ok()) return RemoteError(listed.status());
    for (const auto& o : *listed) keys.push_back(o.key);
    return keys;
  }
  auto listed = s3_.ListAs(who, bucket, prefix);
  if (auto* e = std::get_if<ApiError>(&listed)) return *e;
  for (const auto& o : std::get<std::vector<S3Object>>(listed)) keys.push_back(o.key);
  return keys;
}

std::optional<ApiError> Unloader::DeleteKey(const Principal& who, const std::string& bucket,
                                            const std::string& key) {
  if (remote_) {
    Status st = remote_->Delete(bucket, {key});
    if (!st.ok()) return RemoteError(st);
    return std::nullopt;
  }
  auto gone = s3_.DeleteAs(who, bucket, key);
  if (auto* e = std::get_if<ApiError>(&gone)) return *e;
  return std::nullopt;
}

std::optional<ApiError> Unloader::PutFile(const Principal& who, const std::string& bucket,
                                          const std::string& key, const std::string& temp_path,
                                          long long size, const std::string& md5) {
  if (remote_) {
    std::string data;
    FILE* f = std::fopen(temp_path.c_str(), "rb");
    if (f) {
      data.resize(static_cast<size_t>(size));
      data.resize(std::fread(data.data(), 1, data.size(), f));
      std::fclose(f);
    }
    ::unlink(temp_path.c_str());
    if (static_cast<long long>(data.size()) != size)
      return ApiError{500, "InternalError", "cannot read the UNLOAD file back"};
    return PutText(who, bucket, key, data);
  }
  auto put = s3_.PutFileAs(who, bucket, key, temp_path, size, md5);
  if (auto* e = std::get_if<ApiError>(&put)) return *e;
  return std::nullopt;
}

std::optional<ApiError> Unloader::PutText(const Principal& who, const std::string& bucket,
                                          const std::string& key, const std::string& text) {
  if (remote_) {
    auto put = remote_->Put(bucket, key, text);
    if (!put.ok()) return RemoteError(put.status());
    return std::nullopt;
  }
  auto put = s3_.PutAs(who, bucket, key, text);
  if (auto* e = std::get_if<ApiError>(&put)) return *e;
  return std::nullopt;
}

std::string Unloader::NewTempPath() { return s3_.store().NewTempPath(); }

UnloadOutcome Unloader::Run(PGconn* conn, const std::string& workgroup, std::string_view sql,
                            const std::function<bool()>& cancelled) {
  UnloadOutcome out;
  auto spec_or = ParseUnload(sql);
  if (!spec_or.ok()) {
    out.error = "ERROR: " + spec_or.status().message();
    return out;
  }
  const UnloadSpec& spec = *spec_or;
  const WorkgroupConfig* wg = nullptr;
  for (const auto& w : config_.workgroups)
    if (w.name == workgroup) wg = &w;
  std::string role = spec.iam_role;
  if (role == "default") {
    role = wg ? wg->default_iam_role : "";
    if (role.empty()) {
      out.error = "ERROR: IAM_ROLE default: the namespace has no default IAM role";
      return out;
    }
  }
  bool associated =
      wg && std::find(wg->iam_roles.begin(), wg->iam_roles.end(), role) != wg->iam_roles.end();
  auto principal = associated ? auth_.ServiceRole(role) : std::nullopt;
  if (!principal) {
    out.error = "ERROR: User is not authorized to assume IAM Role " + role +
                " (it is not associated with the namespace)";
    return out;
  }
  if (!spec.region.empty() && spec.region != config_.region) {
    out.error =
        "ERROR: S3ServiceException:The bucket you are attempting to access must be "
        "addressed using the specified endpoint (the bucket is in " +
        config_.region + ", REGION says " + spec.region + "),Status 301";
    return out;
  }
  // What is there already: UNLOAD refuses to overwrite unless told, or cleans the path first.
  auto existing = ListKeys(*principal, spec.bucket, spec.prefix);
  if (auto* e = std::get_if<ApiError>(&existing)) {
    out.error = S3Failure(*e);
    return out;
  }
  const auto& present = std::get<std::vector<std::string>>(existing);
  if (!present.empty() && spec.cleanpath) {
    for (const auto& key : present) {
      if (auto e = DeleteKey(*principal, spec.bucket, key)) {
        out.error = S3Failure(*e);
        return out;
      }
    }
  } else if (!present.empty() && !spec.allow_overwrite) {
    out.error =
        "ERROR: Specified unload destination on S3 is not empty. Consider using a different "
        "bucket / prefix, manually removing the target files in S3, or using the "
        "ALLOWOVERWRITE option.";
    return out;
  }

  const int slices = spec.parallel ? std::max(1, config_.slices) : 1;
  std::vector<std::unique_ptr<OpenFile>> open(static_cast<size_t>(slices));
  std::vector<int> next_part(static_cast<size_t>(slices), 0);
  std::vector<std::unique_ptr<OpenFile>> done;
  std::vector<ColumnMeta> cols;
  std::string header, line;
  Status failed;
  auto start_file = [&](int slice) -> Status {
    auto f = std::make_unique<OpenFile>();
    f->key = SliceKey(spec, slice, next_part[static_cast<size_t>(slice)]++);
    f->temp_path = NewTempPath();
    f->fd = ::open(f->temp_path.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
    if (f->fd < 0) return Status::IoError("cannot create an UNLOAD file");
    f->compressor = Compressor::Make(spec.compression);
    f->Start();
    if (!header.empty()) RSX_RETURN_IF_ERROR(f->Write(header));
    open[static_cast<size_t>(slice)] = std::move(f);
    return Status::OK();
  };
  // Columns (and the header line) from the first batch of rows, which has them even when empty.
  std::vector<JsonForm> json_forms;
  std::vector<std::string> json_keys;  // "name": of each column, escaped once
  ValueForm value_form;
  value_form.csv = spec.format == "CSV";
  value_form.csv_specials = std::string("\"\r\n") + spec.delimiter[0];
  const bool json_lines = spec.format == "JSON";
  auto describe = [&](const PGresult* r) {
    cols.assign(static_cast<size_t>(PQnfields(r)), ColumnMeta{});
    for (int c = 0; c < PQnfields(r); ++c) {
      ColumnMeta& m = cols[static_cast<size_t>(c)];
      m.name = PQfname(r, c);
      DescribeType(PQftype(r, c), PQfmod(r, c), &m);
      json_forms.push_back(JsonFormOf(m));
      std::string key;
      AppendJsonString(&key, m.name);
      json_keys.push_back(key + ":");
    }
    if (!spec.header) return;
    for (size_t c = 0; c < cols.size(); ++c) {
      if (c) header += spec.delimiter;
      header += cols[c].name;
    }
    header += '\n';
  };
  long long row = 0;
  auto emit = [&](const PGresult* r, int i) -> Status {
    line.clear();
    if (json_lines) {
      line += '{';
      bool first = true;
      for (size_t c = 0; c < cols.size(); ++c) {
        if (PQgetisnull(r, i, static_cast<int>(c))) continue;  // a NULL's key is left out
        if (!first) line += ',';
        first = false;
        line += json_keys[c];
        AppendJsonValue(
            json_forms[c],
            std::string_view(PQgetvalue(r, i, static_cast<int>(c)),
                             static_cast<size_t>(PQgetlength(r, i, static_cast<int>(c)))),
            &line);
      }
      line += "}\n";
    } else {
      for (size_t c = 0; c < cols.size(); ++c) {
        if (c) line += spec.delimiter;
        int ci = static_cast<int>(c);
        AppendValue(
            spec, value_form,
            std::string_view(PQgetvalue(r, i, ci), static_cast<size_t>(PQgetlength(r, i, ci))),
            PQgetisnull(r, i, ci), &line);
      }
      line += '\n';
    }
    int slice = static_cast<int>(row++ % slices);
    auto& f = open[static_cast<size_t>(slice)];
    if (f && f->raw_bytes + static_cast<long long>(line.size()) > spec.max_file_size &&
        f->records > 0) {
      failed = f->Close();
      done.push_back(std::move(f));
    }
    if (!f && failed.ok()) failed = start_file(slice);
    if (failed.ok()) {
      failed = f->Write(line);
      ++f->records;
    }
    return failed;
  };
  // The rows come through a cursor, kBatch at a time, fetched on their own thread (single-row
  // mode, one PGresult per row, on this thread took 2.9-3.4 s for 1M rows of the odd-types
  // table, with PostgreSQL's own COPY of them 1.3-2.2 s). The query is sent with the extended
  // protocol, so it is one statement. At most kBatch rows are held per batch, and a few batches
  // at once: rows of Redshift's widest values (64 KB VARCHAR) then stay in the hundreds of MB.
  constexpr int kBatch = 1000;
  const bool own_transaction = PQtransactionStatus(conn) == PQTRANS_IDLE;
  auto error_of = [&](const PGresult* r) {
    const char* primary = r ? PQresultErrorField(r, PG_DIAG_MESSAGE_PRIMARY) : nullptr;
    return std::string("ERROR: ") + (primary ? primary : PQerrorMessage(conn));
  };
  auto command = [&](const std::string& sql, ExecStatusType want) -> std::optional<std::string> {
    PgResult r(PQexecParams(conn, sql.c_str(), 0, nullptr, nullptr, nullptr, nullptr, 0));
    if (r && PQresultStatus(r.get()) == want) return std::nullopt;
    return error_of(r.get());
  };
  auto abandon = [&](std::string error) {
    // In the caller's transaction the cursor is closed (when the transaction still can).
    PQclear(PQexec(conn, own_transaction ? "ROLLBACK" : "CLOSE rsx_emulator_unload"));
    out.error = std::move(error);
    return out;
  };
  if (own_transaction) {
    if (auto e = command("BEGIN", PGRES_COMMAND_OK)) return abandon(*e);
  }
  if (auto e = command("DECLARE rsx_emulator_unload NO SCROLL CURSOR FOR " + spec.query,
                       PGRES_COMMAND_OK))
    return abandon(*e);
  std::optional<std::string> fetch_error;
  {
    BatchFetcher fetcher(
        conn, "FETCH FORWARD " + std::to_string(kBatch) + " FROM rsx_emulator_unload", kBatch);
    while (true) {
      PgResult r = fetcher.Next();
      if (!r || PQresultStatus(r.get()) != PGRES_TUPLES_OK) {
        if (r)
          fetch_error = error_of(r.get());
        else
          fetch_error = "ERROR: the connection to the database failed";
        break;
      }
      if (cols.empty()) describe(r.get());  // also for an empty result
      const int n = PQntuples(r.get());
      for (int i = 0; i < n && failed.ok(); ++i) failed = emit(r.get(), i);
      if (!failed.ok()) {
        fetch_error = "ERROR: " + failed.message();
        break;
      }
      if (n < kBatch) break;
      if (cancelled()) {  // the backend may be idle between batches, where PQcancel does nothing
        fetch_error = "ERROR: canceling statement due to user request";
        break;
      }
    }
  }  // the fetcher's thread is done with the connection
  if (fetch_error) return abandon(*fetch_error);
  if (auto e = command("CLOSE rsx_emulator_unload", PGRES_COMMAND_OK)) return abandon(*e);
  if (own_transaction) {
    if (auto e = command("COMMIT", PGRES_COMMAND_OK)) return abandon(*e);
  }

  // No rows at all: one empty file (with its header), so the unload is visible.
  if (row == 0) {
    if (Status st = start_file(0); !st.ok()) {
      out.error = "ERROR: " + st.message();
      return out;
    }
  }
  for (auto& f : open) {
    if (!f) continue;
    if (Status st = f->Close(); !st.ok()) {
      out.error = "ERROR: " + st.message();
      return out;
    }
    done.push_back(std::move(f));
  }
  // Put the files (the namespace role must be allowed to write each), then the manifest.
  json entries = json::array();
  long long total_bytes = 0;
  for (auto& f : done) {
    std::string md5 = f->md5.HexDigest();
    auto refused = PutFile(*principal, spec.bucket, f->key, f->temp_path, f->stored_bytes, md5);
    f->temp_path.clear();
    if (refused) {
      out.error = S3Failure(*refused);
      return out;
    }
    json meta = {{"content_length", f->stored_bytes}};
    if (spec.verbose) meta["record_count"] = f->records;
    entries.push_back({{"url", "s3://" + spec.bucket + "/" + f->key}, {"meta", meta}});
    total_bytes += f->stored_bytes;
    out.rows += f->records;
  }
  if (spec.manifest) {
    json manifest = {{"entries", entries}};
    if (spec.verbose) {
      json elements = json::array();
      for (const auto& c : cols) elements.push_back({{"name", c.name}, {"type", SchemaType(c)}});
      manifest["schema"] = {{"elements", elements}};
      manifest["meta"] = {{"content_length", total_bytes}, {"record_count", out.rows}};
      manifest["author"] = {{"name", "Amazon Redshift"}, {"version", "1.0.0"}};
    }
    if (auto e = PutText(*principal, spec.bucket, spec.prefix + "manifest", manifest.dump(4))) {
      out.error = S3Failure(*e);
      return out;
    }
  }
  return out;
}

}  // namespace rsx::emu
