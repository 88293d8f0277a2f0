#include "types.h"

#include "rsx/strings.h"
#include "rsx/types.h"

namespace rsx::emu {
namespace {

// OIDs from PostgreSQL's pg_type_d.h.
constexpr Oid kBool = 16, kBytea = 17, kInt8 = 20, kInt2 = 21, kInt4 = 23, kText = 25, kOid = 26,
              kJson = 114, kFloat4 = 700, kFloat8 = 701, kBpchar = 1042, kVarchar = 1043,
              kDate = 1082, kTime = 1083, kTimestamp = 1114, kTimestamptz = 1184, kInterval = 1186,
              kTimetz = 1266, kNumeric = 1700, kJsonb = 3802, kName = 19, kChar = 18;

}  // namespace

void DescribeType(Oid oid, int typmod, ColumnMeta* m) {
  m->kind = FieldKind::kString;
  m->is_signed = false;
  m->case_sensitive = false;
  switch (oid) {
    case kBool:
      m->type_name = "bool";
      m->kind = FieldKind::kBool;
      m->precision = 1;
      break;
    case kInt2:
      m->type_name = "int2";
      m->kind = FieldKind::kLong;
      m->precision = 5;
      m->is_signed = true;
      break;
    case kInt4:
      m->type_name = "int4";
      m->kind = FieldKind::kLong;
      m->precision = 10;
      m->is_signed = true;
      break;
    case kInt8:
      m->type_name = "int8";
      m->kind = FieldKind::kLong;
      m->precision = 19;
      m->is_signed = true;
      break;
    case kOid:
      m->type_name = "oid";
      m->kind = FieldKind::kLong;
      m->precision = 10;
      break;
    case kFloat4:
      m->type_name = "float4";
      m->kind = FieldKind::kDouble;
      m->precision = 8;
      m->scale = 8;
      m->is_signed = true;
      break;
    case kFloat8:
      m->type_name = "float8";
      m->kind = FieldKind::kDouble;
      m->precision = 17;
      m->scale = 17;
      m->is_signed = true;
      break;
    case kNumeric:
      m->type_name = "numeric";
      m->is_signed = true;
      if (typmod >= 4) {
        m->precision = ((typmod - 4) >> 16) & 0xffff;
        m->scale = (typmod - 4) & 0xffff;
      } else {
        m->precision = 38;  // Redshift's maximum; unconstrained numeric in PostgreSQL
        m->scale = 0;
      }
      break;
    case kVarchar:
    case kText:
    case kName:
      m->type_name = oid == kText ? "text" : oid == kName ? "name" : "varchar";
      m->case_sensitive = true;
      m->precision = typmod >= 4 ? typmod - 4 : (oid == kText ? 256 : 65535);
      break;
    case kBpchar:
    case kChar:
      m->type_name = "bpchar";
      m->case_sensitive = true;
      m->precision = typmod >= 4 ? typmod - 4 : 1;
      break;
    case kDate:
      m->type_name = "date";
      m->precision = 13;
      break;
    case kTime:
      m->type_name = "time";
      m->precision = 15;
      m->scale = 6;
      break;
    case kTimetz:
      m->type_name = "timetz";
      m->precision = 21;
      m->scale = 6;
      break;
    case kTimestamp:
      m->type_name = "timestamp";
      m->precision = 29;
      m->scale = 6;
      break;
    case kTimestamptz:
      m->type_name = "timestamptz";
      m->precision = 35;
      m->scale = 6;
      break;
    case kInterval:
      m->type_name = "interval";
      m->precision = 49;
      m->scale = 6;
      break;
    case kJsonb:
    case kJson:
      m->type_name = "super";
      m->precision = 4194304;
      m->case_sensitive = true;
      break;
    case kBytea:
      m->type_name = "varbyte";
      m->kind = FieldKind::kBlob;
      m->precision = 1024000;
      break;
    default:
      m->type_name = "varchar";
      m->case_sensitive = true;
      m->precision = 65535;
      break;
  }
}

nlohmann::json ColumnMetaJson(const ColumnMeta& m) {
  return {{"isCaseSensitive", m.case_sensitive},
          {"isCurrency", m.currency},
          {"isSigned", m.is_signed},
          {"label", m.name},
          {"length", m.length},
          {"name", m.name},
          {"nullable", m.nullable},
          {"precision", m.precision},
          {"scale", m.scale},
          {"schemaName", m.schema},
          {"tableName", m.table},
          {"typeName", m.type_name}};
}

void AppendJsonField(std::string* out, FieldKind kind, std::string_view v, bool is_null) {
  if (is_null) {
    out->append("{\"isNull\":true}");
    return;
  }
  switch (kind) {
    case FieldKind::kBool:
      out->append(v == "t" ? "{\"booleanValue\":true}" : "{\"booleanValue\":false}");
      return;
    case FieldKind::kLong:
      out->append("{\"longValue\":");
      out->append(v);
      out->push_back('}');
      return;
    case FieldKind::kDouble:
      if (v == "NaN" || v == "Infinity" || v == "-Infinity") break;  // not JSON numbers
      out->append("{\"doubleValue\":");
      out->append(v);
      out->push_back('}');
      return;
    case FieldKind::kBlob: {
      // PostgreSQL's hex form "\x0102..." to base64.
      std::string bytes;
      if (v.size() >= 2 && v[0] == '\\' && v[1] == 'x') {
        for (size_t i = 2; i + 1 < v.size(); i += 2)
          bytes.push_back(static_cast<char>(std::stoi(std::string(v.substr(i, 2)), nullptr, 16)));
      } else {
        bytes = std::string(v);
      }
      out->append("{\"blobValue\":\"");
      out->append(util::Base64Encode(bytes));
      out->append("\"}");
      return;
    }
    case FieldKind::kString:
      break;
  }
  out->append("{\"stringValue\":");
  AppendJsonString(out, v);
  out->push_back('}');
}

void AppendCsvField(std::string* out, std::string_view v, bool is_null) {
  if (!is_null) AppendCsvText(out, v);
}

}  // namespace rsx::emu
