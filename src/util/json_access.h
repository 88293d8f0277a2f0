#pragma once
// Reading untrusted JSON (files and messages a user, a tenant or a server handed us) without
// exceptions: every accessor returns a Result whose error names the field, what was expected
// and what was found. `where` is the field's path as the user would write it
// ("state.streams[\"public.t\"]"); the key is appended to it in errors.
//
// Never use nlohmann's get<>/at()/value() on such data: they throw on a wrong type.

#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "rsx/result.h"

namespace rsx::json_access {

using nlohmann::json;

// "a string (\"yes\")", "a number (5)", "null", "an object", ...: for error messages.
std::string Describe(const json& v);
// where + "." + key, or where + "[\"key\"]" when the key is not a plain word.
std::string Path(const std::string& where, std::string_view key);

// Parses text; an error says where the JSON breaks (byte offset) and names `what`.
Result<json> Parse(std::string_view text, const std::string& what);
// Serialises; text that is not valid UTF-8 is an error, not an exception.
Result<std::string> Dump(const json& v, int indent = -1);
Result<std::string> Dump(const nlohmann::ordered_json& v, int indent = -1);

// The member `key` of object `obj` (nullptr when absent or null). `obj` must be an object.
Result<const json*> Member(const json& obj, std::string_view key, const std::string& where);
Result<std::string> String(const json& obj, std::string_view key, const std::string& where);
Result<std::string> OptString(const json& obj, std::string_view key, const std::string& where,
                              std::string def = "");
Result<bool> OptBool(const json& obj, std::string_view key, const std::string& where, bool def);
Result<long long> OptInt(const json& obj, std::string_view key, const std::string& where,
                         long long def);
// A list of strings; absent or null: std::nullopt.
Result<std::optional<std::vector<std::string>>> OptStringList(const json& obj, std::string_view key,
                                                              const std::string& where);
// A list of lists of strings; absent or null: empty.
Result<std::vector<std::vector<std::string>>> OptStringListList(const json& obj,
                                                                std::string_view key,
                                                                const std::string& where);
// `v` must be an object (an error names `where` otherwise).
Status ExpectObject(const json& v, const std::string& where);

}  // namespace rsx::json_access
