#pragma once
// JSON forms of cell text, inline for the writers' hot paths (decode/type_map.cc,
// output/row_encoder.cc): whether a text is a JSON number (RFC 8259), written bare, as every
// numeric column written from text is (DECIMAL, and numbers in CSV results); timestamps as
// RFC 3339.

#include <cstdint>
#include <cstring>
#include <string_view>

#include "rsx/types.h"
#include "util/out_buf.h"
#include "util/words.h"

namespace rsx {

// How JSON output writes a string cell of a column type (decode/type_map.cc): as a JSON number
// when its text is one (IsNumberType), as a JSON string of its text (WrittenAsString), or in a
// form of its own (booleans, timestamps, SUPER).
bool IsNumberType(RedshiftType t);
bool WrittenAsString(RedshiftType t);

namespace json_forms {

inline bool IsDigit(char c) { return static_cast<unsigned char>(c - '0') < 10; }

// Past the digits at `p`.
[[gnu::always_inline]] inline const char* SkipDigits(const char* p, const char* end) {
  while (p < end && IsDigit(*p)) ++p;
  return p;
}

// The non-digit bytes of the H bytes at `p` (H = 8 or 4), as util::NonDigitBytes marks them.
template <size_t H>
[[gnu::always_inline]] inline uint64_t NonDigitsAt(const char* p) {
  if constexpr (H == 8) {
    return util::NonDigitBytes(util::LoadWord(p));
  } else {
    uint32_t w;
    std::memcpy(&w, p, 4);
    return util::NonDigitBytes(w) & 0x80808080ULL;
  }
}

// Whether `s`, of H + 1 to 2H bytes, is -?(0|[1-9][0-9]*)(\.[0-9]+)? (a DECIMAL's text, the
// common case of the JSON numbers below), from two overlapping H-byte words and their non-digit
// bytes: at most a '-' in front and one '.' between digits. False means "not shown here", not
// "not a number".
template <size_t H>
[[gnu::always_inline]] inline bool IsPlainDecimal(std::string_view s) {
  size_t n = s.size();
  uint64_t head = NonDigitsAt<H>(s.data());  // bytes 0 to H-1
  // Bytes n-H to n-1, shifted so that byte j is the text's byte H + j (those before H drop out).
  uint64_t tail = NonDigitsAt<H>(s.data() + n - H) >> (8 * (2 * H - n));
  bool neg = s[0] == '-';
  head &= ~static_cast<uint64_t>(neg ? 0x80 : 0);            // the sign is not the non-digit sought
  size_t start = neg ? 1 : 0;                                // the first digit
  if (s[start] == '0' && s[start + 1] != '.') return false;  // a leading zero ("007", "-05")
  if ((head | tail) == 0) return true;
  // Exactly one other non-digit: in one of the words, alone there (x & (x - 1) clears the lowest).
  if ((head != 0 && tail != 0) || (head & (head - 1)) != 0 || (tail & (tail - 1)) != 0)
    return false;
  size_t dot = head ? static_cast<size_t>(__builtin_ctzll(head)) / 8
                    : H + static_cast<size_t>(__builtin_ctzll(tail)) / 8;
  return s[dot] == '.' && dot > start && dot + 1 < n;
}

#if defined(__SSE2__)
// IsPlainDecimal for 17 to 32 bytes, from two overlapping 16-byte blocks: bit i of the mask is
// byte i.
[[gnu::always_inline]] inline bool IsPlainDecimal32(std::string_view s) {
  size_t n = s.size();
  uint32_t m = util::Bytes16NonDigits(s.data()) |
               (util::Bytes16NonDigits(s.data() + n - 16) >> (32 - n) << 16);
  bool neg = s[0] == '-';
  m &= ~static_cast<uint32_t>(neg ? 1 : 0);
  size_t start = neg ? 1 : 0;
  if (s[start] == '0' && s[start + 1] != '.') return false;
  if (m == 0) return true;
  if ((m & (m - 1)) != 0) return false;
  size_t dot = static_cast<size_t>(__builtin_ctz(m));
  return s[dot] == '.' && dot > start && dot + 1 < n;
}
#endif

// Whether `s` is a JSON number (RFC 8259: -?(0|[1-9][0-9]*)(\.[0-9]+)?([eE][+-]?[0-9]+)?), so it
// can be written as it is.
[[gnu::always_inline]] inline bool IsJsonNumber(std::string_view s) {
  if (util::kLittleEndianWords && s.size() > 4 && s.size() <= 16 &&
      (s.size() > 8 ? IsPlainDecimal<8>(s) : IsPlainDecimal<4>(s)))
    return true;
#if defined(__SSE2__)
  if (s.size() > 16 && s.size() <= 32 && IsPlainDecimal32(s)) return true;
#endif
  const char* p = s.data();
  const char* end = p + s.size();
  if (p < end && *p == '-') ++p;
  if (p == end) return false;
  if (*p == '0')
    ++p;
  else if (IsDigit(*p))
    p = SkipDigits(p + 1, end);
  else
    return false;
  if (p < end && *p == '.') {
    const char* digits = ++p;
    p = SkipDigits(p, end);
    if (p == digits) return false;
  }
  if (p < end && (*p == 'e' || *p == 'E')) {
    ++p;
    if (p < end && (*p == '+' || *p == '-')) ++p;
    const char* digits = p;
    p = SkipDigits(p, end);
    if (p == digits) return false;
  }
  return p == end;
}

// Writes a time or timestamp as an RFC 3339 JSON string: the date/time separator becomes 'T'
// and a short offset "+05" becomes "+05:00".
[[gnu::always_inline]] inline char* WriteRfc3339(char* p, std::string_view v, bool has_date) {
  *p++ = '"';
  char* start = p;
  p = util::CopyBytes(p, v.data(), v.size());
  if (has_date && v.size() > 10 && v[10] == ' ') start[10] = 'T';
  // A short offset: the sign is the third character from the end ("...:59+05").
  if (v.size() >= 11 && (v[v.size() - 3] == '+' || v[v.size() - 3] == '-'))
    p = util::CopyBytes(p, ":00", 3);
  *p++ = '"';
  return p;
}

}  // namespace json_forms
}  // namespace rsx
