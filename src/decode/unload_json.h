#pragma once
// Decodes the JSON lines of rsx's UNLOAD files into the same cells the Data API path gives,
// so one RowEncoder writes both alike. rsx unloads `select <col> as c0, <col> as c1, ...`, so
// each line is an object whose keys are c0..c<n-1>; a key left out (UNLOAD's NULL) or null is
// NULL. Values are typed by the stream's columns:
//   integers -> kLong; numeric -> kString of the number's own digits (exact, never a double);
//   real/double -> kDouble of the digits ("NaN"/"Infinity" come as strings: kString);
//   boolean -> kBool; varbyte (hex text) -> kBlob (base64, as the Data API sends it);
//   super -> kString of the JSON value's text; everything else -> kString.
//
// The cells' views point into the decoder and are valid until the next Decode. Not
// thread-safe: one decoder per thread.

#include <memory>
#include <string_view>
#include <vector>

#include "rsx/data_api.h"
#include "rsx/types.h"

namespace rsx {

class UnloadJsonDecoder {
 public:
  explicit UnloadJsonDecoder(const std::vector<ColumnInfo>& columns);
  ~UnloadJsonDecoder();
  // `lines`: whole '\n'-terminated lines. kDataLoss names the line (counted from 1 across
  // calls) and the column for a line that is not such an object or a value of the wrong kind.
  Status Decode(std::string_view lines, DecodedPage* out);

  // The key of column i in the unloaded query: "c<i>".
  static std::string Key(size_t i);

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace rsx
