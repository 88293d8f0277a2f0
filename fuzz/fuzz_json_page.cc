// GetStatementResult pages (JSON) as a server might send them: the decoder must return an
// error or cells that are all readable, never crash.
#include <cstdint>
#include <string>

#include "decode/page_decoder.h"
#include "output/row_encoder.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  static rsx::PageDecoder decoder;
  std::string body(reinterpret_cast<const char*>(data), size);
  rsx::DecodedPage page;
  if (!decoder.DecodeJson(body, &page).ok()) return 0;
  if (page.cells.size() < page.num_rows * page.num_cols) __builtin_trap();
  if (page.has_columns && page.columns.size() == page.num_cols && page.num_rows > 0) {
    rsx::RowEncoder json(page.columns, rsx::RowEncoder::Form::kJsonObject);
    rsx::RowEncoder csv(page.columns, rsx::RowEncoder::Form::kCsv);
    rsx::util::OutBuf out(1 << 16);
    for (size_t r = 0; r < page.num_rows; ++r) {
      out.clear();
      json.Encode(page, r, &out);
      csv.Encode(page, r, &out);
    }
  }
  return 0;
}
