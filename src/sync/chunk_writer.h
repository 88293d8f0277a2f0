#pragma once
// Pieces of the sync engine shared by the sequential and the parallel reads.

#include <cstdio>
#include <functional>
#include <memory>
#include <set>
#include <string>
#include <vector>

#include "decode/page_decoder.h"
#include "output/row_encoder.h"
#include "rsx/statement_runner.h"
#include "rsx/sync.h"

namespace rsx::sync_internal {

// The column's type as SQL, for CAST(:param AS <type>).
std::string SqlType(const ColumnInfo& c);
// Text of a cell as a parameter value (the database's own text form).
std::string ParamText(const Cell& c);
// key > last, over several columns: k1 > :k1 or (k1 = :k1 and (k2 > :k2 ...)).
std::string KeyAfter(const std::vector<const ColumnInfo*>& key, size_t i);

struct FileCloser {
  void operator()(FILE* f) const {
    if (f) std::fclose(f);
  }
};
using File = std::unique_ptr<FILE, FileCloser>;

// fflush + fsync.
Status Durable(FILE* f);

// Writes a statement's rows to a file and remembers the key of the last row.
//
// key_columns[0] is the cursor in incremental mode (`track_boundary`): the writer then
// remembers the keys (the other key columns) of the rows that share the last cursor value, and
// skips rows whose cursor equals `skip_cursor` and whose key is in `skip_keys` (emitted by an
// earlier run). Keys are lists of values, so no value can make two keys equal.
class ChunkWriter : public ResultConsumer {
 public:
  struct Boundary {
    std::string cursor;
    std::vector<std::vector<std::string>> keys;
  };
  ChunkWriter(FILE* out, bool csv, std::string record_prefix, std::string record_suffix,
              std::vector<size_t> key_columns, bool track_boundary, const std::string* skip_cursor,
              const std::set<std::vector<std::string>>* skip_keys, Boundary boundary)
      : out_(out),
        csv_(csv),
        record_prefix_(std::move(record_prefix)),
        record_suffix_(std::move(record_suffix)),
        key_columns_(std::move(key_columns)),
        track_(track_boundary),
        skip_cursor_(skip_cursor),
        skip_keys_(skip_keys),
        boundary_(std::move(boundary)) {}
  // Without an output yet (`out` null): `open` gives it at the first bytes to write.
  void OpenWhenWriting(std::function<Result<FILE*>()> open) { open_ = std::move(open); }
  Status OnColumns(const std::vector<ColumnInfo>& cols) override;
  Status OnPage(const DecodedPage& p) override;
  // JSON records are written by RowEncoder and keys read through CellText.
  bool TakesEscapedText() const override { return !csv_; }

  long long rows() const { return rows_; }  // written
  long long read() const { return read_; }  // read, including skipped
  long long bytes() const { return bytes_; }
  const Boundary& boundary() const { return boundary_; }
  const std::vector<std::string>& last_key() const { return last_key_; }
  bool last_key_null() const { return last_key_null_; }

 private:
  FILE* out_;
  std::function<Result<FILE*>()> open_;
  bool csv_;
  std::string record_prefix_, record_suffix_;
  std::vector<size_t> key_columns_;
  RowEncoder encoder_;
  util::OutBuf buf_{1 << 20};
  std::vector<std::string> last_key_;
  bool last_key_null_ = false;
  bool track_;
  const std::string* skip_cursor_;
  const std::set<std::vector<std::string>>* skip_keys_;
  Boundary boundary_;
  long long rows_ = 0, read_ = 0, bytes_ = 0;
};

// Full refresh of [lo, hi] of an integer key: ranges read `options.parallel` statements at
// once, each by keyset chunks into its own part file, then concatenated in key order into
// `out`. Returns the rows written.
Result<long long> ParallelFullRefresh(DataApiClient& client, const SyncOptions& options,
                                      const std::string& columns, const std::string& from,
                                      const ColumnInfo& key, size_t key_index, long long lo,
                                      long long hi, long long count, FILE* out, bool csv,
                                      int* statements);

}  // namespace rsx::sync_internal
