#pragma once
// gzip (zlib) and zstd, streaming both ways: the one place rsx touches those libraries.
// Used for UNLOAD's files (the emulator writes them, rsx reads them).

#include <memory>
#include <string>
#include <string_view>

#include "rsx/result.h"

namespace rsx {

enum class Compression { kNone, kGzip, kZstd };

// "none"/"" , "gzip", "zstd" (any case); kInvalidArgument naming the accepted values otherwise.
Result<Compression> ParseCompression(std::string_view name);
const char* CompressionName(Compression c);
// The file suffix UNLOAD gives: "", ".gz", ".zst".
const char* CompressionSuffix(Compression c);

class Compressor {
 public:
  static std::unique_ptr<Compressor> Make(Compression c);
  virtual ~Compressor() = default;
  // Appends the compressed form of `in` (possibly nothing yet) to `out`.
  virtual Status Write(std::string_view in, std::string* out) = 0;
  // Flushes the rest and the stream's end.
  virtual Status Finish(std::string* out) = 0;
};

class Decompressor {
 public:
  static std::unique_ptr<Decompressor> Make(Compression c);
  virtual ~Decompressor() = default;
  // Appends what `in` decompresses to. Concatenated gzip members and zstd frames are read as
  // one stream. Corrupt input is kInvalidArgument.
  virtual Status Write(std::string_view in, std::string* out) = 0;
  // kInvalidArgument when the input ended inside a member or frame (a truncated file).
  virtual Status Finish() = 0;
};

}  // namespace rsx
