// GetStatementResultV2 pages (CSV records inside JSON) with fuzzed column types.
#include <cstdint>
#include <string>
#include <vector>

#include "decode/page_decoder.h"
#include "fuzz_input.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  static const char* kTypes[] = {"int4",    "int8",      "numeric",     "varchar", "bool",
                                 "float8",  "timestamp", "timestamptz", "date",    "super",
                                 "varbyte", "time",      "timetz",      "bpchar"};
  static rsx::PageDecoder decoder;
  rsx::fuzz::Input in(data, size);
  std::vector<rsx::ColumnInfo> cols(1 + in.Byte() % 6);
  for (auto& c : cols) {
    c.name = "c";
    c.type_name = kTypes[in.Byte() % (sizeof kTypes / sizeof *kTypes)];
    c.precision = 18;
    c.scale = 4;
  }
  std::string body = in.Next();
  rsx::DecodedPage page;
  if (!decoder.DecodeCsv(body, cols, &page).ok()) return 0;
  if (page.cells.size() < page.num_rows * page.num_cols) __builtin_trap();
  return 0;
}
