#pragma once
// Eight bytes at a time: masks over a little-endian 64-bit word of text, for scans on hot paths
// (JSON escaping, CSV field ends). A mask has the high bit of each byte that matches; bits above
// the lowest set one may be false (borrows carry upward), so callers use only the lowest
// (__builtin_ctzll(mask) / 8 is its byte).

#if defined(__SSE2__)
#include <emmintrin.h>  // part of every x86-64
#endif

#include <cstdint>
#include <cstring>

namespace rsx::util {

constexpr bool kLittleEndianWords = __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__;
constexpr uint64_t kByteOnes = 0x0101010101010101ULL;
constexpr uint64_t kByteHighs = 0x8080808080808080ULL;

inline uint64_t LoadWord(const char* p) {
  uint64_t w;
  std::memcpy(&w, p, 8);
  return w;
}

// Bytes of `w` equal to `c`.
inline uint64_t BytesEqual(uint64_t w, char c) {
  uint64_t x = w ^ (kByteOnes * static_cast<unsigned char>(c));
  return (x - kByteOnes) & ~x & kByteHighs;
}

// Bytes of `w` below `limit` (at most 0x80).
inline uint64_t BytesBelow(uint64_t w, unsigned char limit) {
  return (w - kByteOnes * limit) & ~w & kByteHighs;
}

// Bytes of `w` that are not ASCII digits. Exact for every byte (no borrow crosses bytes), so any
// bit may be used: with t = w ^ '0', a byte is a digit when t < 10; adding 0x76 to its low seven
// bits sets the high bit when they are 10 or more, and t's own high bit marks bytes >= 0x80.
inline uint64_t NonDigitBytes(uint64_t w) {
  uint64_t t = w ^ (kByteOnes * '0');
  return (((t & ~kByteHighs) + kByteOnes * 0x76) | t) & kByteHighs;
}

#if defined(__SSE2__)
// Sixteen bytes at a time (SSE2): exact masks with bit i for byte i of the 16 at `p`.
inline uint32_t Bytes16Equal(const char* p, char c) {
  const __m128i b = _mm_loadu_si128(reinterpret_cast<const __m128i*>(p));
  return static_cast<uint32_t>(_mm_movemask_epi8(_mm_cmpeq_epi8(b, _mm_set1_epi8(c))));
}

// Bytes that are not ASCII digits (signed compares: bytes from 0x80 are below '0').
inline uint32_t Bytes16NonDigits(const char* p) {
  const __m128i b = _mm_loadu_si128(reinterpret_cast<const __m128i*>(p));
  const __m128i out =
      _mm_or_si128(_mm_cmplt_epi8(b, _mm_set1_epi8('0')), _mm_cmpgt_epi8(b, _mm_set1_epi8('9')));
  return static_cast<uint32_t>(_mm_movemask_epi8(out));
}
#endif

}  // namespace rsx::util
