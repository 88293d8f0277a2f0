#pragma once
// PostgreSQL types as Redshift presents them through the Data API: type names
// (int4, numeric, super, varbyte, ...), ColumnMetadata, and Field encodings (longValue,
// doubleValue, booleanValue, stringValue in Redshift's text forms, blobValue, isNull).

#include <libpq-fe.h>

#include <nlohmann/json.hpp>
#include <string>
#include <string_view>

#include "rsx/types.h"

namespace rsx::emu {

enum class FieldKind { kBool, kLong, kDouble, kString, kBlob };

struct ColumnMeta {
  std::string name, type_name, schema, table, column_default;
  int precision = 0, scale = 0, length = 0;
  int nullable = 1;  // 0 NOT NULL, 1 nullable, 2 unknown (JDBC convention)
  bool is_signed = false, case_sensitive = false, currency = false;
  FieldKind kind = FieldKind::kString;
};

// Fills type_name, precision, scale, length, is_signed, case_sensitive and kind from a
// PostgreSQL type OID and typmod.
void DescribeType(Oid oid, int typmod, ColumnMeta* meta);

// ColumnMetadata JSON (camelCase, as in the model).
nlohmann::json ColumnMetaJson(const ColumnMeta& m);

// Appends one Field as JSON (e.g. {"longValue":42}) for PostgreSQL's text value `v`.
void AppendJsonField(std::string* out, FieldKind kind, std::string_view v, bool is_null);
// Appends one CSV field (RFC 4180 quoting; NULL as an empty unquoted field).
void AppendCsvField(std::string* out, std::string_view v, bool is_null);
using rsx::AppendJsonString;  // one escaper for the library and the emulator

}  // namespace rsx::emu
