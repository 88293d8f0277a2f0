#pragma once
// Result writers: JSON lines, a JSON array, CSV, and a terminal table. Each is a
// ResultConsumer writing to a stdio stream with its own buffering. Not thread-safe.

#include <cstdio>
#include <memory>
#include <string>
#include <vector>

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
  // What the reader of the output should be told about it, or "": the JSON writers name the
  // columns whose names repeat and the keys they were written under (JsonFieldNames).
  virtual std::string Notice() const { return {}; }
};

// The keys a JSON object of these columns is written with: each column's name, except that a
// name an earlier column already has gets "_2", "_3", ... (the first that no column has and no
// earlier key took), so that no key repeats in an object and no value is lost to a reader that
// keeps one of two equal keys. A query may repeat a name (`select * from a join b` with an `id`
// in both); a table cannot, so a table's columns keep their names.
std::vector<std::string> JsonFieldNames(const std::vector<ColumnInfo>& columns);

// `table_max_rows`: the table shows at most this many rows, then stops the run early and
// says how many it showed. `width`: terminal columns (0: detect, else 120).
std::unique_ptr<ResultWriter> NewResultWriter(OutputFormat format, FILE* out,
                                              long long table_max_rows = 1000, int width = 0);

}  // namespace rsx
