#include "sync/output_files.h"

#include <fcntl.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <string>

#include "rsx/crypto.h"
#include "rsx/strings.h"
#include "rsx/sync.h"

namespace rsx {
namespace {

// Length of the well-formed UTF-8 sequence of a non-ASCII letter at s[i], or 0.
size_t Utf8Sequence(std::string_view s, size_t i) {
  auto b = [&](size_t k) { return static_cast<unsigned char>(s[k]); };
  unsigned char c = b(i);
  size_t n = c >= 0xC2 && c <= 0xDF   ? 2
             : c >= 0xE0 && c <= 0xEF ? 3
             : c >= 0xF0 && c <= 0xF4 ? 4
                                      : 0;
  if (n == 0 || i + n > s.size()) return 0;
  for (size_t k = 1; k < n; ++k)
    if ((b(i + k) & 0xC0) != 0x80) return 0;
  if (c == 0xE0 && b(i + 1) < 0xA0) return 0;   // overlong
  if (c == 0xED && b(i + 1) >= 0xA0) return 0;  // surrogates
  if (c == 0xF0 && b(i + 1) < 0x90) return 0;   // overlong
  if (c == 0xF4 && b(i + 1) >= 0x90) return 0;  // past U+10FFFF
  return n;
}

std::string EncodePart(std::string_view s) {
  static const char kHex[] = "0123456789ABCDEF";
  if (s.empty()) return "%";  // a lone % (every other % starts an escape): no hidden ".t" file
  std::string out;
  for (size_t i = 0; i < s.size();) {
    unsigned char c = static_cast<unsigned char>(s[i]);
    if (std::isalnum(c) && c < 0x80) {
      out += static_cast<char>(c);
      ++i;
    } else if (c == '_' || c == '-') {
      out += static_cast<char>(c);
      ++i;
    } else if (size_t n = c >= 0x80 ? Utf8Sequence(s, i) : 0; n > 0) {
      out.append(s.substr(i, n));
      i += n;
    } else {
      out += '%';
      out += kHex[c >> 4];
      out += kHex[c & 15];
      ++i;
    }
  }
  return out;
}

Status Errno(const std::string& what) {
  return Status::IoError(what + ": " + std::strerror(errno));
}

// A path in the output folder that is not a regular file: a symbolic link (which rsx would
// otherwise write through, to wherever it points), a FIFO, a device or a directory.
Status NotRegular(const std::string& path, const struct stat& sb) {
  const char* what = S_ISLNK(sb.st_mode)    ? "a symbolic link"
                     : S_ISDIR(sb.st_mode)  ? "a directory"
                     : S_ISFIFO(sb.st_mode) ? "a FIFO"
                                            : "not a regular file";
  return Status::InvalidArgument(path + " is " + what +
                                 "; rsx writes only regular files in the output folder, and "
                                 "never through a link. Move it away and run again");
}

}  // namespace

std::string StreamFileName(std::string_view schema, std::string_view table, std::string_view ext) {
  std::string base = EncodePart(schema) + "." + EncodePart(table);
  if (base.size() > 200) {
    size_t cut = 150;
    // Never cut inside a %XX escape or a UTF-8 sequence.
    while (cut > 0 && (base[cut - 1] == '%' || (cut > 1 && base[cut - 2] == '%'))) --cut;
    while (cut > 0 && (static_cast<unsigned char>(base[cut]) & 0xC0) == 0x80) --cut;
    std::string full = std::string(schema) + '\0' + std::string(table);
    base = base.substr(0, cut) + "~" + crypto::Sha256Hex(full).substr(0, 16);
  }
  return base + "." + std::string(ext);
}

Result<std::string> PathUnder(const std::string& dir, const std::string& name) {
  if (name.empty() || name == "." || name == ".." || name.find('/') != std::string::npos ||
      name.find('\0') != std::string::npos)
    return Status::InvalidArgument("refusing to write '" + name +
                                   "': a file name must stay inside " + dir);
  return dir + "/" + name;
}

Result<std::string> ReadTextFile(const std::string& path, const std::string& what,
                                 size_t max_bytes) {
  auto fail = [&](const std::string& why) {
    return Status::InvalidArgument("cannot read the " + what + " file " + path + ": " + why);
  };
  int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC | O_NONBLOCK);
  if (fd < 0) return fail(std::strerror(errno));
  struct stat sb;
  if (fstat(fd, &sb) != 0 || !S_ISREG(sb.st_mode)) {
    bool dir = S_ISDIR(sb.st_mode);
    ::close(fd);
    return fail(dir ? "it is a directory" : "it is not a regular file");
  }
  if (static_cast<unsigned long long>(sb.st_size) > max_bytes) {
    ::close(fd);
    return fail("larger than " + std::to_string(max_bytes >> 20) + " MB");
  }
  std::string out;
  char buf[65536];
  for (;;) {
    ssize_t n = ::read(fd, buf, sizeof buf);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) {
      int e = errno;
      ::close(fd);
      return fail(std::strerror(e));
    }
    if (n == 0) break;
    out.append(buf, static_cast<size_t>(n));
    if (out.size() > max_bytes) {
      ::close(fd);
      return fail("larger than " + std::to_string(max_bytes >> 20) + " MB");
    }
  }
  ::close(fd);
  return out;
}

Result<PartialFile> PartialFile::Create(const std::string& path) {
  struct stat sb {};
  std::string target = path;
  bool existed = ::stat(path.c_str(), &sb) == 0;
  if (existed && S_ISDIR(sb.st_mode))
    return Status::InvalidArgument(path + " is a directory; name a file to write");
  if (existed && !S_ISREG(sb.st_mode)) {
    // A device, a pipe or a socket (/dev/null, /dev/stdout on a pipe, a FIFO): it cannot be
    // replaced by a renamed file (that would put a regular file where the device was), so it is
    // written as the rows arrive.
    FILE* f = std::fopen(path.c_str(), "wb");
    if (!f) return Status::IoError("cannot write " + path + ": " + std::strerror(errno));
    return PartialFile(path, f, true);
  }
  if (existed) {  // through a symbolic link: the file it names is the one replaced
    char* real = ::realpath(path.c_str(), nullptr);
    if (real != nullptr) {
      target = real;
      std::free(real);
    }
  }
  std::string tmp = target + ".rsx-partial";
  // O_NOFOLLOW: a symbolic link left at the partial file's name is refused, not written through.
  int fd = ::open(tmp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC | O_NOFOLLOW, 0666);
  if (fd < 0) return Status::IoError("cannot write " + tmp + ": " + std::strerror(errno));
  if (existed && ::fchmod(fd, sb.st_mode & 07777) != 0) {  // a replaced file keeps its mode
    Status st = Status::IoError("cannot set the mode of " + tmp + ": " + std::strerror(errno));
    ::close(fd);
    ::unlink(tmp.c_str());
    return st;
  }
  FILE* f = ::fdopen(fd, "wb");
  if (!f) {
    Status st = Status::IoError("cannot write " + tmp + ": " + std::strerror(errno));
    ::close(fd);
    ::unlink(tmp.c_str());
    return st;
  }
  return PartialFile(target, f, false);
}

PartialFile::PartialFile(PartialFile&& o) noexcept
    : path_(std::move(o.path_)), file_(o.file_), direct_(o.direct_) {
  o.file_ = nullptr;
}

PartialFile::~PartialFile() {
  if (!file_) return;
  std::fclose(file_);
  if (!direct_) ::unlink((path_ + ".rsx-partial").c_str());
}

Status PartialFile::Commit() {
  if (!file_) return Status::Internal("PartialFile::Commit: already committed");
  if (direct_) {
    bool ok = std::fflush(file_) == 0;
    int err = errno;
    ok = std::fclose(file_) == 0 && ok;
    if (!ok && err == 0) err = errno;
    file_ = nullptr;
    if (!ok) return Status::IoError("cannot write " + path_ + ": " + std::strerror(err));
    return Status::OK();
  }
  std::string tmp = path_ + ".rsx-partial";
  bool ok = std::fflush(file_) == 0 && ::fsync(fileno(file_)) == 0;
  int err = errno;
  ok = std::fclose(file_) == 0 && ok;
  file_ = nullptr;
  if (!ok || ::rename(tmp.c_str(), path_.c_str()) != 0) {
    if (ok) err = errno;
    ::unlink(tmp.c_str());
    return Status::IoError("cannot write " + path_ + ": " + std::strerror(err));
  }
  return Status::OK();
}

Status WriteFileAtomic(const std::string& path, std::string_view data, int mode) {
  std::string tmp = path + ".tmp." + std::to_string(getpid());
  int fd = ::open(tmp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC | O_NOFOLLOW, mode);
  if (fd < 0) return Errno("cannot write " + tmp);
  if (fchmod(fd, mode) != 0) {
    Status st = Errno("cannot set the mode of " + tmp);
    ::close(fd);
    ::unlink(tmp.c_str());
    return st;
  }
  const char* p = data.data();
  size_t left = data.size();
  while (left > 0) {
    ssize_t n = ::write(fd, p, left);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) {
      Status st = Errno("cannot write " + tmp);
      ::close(fd);
      ::unlink(tmp.c_str());
      return st;
    }
    p += n;
    left -= static_cast<size_t>(n);
  }
  if (::fsync(fd) != 0) {
    Status st = Errno("cannot flush " + tmp + " to disk");
    ::close(fd);
    ::unlink(tmp.c_str());
    return st;
  }
  ::close(fd);
  if (::rename(tmp.c_str(), path.c_str()) != 0) {
    Status st = Errno("cannot save " + path);
    ::unlink(tmp.c_str());
    return st;
  }
  auto slash = path.rfind('/');
  std::string dir = slash == std::string::npos ? "." : slash == 0 ? "/" : path.substr(0, slash);
  int dfd = ::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (dfd < 0) return Errno("cannot open the folder " + dir);
  int rc = ::fsync(dfd);
  ::close(dfd);
  if (rc != 0) return Errno("cannot flush the folder " + dir + " to disk");
  return Status::OK();
}

Result<FileLock> FileLock::Acquire(const std::string& path, const std::string& what) {
  int fd = ::open(path.c_str(), O_RDWR | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0600);
  if (fd < 0) return Errno("cannot open the lock file " + path);
  if (::flock(fd, LOCK_EX | LOCK_NB) != 0) {
    int err = errno;
    char buf[32] = {0};
    ssize_t n = ::pread(fd, buf, sizeof buf - 1, 0);
    ::close(fd);
    if (err != EWOULDBLOCK) {
      errno = err;
      return Errno("cannot lock " + path);
    }
    std::string pid = n > 0 ? util::Trim(std::string(buf, static_cast<size_t>(n))) : "";
    return Status::Unavailable("another rsx process" +
                               (pid.empty() ? std::string() : " (PID " + pid + ")") + " is using " +
                               what + " (lock file " + path +
                               "); wait for it to finish, or stop it, then run again");
  }
  std::string pid = std::to_string(getpid()) + "\n";
  if (::ftruncate(fd, 0) != 0 ||
      ::pwrite(fd, pid.data(), pid.size(), 0) != static_cast<ssize_t>(pid.size())) {
    Status st = Errno("cannot write the lock file " + path);
    ::close(fd);
    return st;
  }
  return FileLock(fd);
}

FileLock::~FileLock() {
  if (fd_ >= 0) ::close(fd_);  // closing releases the flock
}

Status TruncateToCheckpoint(const std::string& path, long long bytes) {
  struct stat sb;
  if (::lstat(path.c_str(), &sb) != 0) {
    if (errno == ENOENT && bytes <= 0) return Status::OK();
    return Status::InvalidArgument(
        "the stream file " + path + " is missing, but the state records " + std::to_string(bytes) +
        " bytes written: it was moved or deleted outside rsx. "
        "Put it back, or move the state file aside to start the stream over");
  }
  if (!S_ISREG(sb.st_mode)) return NotRegular(path, sb);
  long long size = static_cast<long long>(sb.st_size);
  if (bytes < 0) {  // a state without lengths: cut a torn last line
    int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
    if (fd < 0) return Errno("cannot read " + path);
    long long end = size;
    char buf[4096];
    bool found = false;
    while (end > 0 && !found) {
      long long from = std::max(0LL, end - static_cast<long long>(sizeof buf));
      ssize_t n = ::pread(fd, buf, static_cast<size_t>(end - from), from);
      if (n <= 0) break;
      for (ssize_t i = n - 1; i >= 0; --i)
        if (buf[i] == '\n') {
          bytes = from + i + 1;
          found = true;
          break;
        }
      end = from;
    }
    ::close(fd);
    if (!found) bytes = 0;
  }
  if (size < bytes)
    return Status::InvalidArgument(
        "the stream file " + path + " is " + std::to_string(size) + " bytes, shorter than the " +
        std::to_string(bytes) +
        " bytes of its last checkpoint: it was changed outside rsx. Move the state "
        "file aside to start the stream over");
  if (size > bytes) {
    int fd = ::open(path.c_str(), O_WRONLY | O_CLOEXEC | O_NOFOLLOW | O_NONBLOCK);
    if (fd < 0) return Errno("cannot truncate " + path);
    bool ok = ::ftruncate(fd, bytes) == 0;
    Status st = ok ? Status::OK() : Errno("cannot truncate " + path);
    ::close(fd);
    return st;
  }
  return Status::OK();
}

Result<FILE*> OpenOutputFile(const std::string& path, bool append) {
  // O_NONBLOCK: a FIFO planted here fails at once (ENXIO) or is refused below, never waited on.
  int fd = ::open(
      path.c_str(),
      O_WRONLY | O_CREAT | O_CLOEXEC | O_NOFOLLOW | O_NONBLOCK | (append ? O_APPEND : 0), 0666);
  if (fd < 0) {
    struct stat sb;
    if ((errno == ELOOP || errno == ENXIO || errno == EISDIR) && ::lstat(path.c_str(), &sb) == 0)
      return NotRegular(path, sb);
    return Errno("cannot write " + path);
  }
  struct stat sb;
  if (::fstat(fd, &sb) != 0) {
    Status st = Errno("cannot write " + path);
    ::close(fd);
    return st;
  }
  if (!S_ISREG(sb.st_mode)) {
    ::close(fd);
    return NotRegular(path, sb);
  }
  int flags = ::fcntl(fd, F_GETFL);
  if (flags < 0 || ::fcntl(fd, F_SETFL, flags & ~O_NONBLOCK) != 0 ||
      (!append && ::ftruncate(fd, 0) != 0)) {
    Status st = Errno("cannot write " + path);
    ::close(fd);
    return st;
  }
  FILE* f = ::fdopen(fd, append ? "ab" : "wb");
  if (f == nullptr) {
    Status st = Errno("cannot write " + path);
    ::close(fd);
    return st;
  }
  return f;
}

}  // namespace rsx
