#include "decode/column_json.h"

namespace rsx {

using nlohmann::json;

std::string Str(const json& j, const char* key, const std::string& def) {
  auto it = j.find(key);
  return it != j.end() && it->is_string() ? it->get_ref<const std::string&>() : def;
}

long long Int(const json& j, const char* key, long long def) {
  auto it = j.find(key);
  return it != j.end() && it->is_number_integer() ? it->get_ref<const json::number_integer_t&>()
                                                  : def;
}

double Num(const json& j, const char* key, double def) {
  auto it = j.find(key);
  if (it == j.end() || !it->is_number()) return def;
  if (it->is_number_float()) return it->get_ref<const json::number_float_t&>();
  if (it->is_number_unsigned())
    return static_cast<double>(it->get_ref<const json::number_unsigned_t&>());
  return static_cast<double>(it->get_ref<const json::number_integer_t&>());
}

bool Bool(const json& j, const char* key, bool def) {
  auto it = j.find(key);
  return it != j.end() && it->is_boolean() ? it->get_ref<const bool&>() : def;
}

const json& Arr(const json& j, const char* key) {
  static const json kEmpty = json::array();
  auto it = j.find(key);
  return it != j.end() && it->is_array() ? *it : kEmpty;
}

ColumnInfo ColumnFromJson(const json& c) {
  ColumnInfo ci;
  ci.name = Str(c, "name");
  ci.label = Str(c, "label", ci.name);
  ci.type_name = Str(c, "typeName");
  ci.schema = Str(c, "schemaName");
  ci.table = Str(c, "tableName");
  ci.column_default = Str(c, "columnDefault");
  ci.precision = static_cast<int>(Int(c, "precision", 0));
  ci.scale = static_cast<int>(Int(c, "scale", 0));
  ci.length = static_cast<int>(Int(c, "length", 0));
  ci.nullable = static_cast<int>(Int(c, "nullable", 2));
  ci.is_signed = Bool(c, "isSigned", false);
  return ci;
}

}  // namespace rsx
