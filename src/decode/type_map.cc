#include <cctype>
#include <charconv>
#include <cstring>
#include <nlohmann/json.hpp>

#include "decode/json_forms.h"
#include "decode/super_json.h"
#include "rsx/strings.h"
#include "rsx/types.h"
#include "util/out_buf.h"
#include "util/words.h"

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
  if (n == "varchar" || n == "character varying" || n == "text" || n == "name" || n == "nvarchar" ||
      n == "character_data" || n == "sql_identifier")
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
  static const char* kNames[] = {
      "smallint", "integer", "bigint",  "decimal",  "real",      "double precision", "boolean",
      "char",     "varchar", "date",    "time",     "timetz",    "timestamp",        "timestamptz",
      "interval", "super",   "varbyte", "geometry", "geography", "hllsketch",        "unknown"};
  return kNames[static_cast<int>(t)];
}

std::string JsonSchemaFor(const ColumnInfo& c) {
  nlohmann::json s;
  auto type = [&](const char* t) {
    s["type"] = c.nullable == 0 ? nlohmann::json(t) : nlohmann::json::array({"null", t});
  };
  switch (TypeFromName(c.type_name)) {
    case RedshiftType::kSmallInt:
    case RedshiftType::kInteger:
    case RedshiftType::kBigInt:
      type("integer");
      break;
    case RedshiftType::kDecimal:
    case RedshiftType::kReal:
    case RedshiftType::kDouble:
      type("number");
      break;
    case RedshiftType::kBoolean:
      type("boolean");
      break;
    case RedshiftType::kDate:
      type("string");
      s["format"] = "date";
      break;
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
    default:
      type("string");
      break;
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

// Bytes that make a CSV field quoted: ',', '"', CR and LF.
struct CsvSpecialTable {
  bool special[256] = {};
  constexpr CsvSpecialTable() {
    for (char c : {',', '"', '\r', '\n'}) special[static_cast<unsigned char>(c)] = true;
  }
};
constexpr CsvSpecialTable kCsvSpecial;

// The standard base64 alphabet: the 6-bit value of each character, or -1.
struct Base64Table {
  signed char value[256] = {};
  constexpr Base64Table() {
    for (int i = 0; i < 256; ++i) value[i] = -1;
    const char* alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    for (int i = 0; i < 64; ++i)
      value[static_cast<unsigned char>(alphabet[i])] = static_cast<signed char>(i);
  }
};
constexpr Base64Table kBase64;

// Appends through a pointer writer: makes `room` bytes, writes, trims to what was written.
template <typename Write>
void AppendVia(std::string* out, size_t room, Write write) {
  size_t n = out->size();
  out->resize(n + room);
  out->resize(static_cast<size_t>(write(out->data() + n) - out->data()));
}

}  // namespace

namespace {

// The bytes of `w` that JSON must escape: below 0x20, '"' or '\\' (util/words.h masks).
inline uint64_t EscapeBytes(uint64_t w) {
  return util::BytesBelow(w, 0x20) | util::BytesEqual(w, '"') | util::BytesEqual(w, '\\');
}

char* WriteEscape(char* p, unsigned char c) {
  static const char* kHex = "0123456789abcdef";
  *p++ = '\\';
  switch (c) {
    case '"':
      *p++ = '"';
      break;
    case '\\':
      *p++ = '\\';
      break;
    case '\n':
      *p++ = 'n';
      break;
    case '\r':
      *p++ = 'r';
      break;
    case '\t':
      *p++ = 't';
      break;
    default:
      std::memcpy(p, "u00", 3);
      p[3] = kHex[c >> 4];
      p[4] = kHex[c & 15];
      p += 5;
  }
  return p;
}

}  // namespace

// Eight bytes at a time: a word without a byte to escape is stored whole. The room (6 bytes per
// input byte) always has 8 bytes left while 8 input bytes are, so a word is stored whole even
// when only the bytes before its first escape count.
char* WriteJsonString(char* p, std::string_view s) {
  *p++ = '"';
  const char* in = s.data();
  const char* end = in + s.size();
  while (util::kLittleEndianWords && end - in >= 8) {
    uint64_t w = util::LoadWord(in);
    std::memcpy(p, &w, 8);
    uint64_t m = EscapeBytes(w);
    if (m == 0) {
      in += 8;
      p += 8;
      continue;
    }
    size_t k = static_cast<size_t>(__builtin_ctzll(m)) / 8;
    p = WriteEscape(p + k, static_cast<unsigned char>(in[k]));
    in += k + 1;
  }
  for (; in < end; ++in) {
    unsigned char c = static_cast<unsigned char>(*in);
    if (kEscape.needs[c])
      p = WriteEscape(p, c);
    else
      *p++ = static_cast<char>(c);
  }
  *p++ = '"';
  return p;
}

void AppendJsonString(std::string* out, std::string_view s) {
  AppendVia(out, s.size() * 6 + 2, [&](char* p) { return WriteJsonString(p, s); });
}

namespace {

[[gnu::always_inline]] inline char* Copy(char* p, std::string_view s) {
  return util::CopyBytes(p, s.data(), s.size());
}

// A JSON string of text that needs no escaping.
char* WriteQuoted(char* p, std::string_view v) {
  *p++ = '"';
  p = Copy(p, v);
  *p++ = '"';
  return p;
}

// True when text needs no JSON escaping (database text forms of dates and times).
bool Plain(std::string_view v) {
  for (char c : v)
    if (kEscape.needs[static_cast<unsigned char>(c)]) return false;
  return true;
}

std::string Hex(std::string_view base64) {
  auto bytes = util::Base64Decode(base64);
  return bytes.ok() ? util::HexEncode(*bytes) : std::string(base64);
}

// Hex of well-formed padded base64 (length a multiple of 4, '=' only at the end), written
// straight from the text; nullptr for anything else (the caller then takes the general path).
char* WriteHexOfBase64(char* p, std::string_view b64) {
  static const char* kHex = "0123456789abcdef";
  if (b64.size() % 4 != 0) return nullptr;
  const auto* in = reinterpret_cast<const unsigned char*>(b64.data());
  size_t n = b64.size();
  size_t pad = n >= 1 && in[n - 1] == '=' ? (n >= 2 && in[n - 2] == '=' ? 2 : 1) : 0;
  for (size_t i = 0; i < n; i += 4) {
    bool last = i + 4 == n;
    int v[4];
    for (int k = 0; k < 4; ++k) {
      bool padding = last && k >= 4 - static_cast<int>(pad);
      v[k] = padding ? 0 : kBase64.value[in[i + static_cast<size_t>(k)]];
      if (v[k] < 0) return nullptr;
    }
    unsigned bits = static_cast<unsigned>(v[0] << 18 | v[1] << 12 | v[2] << 6 | v[3]);
    int bytes = last ? 3 - static_cast<int>(pad) : 3;
    for (int k = 0; k < bytes; ++k) {
      unsigned b = (bits >> (16 - 8 * k)) & 0xff;
      *p++ = kHex[b >> 4];
      *p++ = kHex[b & 15];
    }
  }
  return p;
}

}  // namespace

std::string_view CellText(const Cell& c, std::string* scratch) {
  if (!c.escaped) return c.text;
  scratch->clear();
  const char* in = c.text.data();
  const char* end = in + c.text.size();
  while (in < end) {  // runs up to each '\\'; the decoder let through only rsx's own escapes
    const auto* q = static_cast<const char*>(std::memchr(in, '\\', static_cast<size_t>(end - in)));
    if (q == nullptr || end - q < 2) {
      scratch->append(in, static_cast<size_t>(end - in));
      break;
    }
    scratch->append(in, static_cast<size_t>(q - in));
    in = q + 2;
    switch (q[1]) {
      case 'n':
        scratch->push_back('\n');
        break;
      case 'r':
        scratch->push_back('\r');
        break;
      case 't':
        scratch->push_back('\t');
        break;
      case 'u':  // \u00xx
        if (end - q >= 6) {
          auto hex = [](char h) { return h <= '9' ? h - '0' : h - 'a' + 10; };
          scratch->push_back(static_cast<char>(hex(q[4]) * 16 + hex(q[5])));
          in = q + 6;
        }
        break;
      default:  // '"' or '\\'
        scratch->push_back(q[1]);
    }
  }
  return *scratch;
}

bool IsNumberType(RedshiftType t) {
  using T = RedshiftType;
  return t == T::kDecimal || t == T::kReal || t == T::kDouble || t == T::kSmallInt ||
         t == T::kInteger || t == T::kBigInt;
}

bool WrittenAsString(RedshiftType t) {
  using T = RedshiftType;
  return !IsNumberType(t) && t != T::kBoolean && t != T::kTimestamp && t != T::kTimestampTz &&
         t != T::kTimeTz && t != T::kSuper;
}

namespace {

// `c` with its text unescaped (into a scratch string of this thread).
Cell Unescaped(const Cell& c) {
  thread_local std::string scratch;
  Cell u = c;
  u.text = CellText(c, &scratch);
  u.escaped = false;
  return u;
}

}  // namespace

char* WriteJsonValue(char* p, RedshiftType t, const Cell& c) {
  switch (c.kind) {
    case CellKind::kNull:
      return Copy(p, "null");
    case CellKind::kBool:
      return c.b ? Copy(p, "true") : Copy(p, "false");
    case CellKind::kLong:
      if (!c.text.empty()) return Copy(p, c.text);  // the decoder's checked integer token
      return std::to_chars(p, p + 20, c.l).ptr;
    case CellKind::kDouble:
      return Copy(p, c.text);
    case CellKind::kBlob:
      return c.plain ? WriteQuoted(p, c.text) : WriteJsonString(p, c.text);
    case CellKind::kString:
      break;
  }
  if (c.escaped) {
    if (WrittenAsString(t)) return WriteQuoted(p, c.text);  // its escapes are the ones rsx writes
    return WriteJsonValue(p, t, Unescaped(c));
  }
  std::string_view v = c.text;
  switch (t) {
    case RedshiftType::kDecimal:
    case RedshiftType::kReal:
    case RedshiftType::kDouble:
    case RedshiftType::kSmallInt:
    case RedshiftType::kInteger:
    case RedshiftType::kBigInt:
      if (json_forms::IsJsonNumber(v)) return Copy(p, v);  // the exact digits: no double in between
      break;
    case RedshiftType::kBoolean:
      if (v == "t" || v == "true" || v == "1") return Copy(p, "true");
      if (v == "f" || v == "false" || v == "0") return Copy(p, "false");
      break;
    case RedshiftType::kTimestamp:
    case RedshiftType::kTimestampTz:
      if (c.plain || Plain(v)) return json_forms::WriteRfc3339(p, v, true);
      break;
    case RedshiftType::kTimeTz:
      if (c.plain || Plain(v)) return json_forms::WriteRfc3339(p, v, false);
      break;
    case RedshiftType::kSuper: {
      // SUPER arrives as JSON text: embed it as JSON when it is one. Its compact form is never
      // longer than the room reserved for the text written as a string.
      thread_local std::string compact_form;
      compact_form.clear();
      if (AppendCanonicalSuperJson(v, &compact_form) && compact_form.size() <= JsonValueRoom(c))
        return Copy(p, compact_form);
      auto j = nlohmann::json::parse(v, nullptr, false);
      if (!j.is_discarded()) {
        std::string compact = j.dump();
        if (compact.size() <= JsonValueRoom(c)) return Copy(p, compact);
      }
      break;
    }
    default:
      break;
  }
  return c.plain ? WriteQuoted(p, v) : WriteJsonString(p, v);
}

void AppendJsonValue(std::string* out, RedshiftType t, const Cell& c) {
  AppendVia(out, JsonValueRoom(c), [&](char* p) { return WriteJsonValue(p, t, c); });
}

char* WriteCsvText(char* p, std::string_view v) {
  const char* in = v.data();
  const char* end = in + v.size();
  bool quote = v.empty();
  for (const char* q = in; q < end && !quote; ++q)
    quote = kCsvSpecial.special[static_cast<unsigned char>(*q)];
  if (!quote) return Copy(p, v);
  *p++ = '"';
  while (in < end) {  // copy runs up to each '"', which is doubled
    const auto* q = static_cast<const char*>(std::memchr(in, '"', static_cast<size_t>(end - in)));
    if (q == nullptr) {
      p = Copy(p, std::string_view(in, static_cast<size_t>(end - in)));
      break;
    }
    p = Copy(p, std::string_view(in, static_cast<size_t>(q - in + 1)));
    *p++ = '"';
    in = q + 1;
  }
  *p++ = '"';
  return p;
}

void AppendCsvText(std::string* out, std::string_view v) {
  AppendVia(out, v.size() * 2 + 2, [&](char* p) { return WriteCsvText(p, v); });
}

char* WriteCsvValue(char* p, RedshiftType t, const Cell& c) {
  if (c.escaped) return WriteCsvValue(p, t, Unescaped(c));
  switch (c.kind) {
    case CellKind::kNull:
      return p;
    case CellKind::kBool:
      return Copy(p, c.b ? "t" : "f");
    case CellKind::kLong:
      if (!c.text.empty()) return Copy(p, c.text);  // the decoder's checked integer token
      return std::to_chars(p, p + 20, c.l).ptr;
    case CellKind::kDouble:
      return Copy(p, c.text);
    case CellKind::kBlob:
      if (char* end = WriteHexOfBase64(p, c.text)) return end;
      return Copy(p, Hex(c.text));  // hex of base64: 1.5x the text at most
    case CellKind::kString:
      break;
  }
  if (t == RedshiftType::kVarbyte && c.text.size() >= 2 && c.text[0] == '\\' && c.text[1] == 'x')
    return Copy(p, c.text.substr(2));
  return WriteCsvText(p, c.text);
}

void AppendCsvValue(std::string* out, RedshiftType t, const Cell& c) {
  AppendVia(out, CsvValueRoom(c), [&](char* p) { return WriteCsvValue(p, t, c); });
}

std::string DisplayText(RedshiftType t, const Cell& c) {
  if (c.escaped) return DisplayText(t, Unescaped(c));
  switch (c.kind) {
    case CellKind::kNull:
      return "";
    case CellKind::kBool:
      return c.b ? "true" : "false";
    case CellKind::kLong:
      return std::to_string(c.l);
    case CellKind::kDouble:
      return std::string(c.text);
    case CellKind::kBlob:
      return Hex(c.text);
    case CellKind::kString:
      break;
  }
  if (t == RedshiftType::kBoolean)
    return c.text == "t" ? "true" : c.text == "f" ? "false" : std::string(c.text);
  return std::string(c.text);
}

std::string ColumnTypeText(const ColumnInfo& col) {
  std::string type = col.type_name;
  if (type == "numeric")
    type += "(" + std::to_string(col.precision) + "," + std::to_string(col.scale) + ")";
  else if (type == "varchar" || type == "bpchar")
    type += "(" + std::to_string(col.precision) + ")";
  return type;
}

}  // namespace rsx
