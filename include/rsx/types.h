#pragma once
// One type map for every Redshift type: what a result cell is, its JSON Schema (with Airbyte's
// airbyte_type), its JSON value and its CSV text. DECIMAL never passes through a double.

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "rsx/data_api.h"

namespace rsx {

enum class RedshiftType {
  kSmallInt,
  kInteger,
  kBigInt,
  kDecimal,
  kReal,
  kDouble,
  kBoolean,
  kChar,
  kVarchar,
  kDate,
  kTime,
  kTimeTz,
  kTimestamp,
  kTimestampTz,
  kInterval,
  kSuper,
  kVarbyte,
  kGeometry,
  kGeography,
  kHllSketch,
  kUnknown,
};

// From ColumnMetadata.typeName ("int4", "numeric", "timestamptz", "super", ...); unknown
// names map to kUnknown (carried as strings).
RedshiftType TypeFromName(std::string_view type_name);
const char* TypeName(RedshiftType t);

// One decoded result cell. Views point into the page that holds it.
enum class CellKind : uint8_t { kNull, kBool, kLong, kDouble, kString, kBlob };
struct Cell {
  CellKind kind = CellKind::kNull;
  bool b = false;
  // kString/kBlob: `text` holds no '"', '\\' or control byte, so as JSON it is written as it is.
  // Set by decoders that know it for free (a JSON page's string without escapes); false is
  // always safe.
  bool plain = false;
  // kString: `text` is the string as the body of a JSON string, in exactly the escapes rsx
  // writes (\" \\ \n \r \t, \u00xx in lower case for other control bytes), so JSON output copies
  // it. Only consumers that ask for it (ResultConsumer::TakesEscapedText) receive such cells;
  // CellText gives the text itself.
  bool escaped = false;
  int64_t l = 0;
  // kDouble: the number as sent; kString: text (but see `escaped`); kBlob: base64; kLong: empty,
  // or `l` as a JSON page sent it (JSON's integer form, not "-0").
  std::string_view text;
};

// The text of a cell: `text`, or for an `escaped` cell its unescaped form in `scratch`.
std::string_view CellText(const Cell& cell, std::string* scratch);

// One result page, decoded: what ResultConsumer::OnPage receives. Cells are row-major; their
// views point into the page and are valid only during the OnPage call.
struct DecodedPage {
  std::vector<ColumnInfo> columns;  // when the page carried ColumnMetadata
  bool has_columns = false;
  size_t num_rows = 0, num_cols = 0;
  std::vector<Cell> cells;  // row-major
  long long total_rows = -1;
  std::string next_token;
  const Cell& at(size_t row, size_t col) const { return cells[row * num_cols + col]; }
};

// The column's type as DDL shows it: "numeric(18,2)", "varchar(256)", "int4".
std::string ColumnTypeText(const ColumnInfo& column);

// JSON Schema of a column, e.g. {"type":["null","integer"]}; timestamps carry airbyte_type.
std::string JsonSchemaFor(const ColumnInfo& column);

// Appends the JSON value of `cell` for a column of type `t`:
//   integers -> JSON integers; DECIMAL -> JSON number with the exact digits sent;
//   REAL/DOUBLE -> JSON number (NaN/Infinity -> string); BOOLEAN -> true/false;
//   DATE "2008-01-01"; TIMESTAMP "2008-01-01T19:30:00[.ffffff]";
//   TIMESTAMPTZ "2008-01-01T19:30:00+00:00" (RFC 3339 with offset); TIME "19:30:00";
//   TIMETZ "19:30:00+05:30"; SUPER -> the JSON value itself; VARBYTE -> base64 string;
//   GEOMETRY/GEOGRAPHY -> hex string as sent; others -> string. NULL -> null.
void AppendJsonValue(std::string* out, RedshiftType t, const Cell& cell);
// Appends the CSV text (RFC 4180 quoting) of `cell`: Redshift's text forms (t/f for booleans,
// "2008-01-01 19:30:00" timestamps, hex for VARBYTE); NULL is an empty unquoted field and the
// empty string is "".
void AppendCsvValue(std::string* out, RedshiftType t, const Cell& cell);
// Plain text for a terminal table (NULL shown as the empty string; callers mark it).
std::string DisplayText(RedshiftType t, const Cell& cell);

// Appends a JSON string literal.
void AppendJsonString(std::string* out, std::string_view s);

// The same encodings written through a pointer, for hot paths that reserve room once per row:
// each writes at most *ValueRoom(cell) bytes at `p` and returns the end.
inline size_t JsonValueRoom(const Cell& c) { return c.text.size() * 6 + 32; }
inline size_t CsvValueRoom(const Cell& c) { return c.text.size() * 2 + 32; }
char* WriteJsonValue(char* p, RedshiftType t, const Cell& cell);
char* WriteCsvValue(char* p, RedshiftType t, const Cell& cell);
char* WriteJsonString(char* p, std::string_view s);  // room: 6 bytes per byte of s, plus 2
// Appends one CSV field, quoted (RFC 4180) when empty or holding , " CR or LF.
void AppendCsvText(std::string* out, std::string_view s);

}  // namespace rsx
