#pragma once
// Result writers: JSON lines, a JSON array, CSV, and a terminal table. Each is a
// ResultConsumer writing to a stdio stream with its own buffering. Not thread-safe.

#include <cstdio>
#include <memory>
#include <string>

#include "rsx/statement_runner.h"

namespace rsx {

enum class OutputFormat { kTable, kCsv, kJsonl, kJson };

// Parses "table", "csv", "jsonl", "json"; the error lists the accepted values.
Result<OutputFormat> ParseOutputFormat(const std::string& name);

class ResultWriter : public ResultConsumer {
 public:
  // Writes what is buffered and any closing text ("]" of a JSON array, the table itself).
  virtual Status Finish() = 0;
  virtual long long rows_written() const = 0;
};

// `table_max_rows`: the table shows at most this many rows, then stops the run early and
// says how many it showed. `width`: terminal columns (0: detect, else 120).
std::unique_ptr<ResultWriter> NewResultWriter(OutputFormat format, FILE* out,
                                              long long table_max_rows = 1000, int width = 0);

}  // namespace rsx
