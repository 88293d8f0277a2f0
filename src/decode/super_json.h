#pragma once
// SUPER values arrive as JSON text, and rsx writes them as JSON in the compact form of
// nlohmann::json::parse(text).dump(): object keys sorted, no whitespace. That costs about 1.5 µs
// a value; this is the same result through simdjson for the usual shape of such text.

#include <string>
#include <string_view>

namespace rsx {

// Appends to *out exactly what nlohmann::json::parse(text).dump() gives, when `text` is JSON
// whose numbers are all integers that fit 64 bits, whose object keys (unescaped) are in strictly
// ascending order, and whose strings are valid UTF-8 once unescaped; strings are re-escaped as
// dump() does. False (and *out unchanged) otherwise, or when `text` is not JSON: the caller then
// takes the general path.
bool AppendCanonicalSuperJson(std::string_view text, std::string* out);

}  // namespace rsx
