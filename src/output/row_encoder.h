#pragma once
// RowEncoder: one result row as a JSON object ({"id":1,"name":"x"}) or a CSV line (1,x), the
// inner loop of every writer (rsx query, sync, Airbyte, Singer). It reserves room for the whole
// row once and writes values through a pointer (types.h WriteJsonValue / WriteCsvValue).

#include <string>
#include <vector>

#include "decode/page_decoder.h"
#include "rsx/types.h"
#include "util/out_buf.h"

namespace rsx {

class RowEncoder {
 public:
  enum class Form { kJsonObject, kCsv };
  RowEncoder() = default;
  RowEncoder(const std::vector<ColumnInfo>& columns, Form form);

  // Appends row `r` of `page` (no line end).
  void Encode(const DecodedPage& page, size_t r, util::OutBuf* out) const;
  // The CSV header line (column names), with its line end.
  std::string CsvHeader() const;
  size_t columns() const { return types_.size(); }

 private:
  Form form_ = Form::kJsonObject;
  std::vector<std::string> names_;
  std::vector<RedshiftType> types_;
  // Per column, how a string cell is written to JSON (the common cases are written in Encode's
  // loop; WriteJsonValue has them all).
  enum class Path : uint8_t { kString, kNumber, kTimestamp, kOther };
  std::vector<Path> paths_;
  // JSON: each column's key ('{' or ',', the quoted name, ':') at keys_[key_at_[c]], followed by
  // kKeySlack bytes of padding, so a short key is copied as one fixed-size block (its slack is
  // overwritten by the value after it).
  static constexpr size_t kKeySlack = 16;
  std::string keys_;
  std::vector<std::pair<size_t, size_t>> key_at_;  // offset and size in keys_
  size_t fixed_room_ = 0;  // the keys and punctuation of one row, and one key's slack
};

}  // namespace rsx
