#pragma once
// Decodes GetStatementResult (JSON) and GetStatementResultV2 (CSV) pages into cells, with
// simdjson's on-demand API: one pass over the page, no DOM.
//
// IMPORTANT: the cells' text views point into the decoder and the page body; they are valid
// until the next Decode call on the same decoder. Not thread-safe: one decoder per thread.

#include <memory>
#include <string>
#include <vector>

#include "rsx/types.h"

namespace rsx {

// DecodedPage: rsx/types.h.

class PageDecoder {
 public:
  PageDecoder();
  ~PageDecoder();
  // For consumers that take escaped text (ResultConsumer::TakesEscapedText): string cells of JSON
  // pages whose escapes are all ones rsx writes keep them (Cell::escaped). Off by default.
  void set_keep_escapes(bool on);
  // `body` may be modified (padding is appended). Errors: kInternal with the parse error.
  Status DecodeJson(std::string& body, DecodedPage* out);
  // CSV cells are typed from `columns` (or from the page's own ColumnMetadata).
  Status DecodeCsv(std::string& body, const std::vector<ColumnInfo>& columns, DecodedPage* out);

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace rsx
