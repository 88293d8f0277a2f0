// GetStatementResult pages (JSON) as a server might send them: the decoder must return an
// error or cells that are all readable, never crash. Decoded twice, once keeping rsx's own
// escapes in string cells (PageDecoder::set_keep_escapes) and once not: when both succeed,
// every row's JSON and CSV are the same bytes.
#include <cstdint>
#include <string>

#include "decode/page_decoder.h"
#include "output/row_encoder.h"

namespace {

// Every row as JSON and CSV, or "" when the page has no usable columns.
std::string Encode(const rsx::DecodedPage& page) {
  if (page.cells.size() < page.num_rows * page.num_cols) __builtin_trap();
  if (!page.has_columns || page.columns.size() != page.num_cols || page.num_rows == 0) return "";
  rsx::RowEncoder json(page.columns, rsx::RowEncoder::Form::kJsonObject);
  rsx::RowEncoder csv(page.columns, rsx::RowEncoder::Form::kCsv);
  rsx::util::OutBuf out(1 << 16);
  for (size_t r = 0; r < page.num_rows; ++r) {
    json.Encode(page, r, &out);
    csv.Encode(page, r, &out);
  }
  return std::string(out.view());
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  static rsx::PageDecoder plain, keeping;
  static bool once = (keeping.set_keep_escapes(true), true);
  (void)once;
  std::string a(reinterpret_cast<const char*>(data), size), b = a;
  rsx::DecodedPage pa, pb;
  bool ok_a = plain.DecodeJson(a, &pa).ok(), ok_b = keeping.DecodeJson(b, &pb).ok();
  std::string ea = ok_a ? Encode(pa) : "", eb = ok_b ? Encode(pb) : "";
  if (ok_a && ok_b && ea != eb) __builtin_trap();
  return 0;
}
