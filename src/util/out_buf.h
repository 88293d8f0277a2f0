#pragma once
// OutBuf: a byte buffer for hot output paths. Reserve room once (say, for a whole row), write
// through the returned pointer, then Commit the end: no per-append capacity checks, no
// zero-filling. Not thread-safe.

#include <cstring>
#include <memory>
#include <string_view>

namespace rsx::util {

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
