#include <cctype>
#include <charconv>
#include <nlohmann/json.hpp>

#include "rsx/types.h"
#include "util/strings.h"

namespace rsx {

RedshiftType TypeFromName(std::string_view raw) {
  std::string n = util::ToLower(raw);
  if (n == "int2" || n == "smallint") return RedshiftType::kSmallInt;
  if (n == "int4" || n == "integer" || n == "int") return RedshiftType::kInteger;
  if (n == "int8" || n == "bigint" || n == "oid") return RedshiftType::kBigInt;
  if (n == "numeric" || n == "decimal") return RedshiftType::kDecimal;
  if (n == "float4" || n == "real") return RedshiftType::kReal;
  if (n == "float8" || n == "float" || n == "double precision") return RedshiftType::kDouble;
  if (n == "bool" || n == "boolean") return RedshiftType::kBoolean;
  if (n == "bpchar" || n == "char" || n == "character" || n == "nchar") return RedshiftType::kChar;
  if (n == "varchar" || n == "character varying" || n == "text" || n == "name" ||
      n == "nvarchar" || n == "character_data" || n == "sql_identifier")
    return RedshiftType::kVarchar;
  if (n == "date") return RedshiftType::kDate;
  if (n == "time" || n == "time without time zone") return RedshiftType::kTime;
  if (n == "timetz" || n == "time with time zone") return RedshiftType::kTimeTz;
  if (n == "timestamp" || n == "timestamp without time zone") return RedshiftType::kTimestamp;
  if (n == "timestamptz" || n == "timestamp with time zone") return RedshiftType::kTimestampTz;
  if (n == "interval" || n == "interval year to month" || n == "interval day to second")
    return RedshiftType::kInterval;
  if (n == "super") return RedshiftType::kSuper;
  if (n == "varbyte" || n == "varbinary" || n == "binary varying") return RedshiftType::kVarbyte;
  if (n == "geometry") return RedshiftType::kGeometry;
  if (n == "geography") return RedshiftType::kGeography;
  if (n == "hllsketch") return RedshiftType::kHllSketch;
  return RedshiftType::kUnknown;
}

const char* TypeName(RedshiftType t) {
  static const char* kNames[] = {"smallint", "integer", "bigint", "decimal", "real", "double precision",
                                 "boolean", "char", "varchar", "date", "time", "timetz", "timestamp",
                                 "timestamptz", "interval", "super", "varbyte", "geometry",
                                 "geography", "hllsketch", "unknown"};
  return kNames[static_cast<int>(t)];
}

std::string JsonSchemaFor(const ColumnInfo& c) {
  nlohmann::json s;
  auto type = [&](const char* t) {
    s["type"] = c.nullable == 0 ? nlohmann::json(t) : nlohmann::json::array({"null", t});
  };
  switch (TypeFromName(c.type_name)) {
    case RedshiftType::kSmallInt: case RedshiftType::kInteger: case RedshiftType::kBigInt:
      type("integer");
      break;
    case RedshiftType::kDecimal: case RedshiftType::kReal: case RedshiftType::kDouble:
      type("number");
      break;
    case RedshiftType::kBoolean: type("boolean"); break;
    case RedshiftType::kDate: type("string"); s["format"] = "date"; break;
    case RedshiftType::kTimestamp:
      type("string");
      s["format"] = "date-time";
      s["airbyte_type"] = "timestamp_without_timezone";
      break;
    case RedshiftType::kTimestampTz:
      type("string");
      s["format"] = "date-time";
      s["airbyte_type"] = "timestamp_with_timezone";
      break;
    case RedshiftType::kTime:
      type("string");
      s["format"] = "time";
      s["airbyte_type"] = "time_without_timezone";
      break;
    case RedshiftType::kTimeTz:
      type("string");
      s["format"] = "time";
      s["airbyte_type"] = "time_with_timezone";
      break;
    case RedshiftType::kSuper:
      // Any JSON value: object, array, string, number, boolean or null.
      s["type"] = nlohmann::json::array({"null", "object", "array", "string", "number", "boolean"});
      break;
    default: type("string"); break;
  }
  return s.dump();
}

namespace {

// Bytes that JSON strings must escape: control characters, '"' and '\\'.
struct EscapeTable {
  bool needs[256] = {};
  constexpr EscapeTable() {
    for (int c = 0; c < 0x20; ++c) needs[c] = true;
    needs[static_cast<unsigned char>('"')] = true;
    needs[static_cast<unsigned char>('\\')] = true;
  }
};
constexpr EscapeTable kEscape;

}  // namespace

void AppendJsonString(std::string* out, std::string_view s) {
  static const char* kHex = "0123456789abcdef";
  out->push_back('"');
  const char* p = s.data();
  const char* end = p + s.size();
  const char* run = p;
  for (; p < end; ++p) {
    unsigned char c = static_cast<unsigned char>(*p);
    if (!kEscape.needs[c]) continue;
    out->append(run, static_cast<size_t>(p - run));
    run = p + 1;
    switch (c) {
      case '"': out->append("\\\""); break;
      case '\\': out->append("\\\\"); break;
      case '\n': out->append("\\n"); break;
      case '\r': out->append("\\r"); break;
      case '\t': out->append("\\t"); break;
      default: {
        char esc[6] = {'\\', 'u', '0', '0', kHex[c >> 4], kHex[c & 15]};
        out->append(esc, 6);
      }
    }
  }
  out->append(run, static_cast<size_t>(end - run));
  out->push_back('"');
}

namespace {

bool LooksLikeJsonNumber(std::string_view s) {
  if (s.empty()) return false;
  size_t i = s[0] == '-' ? 1 : 0;
  if (i >= s.size() || !std::isdigit(static_cast<unsigned char>(s[i]))) return false;
  for (; i < s.size(); ++i) {
    char c = s[i];
    if (!std::isdigit(static_cast<unsigned char>(c)) && c != '.' && c != 'e' && c != 'E' &&
        c != '+' && c != '-')
      return false;
  }
  return true;
}

// Appends a time or timestamp as an RFC 3339 JSON string: the date/time separator becomes
// 'T' and a short offset "+05" becomes "+05:00". No allocation: hot for large results.
void AppendRfc3339(std::string* out, std::string_view v, bool has_date) {
  out->push_back('"');
  size_t start = out->size();
  out->append(v);
  if (has_date && v.size() > 10 && v[10] == ' ') (*out)[start + 10] = 'T';
  // A short offset: the sign is the third character from the end ("...:59+05").
  if (v.size() >= 11 && (v[v.size() - 3] == '+' || v[v.size() - 3] == '-')) out->append(":00");
  out->push_back('"');
}

// True when text needs no JSON escaping (database text forms of dates and times).
bool Plain(std::string_view v) {
  for (char c : v)
    if (kEscape.needs[static_cast<unsigned char>(c)]) return false;
  return true;
}

void AppendInt(std::string* out, int64_t v) {
  char buf[24];
  auto r = std::to_chars(buf, buf + sizeof buf, v);
  out->append(buf, static_cast<size_t>(r.ptr - buf));
}

std::string Hex(std::string_view base64) {
  auto bytes = util::Base64Decode(base64);
  return bytes.ok() ? util::HexEncode(*bytes) : std::string(base64);
}

}  // namespace

void AppendJsonValue(std::string* out, RedshiftType t, const Cell& c) {
  switch (c.kind) {
    case CellKind::kNull: out->append("null"); return;
    case CellKind::kBool: out->append(c.b ? "true" : "false"); return;
    case CellKind::kLong: AppendInt(out, c.l); return;
    case CellKind::kDouble: out->append(c.text); return;
    case CellKind::kBlob: AppendJsonString(out, c.text); return;
    case CellKind::kString: break;
  }
  std::string_view v = c.text;
  switch (t) {
    case RedshiftType::kDecimal: case RedshiftType::kReal: case RedshiftType::kDouble:
      if (LooksLikeJsonNumber(v)) {
        out->append(v);  // the exact digits: no double in between
        return;
      }
      break;
    case RedshiftType::kSmallInt: case RedshiftType::kInteger: case RedshiftType::kBigInt:
      if (LooksLikeJsonNumber(v)) {
        out->append(v);
        return;
      }
      break;
    case RedshiftType::kBoolean:
      if (v == "t" || v == "true" || v == "1") return out->append("true"), void();
      if (v == "f" || v == "false" || v == "0") return out->append("false"), void();
      break;
    case RedshiftType::kTimestamp: case RedshiftType::kTimestampTz:
      if (Plain(v)) return AppendRfc3339(out, v, true), void();
      break;
    case RedshiftType::kTimeTz:
      if (Plain(v)) return AppendRfc3339(out, v, false), void();
      break;
    case RedshiftType::kSuper: {
      // SUPER arrives as JSON text: embed it as JSON when it is one.
      auto j = nlohmann::json::parse(v, nullptr, false);
      if (!j.is_discarded()) {
        out->append(j.dump());
        return;
      }
      break;
    }
    default: break;
  }
  AppendJsonString(out, v);
}

void AppendCsvText(std::string* out, std::string_view v) {
  bool quote = v.empty();
  for (char ch : v) quote = quote || ch == ',' || ch == '"' || ch == '\r' || ch == '\n';
  if (!quote) {
    out->append(v);
    return;
  }
  out->push_back('"');
  for (char ch : v) {
    if (ch == '"') out->push_back('"');
    out->push_back(ch);
  }
  out->push_back('"');
}

void AppendCsvValue(std::string* out, RedshiftType t, const Cell& c) {
  switch (c.kind) {
    case CellKind::kNull: return;
    case CellKind::kBool: out->append(c.b ? "t" : "f"); return;
    case CellKind::kLong: AppendInt(out, c.l); return;
    case CellKind::kDouble: out->append(c.text); return;
    case CellKind::kBlob: out->append(Hex(c.text)); return;
    case CellKind::kString: break;
  }
  if (t == RedshiftType::kVarbyte && c.text.size() >= 2 && c.text[0] == '\\' && c.text[1] == 'x') {
    out->append(c.text.substr(2));
    return;
  }
  AppendCsvText(out, c.text);
}

std::string DisplayText(RedshiftType t, const Cell& c) {
  switch (c.kind) {
    case CellKind::kNull: return "";
    case CellKind::kBool: return c.b ? "true" : "false";
    case CellKind::kLong: return std::to_string(c.l);
    case CellKind::kDouble: return std::string(c.text);
    case CellKind::kBlob: return Hex(c.text);
    case CellKind::kString: break;
  }
  if (t == RedshiftType::kBoolean) return c.text == "t" ? "true" : c.text == "f" ? "false" : std::string(c.text);
  return std::string(c.text);
}

}  // namespace rsx
