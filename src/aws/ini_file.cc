#include "aws/ini_file.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include "rsx/strings.h"

namespace rsx {

Result<IniFile> ParseIni(const std::string& text, const std::string& path) {
  IniFile f;
  f.path = path;
  IniSection* section = nullptr;
  std::string parent_key;  // key with an empty value that may have indented sub-keys
  int lineno = 0;
  for (std::string line : util::Split(text, '\n')) {
    ++lineno;
    if (!line.empty() && line.back() == '\r') line.pop_back();
    std::string t = util::Trim(line);
    if (t.empty() || t[0] == '#' || t[0] == ';') continue;
    bool indented = line[0] == ' ' || line[0] == '\t';
    if (t[0] == '[') {
      if (t.back() != ']')
        return Status::InvalidArgument(path + ":" + std::to_string(lineno) +
                                       ": section header is missing ']'");
      std::string name = util::Trim(t.substr(1, t.size() - 2));
      section = &f.sections[name];
      parent_key.clear();
      continue;
    }
    size_t eq = t.find('=');
    if (eq == std::string::npos)
      return Status::InvalidArgument(path + ":" + std::to_string(lineno) +
                                     ": expected 'key = value' or '[section]'");
    if (!section)
      return Status::InvalidArgument(path + ":" + std::to_string(lineno) +
                                     ": 'key = value' before any [section]");
    std::string key = util::Trim(t.substr(0, eq));
    std::string value = util::Trim(t.substr(eq + 1));
    // Strip an inline comment introduced by whitespace + '#' or ';'.
    for (size_t i = 1; i < value.size(); ++i) {
      if ((value[i] == '#' || value[i] == ';') && (value[i - 1] == ' ' || value[i - 1] == '\t')) {
        value = util::Trim(value.substr(0, i));
        break;
      }
    }
    if (indented && !parent_key.empty()) {
      (*section)[parent_key + "." + key] = value;
      continue;
    }
    (*section)[key] = value;
    parent_key = value.empty() ? key : "";
  }
  return f;
}

Result<IniFile> LoadIni(const std::string& path) {
  int fd = open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) {
    if (errno == ENOENT) return Status::NotFound(path + " does not exist");
    return Status::IoError("cannot read " + path + ": " + std::strerror(errno));
  }
  struct stat st {};
  if (fstat(fd, &st) == 0 && S_ISDIR(st.st_mode)) {
    close(fd);
    return Status::IoError("cannot read " + path + ": it is a directory, not a file");
  }
  std::string text;
  char buf[8192];
  ssize_t n;
  while ((n = read(fd, buf, sizeof buf)) > 0) text.append(buf, static_cast<size_t>(n));
  int err = errno;
  close(fd);
  if (n < 0) return Status::IoError("cannot read " + path + ": " + std::strerror(err));
  return ParseIni(text, path);
}

}  // namespace rsx
