#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cstring>
#include <filesystem>
#include <nlohmann/json.hpp>
#include <atomic>
#include <set>
#include <thread>

#include "decode/page_decoder.h"
#include "output/row_encoder.h"
#include "rsx/statement_runner.h"
#include "rsx/sync.h"
#include "rsx/types.h"

namespace rsx {

using nlohmann::json;

std::string QuoteIdentifier(const std::string& name) {
  std::string out = "\"";
  for (char c : name) {
    if (c == '"') out += '"';
    out += c;
  }
  return out + "\"";
}

namespace {

std::string SqlType(const ColumnInfo& c) {
  switch (TypeFromName(c.type_name)) {
    case RedshiftType::kSmallInt: return "smallint";
    case RedshiftType::kInteger: return "integer";
    case RedshiftType::kBigInt: return "bigint";
    case RedshiftType::kDecimal: return "numeric(" + std::to_string(c.precision) + "," + std::to_string(c.scale) + ")";
    case RedshiftType::kReal: return "real";
    case RedshiftType::kDouble: return "double precision";
    case RedshiftType::kBoolean: return "boolean";
    case RedshiftType::kDate: return "date";
    case RedshiftType::kTime: return "time";
    case RedshiftType::kTimeTz: return "timetz";
    case RedshiftType::kTimestamp: return "timestamp";
    case RedshiftType::kTimestampTz: return "timestamptz";
    default: return "varchar";
  }
}

// Text of a cell as a parameter value (the database's own text form).
std::string ParamText(const Cell& c) {
  switch (c.kind) {
    case CellKind::kLong: return std::to_string(c.l);
    case CellKind::kBool: return c.b ? "true" : "false";
    default: return std::string(c.text);
  }
}

// Appends rows to the stream's file; remembers the key of the last row.
class ChunkWriter : public ResultConsumer {
 public:
  // key_columns[0] is the cursor in incremental mode (`track_boundary`): the writer then
  // remembers the keys of the rows that share the last cursor value, and skips rows whose
  // cursor equals `skip_cursor` and whose key is in `skip_keys` (emitted by an earlier run).
  ChunkWriter(FILE* out, bool csv, std::string record_prefix, std::string record_suffix,
              std::vector<size_t> key_columns, bool track_boundary,
              std::string skip_cursor, std::set<std::string> skip_keys,
              std::string boundary_cursor, std::vector<std::string> boundary_keys)
      : out_(out), csv_(csv), record_prefix_(std::move(record_prefix)),
        record_suffix_(std::move(record_suffix)), key_columns_(std::move(key_columns)), track_(track_boundary),
        skip_cursor_(std::move(skip_cursor)), skip_keys_(std::move(skip_keys)),
        boundary_cursor_(std::move(boundary_cursor)), boundary_keys_(std::move(boundary_keys)) {}
  Status OnColumns(const std::vector<ColumnInfo>& cols) override {
    encoder_ = RowEncoder(cols, csv_ ? RowEncoder::Form::kCsv : RowEncoder::Form::kJsonObject);
    return Status::OK();
  }
  Status OnPage(const DecodedPage& p) override {
    buf_.clear();
    long long written = 0;
    for (size_t r = 0; r < p.num_rows; ++r) {
      if (track_) {
        std::string cursor = ParamText(p.at(r, key_columns_[0]));
        std::string rest;
        for (size_t k = 1; k < key_columns_.size(); ++k) rest += ParamText(p.at(r, key_columns_[k])) + '\x1f';
        if (cursor == skip_cursor_ && skip_keys_.count(rest)) continue;  // emitted by the last run
        if (cursor != boundary_cursor_) {
          boundary_cursor_ = cursor;
          boundary_keys_.clear();
        }
        boundary_keys_.push_back(rest);
      }
      ++written;
      if (csv_) {
        encoder_.Encode(p, r, &buf_);
        buf_.Append("\n");
      } else {
        buf_.Append(record_prefix_);  // protocols: the message up to the record object
        encoder_.Encode(p, r, &buf_);
        buf_.Append(record_suffix_);
      }
    }
    if (p.num_rows > 0) {
      last_key_.clear();
      last_key_null_ = false;
      for (size_t k : key_columns_) {
        const Cell& cell = p.at(p.num_rows - 1, k);
        last_key_null_ = last_key_null_ || cell.kind == CellKind::kNull;
        last_key_.push_back(ParamText(cell));
      }
    }
    rows_ += written;
    read_ += static_cast<long long>(p.num_rows);
    bytes_ += static_cast<long long>(buf_.size());
    if (!buf_.empty() && std::fwrite(buf_.data(), 1, buf_.size(), out_) != buf_.size())
      return Status::IoError(std::string("cannot write the output: ") + std::strerror(errno));
    return Status::OK();
  }
  long long rows() const { return rows_; }    // written
  long long read() const { return read_; }    // read, including skipped
  const std::string& boundary_cursor() const { return boundary_cursor_; }
  const std::vector<std::string>& boundary_keys() const { return boundary_keys_; }
  long long bytes() const { return bytes_; }
  const std::vector<std::string>& last_key() const { return last_key_; }
  bool last_key_null() const { return last_key_null_; }

 private:
  FILE* out_;
  bool csv_;
  std::string record_prefix_, record_suffix_;
  std::vector<size_t> key_columns_;
  RowEncoder encoder_;
  util::OutBuf buf_{1 << 20};
  std::vector<std::string> last_key_;
  bool last_key_null_ = false;
  bool track_;
  std::string skip_cursor_;
  std::set<std::string> skip_keys_;
  std::string boundary_cursor_;
  std::vector<std::string> boundary_keys_;
  long long rows_ = 0, read_ = 0, bytes_ = 0;
};

Status Durable(FILE* f) {
  if (std::fflush(f) != 0 || fsync(fileno(f)) != 0)
    return Status::IoError(std::string("cannot flush the output to disk: ") + std::strerror(errno));
  return Status::OK();
}

Status SaveState(const std::string& path, const json& state) {
  std::string tmp = path + ".tmp";
  FILE* f = std::fopen(tmp.c_str(), "wb");
  if (!f) return Status::IoError("cannot write the state file " + tmp + ": " + std::strerror(errno));
  std::string text = state.dump(2) + "\n";
  bool ok = std::fwrite(text.data(), 1, text.size(), f) == text.size();
  ok = ok && std::fflush(f) == 0 && fsync(fileno(f)) == 0;
  std::fclose(f);
  if (!ok || std::rename(tmp.c_str(), path.c_str()) != 0)
    return Status::IoError("cannot save the state file " + path + ": " + std::strerror(errno));
  return Status::OK();
}

// key > last, over several columns: k1 > :k1 or (k1 = :k1 and (k2 > :k2 ...)).
std::string KeyAfter(const std::vector<const ColumnInfo*>& key, size_t i) {
  std::string col = QuoteIdentifier(key[i]->name);
  std::string param = "CAST(:k" + std::to_string(i) + " AS " + SqlType(*key[i]) + ")";
  if (i + 1 == key.size()) return col + " > " + param;
  return "(" + col + " > " + param + " or (" + col + " = " + param + " and " + KeyAfter(key, i + 1) + "))";
}

// Reads [lo, hi] of an integer key in ranges, `parallel` statements at once, each range by
// keyset chunks into its own part file; then concatenates the parts in key order into `out`.
Result<long long> ParallelFullRefresh(DataApiClient& client, const SyncOptions& o, const std::string& columns,
                                      const std::string& from, const ColumnInfo& key, size_t key_index,
                                      long long lo, long long hi, long long count, FILE* out, bool csv,
                                      int* statements) {
  long long ranges = std::max(1LL, std::min(10000LL, (count + o.chunk_rows - 1) / o.chunk_rows));
  long long width = (hi - lo) / ranges + 1;
  std::string k = QuoteIdentifier(key.name), type = SqlType(key);
  struct Part {
    long long from, to;  // inclusive key bounds
    std::string path;
    long long rows = 0;
    int statements = 0;
    Status status;
  };
  std::vector<Part> parts;
  for (long long a = lo; a <= hi; a += width) {
    long long b = (hi - a < width) ? hi : a + width - 1;
    parts.push_back({a, b, o.out_dir + "/.rsx-part-" + std::to_string(parts.size()), 0, 0, {}});
    if (b == hi) break;
  }
  std::atomic<size_t> next{0};
  std::atomic<bool> failed{false};
  auto work = [&] {
    while (!failed) {
      size_t i = next++;
      if (i >= parts.size()) return;
      Part& part = parts[i];
      FILE* f = std::fopen(part.path.c_str(), "wb");
      if (!f) {
        part.status = Status::IoError("cannot write " + part.path + ": " + std::strerror(errno));
        failed = true;
        return;
      }
      std::string last;
      while (true) {
        RunOptions ro;
        ro.interrupted = o.interrupted;
        ro.params = {{"lo", std::to_string(part.from)}, {"hi", std::to_string(part.to)}};
        std::string where = k + " >= CAST(:lo AS " + type + ") and " + k + " <= CAST(:hi AS " + type + ")";
        if (!last.empty()) {
          where += " and " + k + " > CAST(:k0 AS " + type + ")";
          ro.params.emplace_back("k0", last);
        }
        ChunkWriter writer(f, csv, "", "\n", {key_index}, false, "", {}, "", {});
        auto run = RunStatement(client, "select " + columns + " from " + from + " where " + where +
                                            " order by " + k + " limit " + std::to_string(o.chunk_rows),
                                ro, &writer);
        ++part.statements;
        if (!run.ok()) {
          part.status = run.status();
          failed = true;
          break;
        }
        part.rows += writer.read();
        if (writer.read() < o.chunk_rows) break;
        last = writer.last_key()[0];
      }
      std::fclose(f);
    }
  };
  std::vector<std::thread> threads;
  for (int t = 0; t < std::max(1, o.parallel); ++t) threads.emplace_back(work);
  for (auto& t : threads) t.join();
  long long rows = 0;
  Status first;
  for (const auto& part : parts) {
    *statements += part.statements;
    if (first.ok() && !part.status.ok()) first = part.status;
  }
  if (first.ok()) {
    std::vector<char> buf(1 << 20);
    for (const auto& part : parts) {
      FILE* f = std::fopen(part.path.c_str(), "rb");
      if (!f) {
        first = Status::IoError("cannot read " + part.path);
        break;
      }
      size_t n;
      while ((n = std::fread(buf.data(), 1, buf.size(), f)) > 0)
        if (std::fwrite(buf.data(), 1, n, out) != n) first = Status::IoError("cannot write the output");
      std::fclose(f);
      rows += part.rows;
    }
  }
  for (const auto& part : parts) std::remove(part.path.c_str());
  if (!first.ok()) return first;
  return rows;
}

}  // namespace

Result<std::vector<StreamResult>> RunSync(DataApiClient& client, const std::vector<StreamSyncConfig>& streams,
                                          const SyncOptions& o) {
  bool protocol = o.format == "protocol";
  std::error_code ec;
  if (!protocol) {
    std::filesystem::create_directories(o.out_dir, ec);
    if (ec) return Status::IoError("cannot create the output folder " + o.out_dir + ": " + ec.message());
    if (access(o.out_dir.c_str(), W_OK) != 0)
      return Status::IoError("the output folder " + o.out_dir + " is not writable");
  }
  std::string state_path = o.state_path.empty() ? o.out_dir + "/.rsx-state.json" : o.state_path;
  json state = {{"streams", json::object()}};
  if (protocol) {
    if (!o.initial_state.empty()) state = json::parse(o.initial_state, nullptr, false);
    if (state.is_discarded() || !state.is_object() || !state.contains("streams"))
      return Status::InvalidArgument("the input state is malformed");
  } else if (FILE* f = std::fopen(state_path.c_str(), "rb")) {
    std::string text;
    char buf[8192];
    size_t n;
    while ((n = std::fread(buf, 1, sizeof buf, f)) > 0) text.append(buf, n);
    std::fclose(f);
    state = json::parse(text, nullptr, false);
    if (state.is_discarded() || !state.is_object() || !state.contains("streams") || !state["streams"].is_object())
      return Status::InvalidArgument("the state file " + state_path + " is malformed (not the JSON rsx writes); "
                                     "it was left untouched. Move it aside to start over.");
  }
  bool csv = o.format == "csv";
  std::vector<StreamResult> results;
  for (const auto& cfg : streams) {
    const Stream& s = cfg.stream;
    std::string name = s.schema + "." + s.table;
    // The pagination key: (cursor, key...) for incremental, key for full refresh.
    std::vector<std::string> key_names;
    if (cfg.mode == SyncMode::kIncremental) key_names.push_back(cfg.cursor);
    for (const auto& k : cfg.key.empty() ? s.primary_key : cfg.key)
      if (k != cfg.cursor) key_names.push_back(k);
    std::vector<const ColumnInfo*> key;
    std::vector<size_t> key_idx;
    for (const auto& k : key_names) {
      bool found = false;
      for (size_t i = 0; i < s.columns.size(); ++i) {
        if (s.columns[i].name == k) {
          key.push_back(&s.columns[i]);
          key_idx.push_back(i);
          found = true;
        }
      }
      if (!found) return Status::InvalidArgument("stream " + name + " has no column '" + k + "'");
    }
    std::string columns;
    for (size_t i = 0; i < s.columns.size(); ++i)
      columns += (i ? ", " : "") + QuoteIdentifier(s.columns[i].name);
    std::string order;
    for (size_t i = 0; i < key.size(); ++i) order += (i ? ", " : "") + QuoteIdentifier(key[i]->name);
    std::string from = QuoteIdentifier(s.schema) + "." + QuoteIdentifier(s.table);

    json& st = state["streams"][name];
    bool resume = st.is_object() && st.value("mode", "") == (cfg.mode == SyncMode::kIncremental ? "incremental" : "full_refresh") &&
                  (cfg.mode == SyncMode::kIncremental || !st.value("complete", true));
    bool incremental = cfg.mode == SyncMode::kIncremental;
    // A finished incremental stream continues from its boundary (cursor >= boundary, skipping
    // the keys already emitted there); an unfinished one from its last checkpoint.
    bool from_boundary = incremental && resume && st.value("complete", false) && st.contains("boundary_cursor");
    std::vector<std::string> last = resume && !from_boundary && st.contains("key")
                                        ? st["key"].get<std::vector<std::string>>() : std::vector<std::string>{};
    std::string skip_cursor = from_boundary ? st["boundary_cursor"].get<std::string>() : "";
    std::set<std::string> skip_keys;
    if (from_boundary)
      for (const auto& k : st.value("boundary_keys", json::array())) skip_keys.insert(k.get<std::string>());
    std::string boundary_cursor = resume ? st.value("boundary_cursor", "") : "";
    std::vector<std::string> boundary_keys;
    if (resume && st.contains("boundary_keys")) boundary_keys = st["boundary_keys"].get<std::vector<std::string>>();
    if (resume && cfg.mode == SyncMode::kIncremental && st.value("cursor", "") != cfg.cursor)
      return Status::InvalidArgument("stream " + name + ": the saved state is for cursor '" + st.value("cursor", "") +
                                     "', not '" + cfg.cursor + "' (move the state file aside to start over)");

    StreamResult res{name, protocol ? "" : o.out_dir + "/" + name + (csv ? ".csv" : ".jsonl"), 0, 0};
    // Full refresh starting afresh truncates; a resumed or incremental run appends.
    bool append = !last.empty() || (incremental && resume);
    FILE* out = protocol ? o.messages : std::fopen(res.file.c_str(), append ? "ab" : "wb");
    if (!out) return Status::IoError("cannot write " + res.file + ": " + std::strerror(errno));
    auto close_out = [&] {
      if (!protocol) std::fclose(out);
    };
    std::string record_prefix = protocol && o.record_prefix ? o.record_prefix(s) : "";
    std::string record_suffix = protocol ? o.record_suffix : "\n";
    if (protocol && o.stream_status) o.stream_status(s, "STARTED");
    if (csv && !append) {
      std::string header = RowEncoder(s.columns, RowEncoder::Form::kCsv).CsvHeader();
      std::fwrite(header.data(), 1, header.size(), out);
    }
    st = {{"mode", cfg.mode == SyncMode::kIncremental ? "incremental" : "full_refresh"},
          {"cursor", cfg.cursor}, {"key_columns", key_names}, {"complete", false},
          {"rows", resume ? st.value("rows", 0LL) : 0LL}};
    if (!last.empty()) st["key"] = last;
    bool first_chunk = true;

    // Parallel full refresh: a single integer key, nothing to resume, files (not protocols).
    bool integer_key = key.size() == 1 && (TypeFromName(key[0]->type_name) == RedshiftType::kSmallInt ||
                                           TypeFromName(key[0]->type_name) == RedshiftType::kInteger ||
                                           TypeFromName(key[0]->type_name) == RedshiftType::kBigInt);
    if (o.parallel > 1 && !incremental && !protocol && integer_key && last.empty()) {
      TextRows bounds;
      auto probe = RunStatement(client, "select min(" + order + "), max(" + order + "), count(*) from " + from,
                                RunOptions{}, &bounds);
      if (!probe.ok()) {
        close_out();
        return Status(probe.status()).Prepend("stream " + name + " (probing key bounds)");
      }
      ++res.statements;
      const auto& b = bounds.rows.at(0);
      long long count = std::atoll(b[2].c_str());
      if (count > o.chunk_rows && !b[0].empty()) {
        RSX_RETURN_IF_ERROR(SaveState(state_path, state));  // "complete": false until the end
        auto rows = ParallelFullRefresh(client, o, columns, from, *key[0], key_idx[0], std::atoll(b[0].c_str()),
                                        std::atoll(b[1].c_str()), count, out, csv, &res.statements);
        if (!rows.ok()) {
          close_out();
          return Status(rows.status()).Prepend("stream " + name);
        }
        if (Status d = Durable(out); !d.ok()) {
          close_out();
          return d;
        }
        res.rows = *rows;
        st["rows"] = *rows;
        st["complete"] = true;
        st["key"] = std::vector<std::string>{b[1]};
        RSX_RETURN_IF_ERROR(SaveState(state_path, state));
        if (o.progress) o.progress(name, res.rows, 0);
        close_out();
        results.push_back(res);
        continue;
      }
    }

    while (true) {
      RunOptions ro;
      ro.interrupted = o.interrupted;
      std::string where;
      if (cfg.mode == SyncMode::kIncremental) where = QuoteIdentifier(cfg.cursor) + " is not null";
      if (first_chunk && from_boundary) {
        where += " and " + QuoteIdentifier(cfg.cursor) + " >= CAST(:b AS " + SqlType(*key[0]) + ")";
        ro.params.emplace_back("b", skip_cursor);
      } else if (!last.empty() && !key.empty()) {
        where += (where.empty() ? "" : " and ") + KeyAfter(key, 0);
        for (size_t i = 0; i < last.size(); ++i) ro.params.emplace_back("k" + std::to_string(i), last[i]);
      }
      std::string sql = "select " + columns + " from " + from + (where.empty() ? "" : " where " + where);
      bool chunked = !key.empty();
      if (chunked) sql += " order by " + order + " limit " + std::to_string(o.chunk_rows);
      ChunkWriter writer(out, csv, record_prefix, record_suffix, key_idx, incremental, first_chunk ? skip_cursor : std::string(),
                         first_chunk ? skip_keys : std::set<std::string>(), boundary_cursor, boundary_keys);
      first_chunk = false;
      auto run = RunStatement(client, sql, ro, &writer);
      if (!run.ok()) {
        close_out();
        return Status(run.status()).Prepend("stream " + name);
      }
      ++res.statements;
      if (Status d = protocol ? (std::fflush(out) == 0 ? Status::OK() : Status::IoError("cannot write to stdout")) : Durable(out);
          !d.ok()) {
        close_out();
        return d;
      }
      if (protocol && res.statements == 1 && o.stream_status) o.stream_status(s, "RUNNING");
      res.rows += writer.rows();
      st["rows"] = st.value("rows", 0LL) + writer.rows();
      if (writer.read() > 0 && chunked) {
        if (writer.last_key_null()) {
          close_out();
          return Status::InvalidArgument("stream " + name + ": a key column holds NULL; choose a non-null key");
        }
        last = writer.last_key();
        st["key"] = last;
      }
      if (incremental) {
        boundary_cursor = writer.boundary_cursor();
        boundary_keys = writer.boundary_keys();
        if (!boundary_cursor.empty()) {
          st["boundary_cursor"] = boundary_cursor;
          st["boundary_keys"] = boundary_keys;
        }
      }
      bool done = !chunked || writer.read() < o.chunk_rows;
      if (done) st["complete"] = true;
      if (protocol) {
        st["stream_namespace"] = s.schema;
        if (o.checkpoint) RSX_RETURN_IF_ERROR(o.checkpoint(s, st.dump(), writer.rows()));
      } else {
        RSX_RETURN_IF_ERROR(SaveState(state_path, state));  // after the rows are on disk
      }
      if (o.progress) o.progress(name, res.rows, writer.bytes());
      if (done) break;
    }
    close_out();
    if (protocol && o.stream_status) o.stream_status(s, "COMPLETE");
    results.push_back(res);
  }
  return results;
}

}  // namespace rsx
