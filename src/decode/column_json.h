#pragma once
// Data API JSON shapes shared by the Data API client and the page decoder: tolerant member
// readers and ColumnMetadata. (Here, not in dataapi/, so decode/ does not depend on dataapi/.)

#include <nlohmann/json.hpp>

#include "rsx/data_api.h"

namespace rsx {

// Type-tolerant readers: a member that is absent, null or of another type gives `def`
// (services and emulators send null for members they do not fill).
std::string Str(const nlohmann::json& j, const char* key, const std::string& def = "");
long long Int(const nlohmann::json& j, const char* key, long long def);
bool Bool(const nlohmann::json& j, const char* key, bool def);
double Num(const nlohmann::json& j, const char* key, double def);  // any JSON number
const nlohmann::json& Arr(const nlohmann::json& j, const char* key);

// A ColumnMetadata object (camelCase members) to ColumnInfo; absent members keep defaults.
ColumnInfo ColumnFromJson(const nlohmann::json& c);

}  // namespace rsx
