#pragma once
// The files of a sync: safe stream file names, the output folder's lock, atomic writes, and
// putting a stream's file back to its last checkpoint.

#include <cstdio>
#include <string>
#include <string_view>

#include "rsx/files.h"
#include "rsx/result.h"

namespace rsx {

// StreamFileName: a file name for a stream that is safe, unique and reversible whatever the
// schema and table names hold: bytes other than A-Z a-z 0-9 _ - and well-formed UTF-8 letters
// are written %XX (so '/', '.', '%', NUL and control characters never reach the file system as
// themselves), an empty name is a lone "%", schema and table are joined with '.', and `ext`
// follows. "public" + "sales" gives "public.sales.jsonl"; "../x" + "t" gives
// "%2E%2E%2Fx.t.jsonl". A name longer than 200 bytes is cut and ends with 16 hex digits of its
// SHA-256 (the manifest keeps the real name).
// StreamFileName is declared in rsx/sync.h, for library users.

// dir + "/" + name, refusing a name that could leave `dir` (empty, ".", "..", or with '/').
Result<std::string> PathUnder(const std::string& dir, const std::string& name);

// WriteFileAtomic and ReadTextFile: rsx/files.h.

// An exclusive lock (flock) on `path` (created with mode 0600), held until destruction. The
// holder's PID is written into the file so that a second process can name it.
class FileLock {
 public:
  // kUnavailable naming the holder's PID when another process holds the lock.
  static Result<FileLock> Acquire(const std::string& path, const std::string& what);
  FileLock(FileLock&& o) noexcept : fd_(o.fd_) { o.fd_ = -1; }
  FileLock& operator=(FileLock&&) = delete;
  FileLock(const FileLock&) = delete;
  ~FileLock();

 private:
  explicit FileLock(int fd) : fd_(fd) {}
  int fd_ = -1;
};

// Puts the stream file at `path` back to its checkpoint before a resumed run appends to it:
// `bytes` long (anything after, such as a line torn by a crash, is cut). A file shorter than
// its checkpoint, or missing, is an error: it was changed outside rsx. bytes == -1 (a state
// written before rsx recorded lengths): cut after the last newline.
// A symbolic link, FIFO or other non-regular file at `path` is refused (kInvalidArgument), and
// nothing is followed.
Status TruncateToCheckpoint(const std::string& path, long long bytes);

// Opens a file of the output folder for writing: created or emptied, or with `append` written
// at its end. A symbolic link, FIFO, device or directory at `path` is refused
// (kInvalidArgument naming it) rather than written through: a link planted in a shared folder
// would otherwise send a customer's rows, or an emptied file, wherever it points.
Result<FILE*> OpenOutputFile(const std::string& path, bool append);

}  // namespace rsx
