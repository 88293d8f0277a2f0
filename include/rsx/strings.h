#pragma once
// Small string helpers shared across rsx: trimming, case, percent-encoding, time formats.

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "rsx/clock.h"
#include "rsx/result.h"

namespace rsx::util {

std::string Trim(std::string_view s);
std::string ToLower(std::string_view s);
bool StartsWith(std::string_view s, std::string_view prefix);
bool EndsWith(std::string_view s, std::string_view suffix);
std::vector<std::string> Split(std::string_view s, char sep);
// Text for a terminal, from a customer's database or a server: bytes below 0x20 and 0x7F become
// \xNN, and the C1 controls U+0080-U+009F (as UTF-8) \u0080-\u009f; everything else, UTF-8
// included, is kept. A schema name or a value then cannot move the cursor, rewrite the screen or
// set the window title, and a newline in a name cannot pass for two names.
std::string TerminalSafe(std::string_view s);
// Collapses each run of whitespace to one space and trims the ends (SigV4's Trimall).
std::string CollapseWhitespace(std::string_view s);

// Percent-encodes every byte except A-Z a-z 0-9 - _ . ~ (RFC 3986 unreserved), upper-case hex.
// With keep_slash, '/' is kept too (SigV4 paths).
std::string UriEncode(std::string_view s, bool keep_slash = false);
// Decodes %XX escapes; '+' is left alone unless plus_is_space.
std::string UriDecode(std::string_view s, bool plus_is_space = false);
// application/x-www-form-urlencoded body from ordered pairs (percent-encoded, no '+').
std::string FormEncode(const std::vector<std::pair<std::string, std::string>>& params);

std::string HexEncode(std::string_view bytes);
std::string Base64Encode(std::string_view bytes);
Result<std::string> Base64Decode(std::string_view text);

// 20150830T123600Z
std::string FormatAmzDate(TimePoint t);
// 2015-08-30T12:36:00Z
std::string FormatIso8601(TimePoint t);
// Parses ISO 8601 / RFC 3339 date-times as AWS sends them: "2015-08-30T12:36:00Z",
// "2015-08-30T12:36:00.123Z", "2015-08-30T12:36:00+02:00". Epoch seconds as a number are
// accepted too ("1440938160" or "1440938160.5").
Result<TimePoint> ParseTimestamp(std::string_view text);

}  // namespace rsx::util
