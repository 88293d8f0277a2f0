#pragma once
// OutBuf: a byte buffer for hot output paths. Reserve room once (say, for a whole row), write
// through the returned pointer, then Commit the end: no per-append capacity checks, no
// zero-filling. Not thread-safe.

#include <cstdint>
#include <cstring>
#include <memory>
#include <string_view>

namespace rsx::util {

// Copies `n` bytes to `p` and returns the end. Short copies (most values and column keys) are a
// few overlapping loads and stores instead of a call to memcpy; it writes only [p, p + n).
[[gnu::always_inline]] inline char* CopyBytes(char* p, const char* s, size_t n) {
  if (n > 16 && n <= 32) {  // timestamps, UUIDs, short names: two 16-byte blocks
    char a[16], b[16];
    std::memcpy(a, s, 16);
    std::memcpy(b, s + n - 16, 16);
    std::memcpy(p, a, 16);
    std::memcpy(p + n - 16, b, 16);
  } else if (n >= 8 && n <= 16) {
    uint64_t a, b;
    std::memcpy(&a, s, 8);
    std::memcpy(&b, s + n - 8, 8);
    std::memcpy(p, &a, 8);
    std::memcpy(p + n - 8, &b, 8);
  } else if (n >= 4 && n < 8) {
    uint32_t a, b;
    std::memcpy(&a, s, 4);
    std::memcpy(&b, s + n - 4, 4);
    std::memcpy(p, &a, 4);
    std::memcpy(p + n - 4, &b, 4);
  } else if (n < 4) {
    for (size_t i = 0; i < n; ++i) p[i] = s[i];
  } else {
    std::memcpy(p, s, n);
  }
  return p + n;
}

class OutBuf {
 public:
  explicit OutBuf(size_t capacity = 1 << 16) : data_(new char[capacity]), cap_(capacity) {}

  // A pointer to at least `n` writable bytes after the current end.
  char* Reserve(size_t n) {
    if (cap_ - len_ < n) Grow(n);
    return data_.get() + len_;
  }
  // Makes the bytes up to `end` (within the last Reserve) part of the buffer.
  void Commit(const char* end) { len_ = static_cast<size_t>(end - data_.get()); }
  void Append(std::string_view s) {
    std::memcpy(Reserve(s.size()), s.data(), s.size());
    len_ += s.size();
  }

  const char* data() const { return data_.get(); }
  size_t size() const { return len_; }
  bool empty() const { return len_ == 0; }
  void clear() { len_ = 0; }
  std::string_view view() const { return {data_.get(), len_}; }

 private:
  void Grow(size_t n) {
    size_t cap = cap_ * 2 > len_ + n ? cap_ * 2 : len_ + n;
    std::unique_ptr<char[]> bigger(new char[cap]);
    std::memcpy(bigger.get(), data_.get(), len_);
    data_ = std::move(bigger);
    cap_ = cap;
  }

  std::unique_ptr<char[]> data_;
  size_t len_ = 0, cap_;
};

}  // namespace rsx::util
