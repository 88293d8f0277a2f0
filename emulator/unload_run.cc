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
void AppendValue(const UnloadSpec& spec, const ColumnMeta& m, std::string_view v, bool null,
                 std::string* out) {
  if (spec.format == "CSV") {
    if (null) {
      out->append(spec.null_as.value_or(""));
      return;
    }
    char d = spec.delimiter[0];
    bool quote = v.find_first_of(std::string("\"\r\n") + d) != std::string_view::npos;
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

void AppendJsonValue(const ColumnMeta& m, std::string_view v, std::string* out) {
  const std::string& t = m.type_name;
  if (t == "int2" || t == "int4" || t == "int8" || t == "numeric") {
    if (v == "NaN") return AppendJsonString(out, v);
    out->append(v);
  } else if (t == "float4" || t == "float8") {
    if (v == "NaN" || v == "Infinity" || v == "-Infinity") return AppendJsonString(out, v);
    out->append(v);
  } else if (t == "bool") {
    out->append(v == "t" ? "true" : "false");
  } else if (t == "super") {
    out->append(v);
  } else if (t == "varbyte") {
    AppendJsonString(out, util::StartsWith(v, "\\x") ? v.substr(2) : v);
  } else {
    AppendJsonString(out, v);
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

UnloadOutcome Unloader::Run(PGconn* conn, const std::string& workgroup, std::string_view sql) {
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

  if (!PQsendQuery(conn, spec.query.c_str()) || !PQsetSingleRowMode(conn)) {
    out.error = std::string("ERROR: ") + PQerrorMessage(conn);
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
  // Columns (and the header line) from the first row, or from the end of an empty result.
  auto describe = [&](const PGresult* r) {
    cols.assign(static_cast<size_t>(PQnfields(r)), ColumnMeta{});
    for (int c = 0; c < PQnfields(r); ++c) {
      cols[static_cast<size_t>(c)].name = PQfname(r, c);
      DescribeType(PQftype(r, c), PQfmod(r, c), &cols[static_cast<size_t>(c)]);
    }
    if (!spec.header) return;
    for (size_t c = 0; c < cols.size(); ++c) {
      if (c) header += spec.delimiter;
      header += cols[c].name;
    }
    header += '\n';
  };
  long long row = 0;
  PgResult last;
  while (PGresult* raw = PQgetResult(conn)) {
    PgResult r(raw);
    ExecStatusType status = PQresultStatus(raw);
    if (status != PGRES_SINGLE_TUPLE) {
      last = std::move(r);
      continue;
    }
    if (!failed.ok()) continue;  // drain
    if (cols.empty()) describe(raw);
    line.clear();
    if (spec.format == "JSON") {
      line += '{';
      bool first = true;
      for (size_t c = 0; c < cols.size(); ++c) {
        if (PQgetisnull(raw, 0, static_cast<int>(c))) continue;  // a NULL's key is left out
        if (!first) line += ',';
        first = false;
        AppendJsonString(&line, cols[c].name);
        line += ':';
        AppendJsonValue(
            cols[c],
            std::string_view(PQgetvalue(raw, 0, static_cast<int>(c)),
                             static_cast<size_t>(PQgetlength(raw, 0, static_cast<int>(c)))),
            &line);
      }
      line += "}\n";
    } else {
      for (size_t c = 0; c < cols.size(); ++c) {
        if (c) line += spec.delimiter;
        int ci = static_cast<int>(c);
        AppendValue(
            spec, cols[c],
            std::string_view(PQgetvalue(raw, 0, ci), static_cast<size_t>(PQgetlength(raw, 0, ci))),
            PQgetisnull(raw, 0, ci), &line);
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
  }
  ExecStatusType end = last ? PQresultStatus(last.get()) : PGRES_FATAL_ERROR;
  if (end != PGRES_TUPLES_OK) {
    const char* primary = last ? PQresultErrorField(last.get(), PG_DIAG_MESSAGE_PRIMARY) : nullptr;
    out.error = std::string("ERROR: ") + (primary ? primary : PQerrorMessage(conn));
    return out;
  }
  if (!failed.ok()) {
    out.error = "ERROR: " + failed.message();
    return out;
  }
  if (cols.empty()) describe(last.get());  // no rows

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
