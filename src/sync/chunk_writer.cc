#include "sync/chunk_writer.h"

#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cerrno>
#include <cstring>
#include <system_error>
#include <thread>

#include "rsx/types.h"
#include "sync/output_files.h"

namespace rsx::sync_internal {

std::string SqlType(const ColumnInfo& c) {
  switch (TypeFromName(c.type_name)) {
    case RedshiftType::kSmallInt:
      return "smallint";
    case RedshiftType::kInteger:
      return "integer";
    case RedshiftType::kBigInt:
      return "bigint";
    case RedshiftType::kDecimal:
      return "numeric(" + std::to_string(c.precision) + "," + std::to_string(c.scale) + ")";
    case RedshiftType::kReal:
      return "real";
    case RedshiftType::kDouble:
      return "double precision";
    case RedshiftType::kBoolean:
      return "boolean";
    case RedshiftType::kDate:
      return "date";
    case RedshiftType::kTime:
      return "time";
    case RedshiftType::kTimeTz:
      return "timetz";
    case RedshiftType::kTimestamp:
      return "timestamp";
    case RedshiftType::kTimestampTz:
      return "timestamptz";
    default:
      return "varchar";
  }
}

std::string ParamText(const Cell& c) {
  switch (c.kind) {
    case CellKind::kLong:
      return std::to_string(c.l);
    case CellKind::kBool:
      return c.b ? "true" : "false";
    default: {
      std::string scratch;
      return std::string(CellText(c, &scratch));
    }
  }
}

std::string KeyAfter(const std::vector<const ColumnInfo*>& key, size_t i) {
  std::string col = QuoteIdentifier(key[i]->name);
  std::string param = "CAST(:k" + std::to_string(i) + " AS " + SqlType(*key[i]) + ")";
  if (i + 1 == key.size()) return col + " > " + param;
  return "(" + col + " > " + param + " or (" + col + " = " + param + " and " +
         KeyAfter(key, i + 1) + "))";
}

Status Durable(FILE* f) {
  if (std::fflush(f) != 0 || fsync(fileno(f)) != 0)
    return Status::IoError(std::string("cannot flush the output to disk: ") + std::strerror(errno));
  return Status::OK();
}

Status ChunkWriter::OnColumns(const std::vector<ColumnInfo>& cols) {
  encoder_ = RowEncoder(cols, csv_ ? RowEncoder::Form::kCsv : RowEncoder::Form::kJsonObject);
  return Status::OK();
}

Status ChunkWriter::OnPage(const DecodedPage& p) {
  buf_.clear();
  long long written = 0;
  std::vector<std::string> rest;
  for (size_t r = 0; r < p.num_rows; ++r) {
    if (track_) {
      std::string cursor = ParamText(p.at(r, key_columns_[0]));
      rest.clear();
      for (size_t k = 1; k < key_columns_.size(); ++k)
        rest.push_back(ParamText(p.at(r, key_columns_[k])));
      if (skip_cursor_ && cursor == *skip_cursor_ && skip_keys_->count(rest))
        continue;  // emitted by the last run
      if (cursor != boundary_.cursor) {
        boundary_.cursor = cursor;
        boundary_.keys.clear();
      }
      boundary_.keys.push_back(rest);
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
  if (!buf_.empty() && out_ == nullptr) {
    if (!open_) return Status::Internal("the chunk writer has no output");
    RSX_ASSIGN_OR_RETURN(out_, open_());
  }
  if (!buf_.empty() && std::fwrite(buf_.data(), 1, buf_.size(), out_) != buf_.size())
    return Status::IoError(std::string("cannot write the output: ") + std::strerror(errno));
  return Status::OK();
}

Result<long long> ParallelFullRefresh(DataApiClient& client, const SyncOptions& o,
                                      const std::string& columns, const std::string& from,
                                      const ColumnInfo& key, size_t key_index, long long lo,
                                      long long hi, long long count, FILE* out, bool csv,
                                      int* statements) {
  long long ranges = std::max(1LL, std::min(10000LL, (count + o.chunk_rows - 1) / o.chunk_rows));
  // hi - lo can exceed the range of long long: compute the width in unsigned arithmetic.
  unsigned long long span =
      static_cast<unsigned long long>(hi) - static_cast<unsigned long long>(lo);
  unsigned long long width = span / static_cast<unsigned long long>(ranges) + 1;
  std::string k = QuoteIdentifier(key.name), type = SqlType(key);
  struct Part {
    long long from, to;  // inclusive key bounds
    std::string path;
    long long rows = 0;
    int statements = 0;
    Status status;
  };
  std::vector<Part> parts;
  for (unsigned long long a = static_cast<unsigned long long>(lo);;) {
    unsigned long long left = static_cast<unsigned long long>(hi) - a;
    unsigned long long b = left < width ? static_cast<unsigned long long>(hi) : a + width - 1;
    parts.push_back({static_cast<long long>(a),
                     static_cast<long long>(b),
                     o.out_dir + "/.rsx-part-" + std::to_string(parts.size()),
                     0,
                     0,
                     {}});
    if (b == static_cast<unsigned long long>(hi)) break;
    a = b + 1;
  }
  std::atomic<size_t> next{0};
  std::atomic<bool> failed{false};
  auto work = [&] {
    while (!failed) {
      size_t i = next++;
      if (i >= parts.size()) return;
      Part& part = parts[i];
      auto opened = OpenOutputFile(part.path, false);
      if (!opened.ok()) {
        part.status = opened.status();
        failed = true;
        return;
      }
      File f(*opened);
      std::string last;
      while (true) {
        RunOptions ro;
        ro.interrupted = o.interrupted;
        ro.timeout = o.statement_timeout;
        ro.params = {{"lo", std::to_string(part.from)}, {"hi", std::to_string(part.to)}};
        std::string where =
            k + " >= CAST(:lo AS " + type + ") and " + k + " <= CAST(:hi AS " + type + ")";
        if (!last.empty()) {
          where += " and " + k + " > CAST(:k0 AS " + type + ")";
          ro.params.emplace_back("k0", last);
        }
        ChunkWriter writer(f.get(), csv, "", "\n", {key_index}, false, nullptr, nullptr, {});
        auto run = RunStatement(client,
                                "select " + columns + " from " + from + " where " + where +
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
      if (std::fflush(f.get()) != 0 && part.status.ok()) {
        part.status = Status::IoError("cannot write " + part.path + ": " + std::strerror(errno));
        failed = true;
      }
    }
  };
  // One thread per range at most; a thread the system refuses leaves the ranges to the others.
  std::vector<std::thread> threads;
  size_t want = std::min(parts.size(), static_cast<size_t>(std::max(1, o.parallel)));
  Status spawn;
  for (size_t t = 0; t < want; ++t) {
    try {
      threads.emplace_back(work);
    } catch (const std::system_error& e) {
      spawn = Status::Unavailable(std::string("cannot start a reading thread: ") + e.what());
      break;
    }
  }
  if (threads.empty() && !spawn.ok()) return spawn;
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
      File f(std::fopen(part.path.c_str(), "rb"));
      if (!f) {
        first = Status::IoError("cannot read " + part.path);
        break;
      }
      size_t n;
      while (first.ok() && (n = std::fread(buf.data(), 1, buf.size(), f.get())) > 0)
        if (std::fwrite(buf.data(), 1, n, out) != n)
          first = Status::IoError("cannot write the output");
      rows += part.rows;
    }
  }
  for (const auto& part : parts) std::remove(part.path.c_str());
  if (!first.ok()) return first;
  return rows;
}

}  // namespace rsx::sync_internal
