#pragma once
// Splits a fuzzer's input into pieces: each piece ends at a 0xFF byte (or the end).

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

namespace rsx::fuzz {

class Input {
 public:
  Input(const uint8_t* data, size_t size) : rest_(reinterpret_cast<const char*>(data), size) {}
  std::string Next() {
    size_t end = rest_.find('\xff');
    std::string piece(rest_.substr(0, end));
    rest_ = end == std::string_view::npos ? std::string_view() : rest_.substr(end + 1);
    return piece;
  }
  unsigned char Byte() {
    if (rest_.empty()) return 0;
    unsigned char b = static_cast<unsigned char>(rest_[0]);
    rest_.remove_prefix(1);
    return b;
  }
  bool empty() const { return rest_.empty(); }

 private:
  std::string_view rest_;
};

}  // namespace rsx::fuzz
