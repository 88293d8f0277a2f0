#pragma once
// Whole-file reads and durable writes, the one way rsx reads an input file and replaces an
// output file (state, manifest, workspace files).

#include <cstdio>
#include <string>
#include <string_view>

#include "rsx/result.h"

namespace rsx {

// A whole regular file of at most `max_bytes`. kInvalidArgument naming `what` and the path
// when it is missing, unreadable, a directory or another non-regular file, or too large.
Result<std::string> ReadTextFile(const std::string& path, const std::string& what,
                                 size_t max_bytes = 256u << 20);

// Writes `data` to `path` atomically and durably: a unique temporary file beside it (mode
// `mode`), fsync, rename over `path`, fsync of the folder. On failure `path` is unchanged.
Status WriteFileAtomic(const std::string& path, std::string_view data, int mode);

// An output file written in full or not at all: writes go to "<path>.rsx-partial" beside it,
// which Commit() flushes, fsyncs and renames over `path`; destroyed without Commit (an error, a
// cancelled run), the partial file is removed. A `path` that is a symbolic link replaces the
// file it names, with that file's mode. A directory is refused; a device, pipe or socket
// (/dev/null, a FIFO) is written directly, as rows arrive, and never replaced. A symbolic link
// at the partial file's name is refused. Not thread-safe.
class PartialFile {
 public:
  static Result<PartialFile> Create(const std::string& path);
  PartialFile(PartialFile&& o) noexcept;
  PartialFile& operator=(PartialFile&&) = delete;
  ~PartialFile();
  FILE* get() const { return file_; }
  Status Commit();

 private:
  PartialFile(std::string path, FILE* f, bool direct)
      : path_(std::move(path)), file_(f), direct_(direct) {}
  std::string path_;
  FILE* file_ = nullptr;
  bool direct_ = false;  // written in place (not a regular file): no rename
};

}  // namespace rsx
