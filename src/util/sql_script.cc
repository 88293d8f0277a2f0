#include "rsx/sql_script.h"

#include <cctype>

namespace rsx {
namespace {

// The line (1-based) of byte `pos`.
int LineOf(std::string_view s, size_t pos) {
  int line = 1;
  for (size_t i = 0; i < pos && i < s.size(); ++i) line += s[i] == '\n';
  return line;
}

// A dollar-quote tag at `pos` ("$$" or "$name$", name not starting with a digit), or "".
std::string_view DollarTag(std::string_view s, size_t pos) {
  size_t i = pos + 1;
  if (i < s.size() && std::isdigit(static_cast<unsigned char>(s[i]))) return {};
  while (i < s.size() && (std::isalnum(static_cast<unsigned char>(s[i])) || s[i] == '_')) ++i;
  if (i < s.size() && s[i] == '$') return s.substr(pos, i - pos + 1);
  return {};
}

bool OnlyBlankAndComments(std::string_view s) {
  for (size_t i = 0; i < s.size(); ++i) {
    if (std::isspace(static_cast<unsigned char>(s[i]))) continue;
    if (s.compare(i, 2, "--") == 0) {
      while (i < s.size() && s[i] != '\n') ++i;
      continue;
    }
    if (s.compare(i, 2, "/*") == 0) {
      int depth = 0;
      for (; i < s.size(); ++i) {
        if (s.compare(i, 2, "/*") == 0)
          ++depth, ++i;
        else if (s.compare(i, 2, "*/") == 0 && --depth == 0) {
          ++i;
          break;
        }
      }
      continue;
    }
    return false;
  }
  return true;
}

}  // namespace

Result<std::vector<std::string>> SplitSqlScript(std::string_view s) {
  std::vector<std::string> out;
  size_t start = 0, i = 0;
  auto unterminated = [&](const char* what, size_t at) {
    return Status::InvalidArgument(std::string("the SQL has an unterminated ") + what +
                                   " starting on line " + std::to_string(LineOf(s, at)));
  };
  auto flush = [&](size_t end) {
    std::string_view stmt = s.substr(start, end - start);
    if (!OnlyBlankAndComments(stmt)) {
      size_t b = 0, e = stmt.size();
      while (b < e && std::isspace(static_cast<unsigned char>(stmt[b]))) ++b;
      while (e > b && std::isspace(static_cast<unsigned char>(stmt[e - 1]))) --e;
      out.emplace_back(stmt.substr(b, e - b));
    }
  };
  while (i < s.size()) {
    char c = s[i];
    if (c == '\'' || c == '"') {  // a string or a quoted identifier; a doubled quote escapes
      size_t at = i++;
      while (true) {
        if (i >= s.size()) return unterminated(c == '\'' ? "string" : "quoted identifier", at);
        if (s[i] == c) {
          if (i + 1 < s.size() && s[i + 1] == c) {
            i += 2;
            continue;
          }
          ++i;
          break;
        }
        // E'...' strings may escape a quote with a backslash.
        if (c == '\'' && s[i] == '\\' && at > 0 && (s[at - 1] == 'E' || s[at - 1] == 'e')) ++i;
        ++i;
      }
    } else if (c == '-' && i + 1 < s.size() && s[i + 1] == '-') {
      while (i < s.size() && s[i] != '\n') ++i;
    } else if (c == '/' && i + 1 < s.size() && s[i + 1] == '*') {
      size_t at = i;
      int depth = 0;
      while (true) {
        if (i + 1 >= s.size()) return unterminated("block comment", at);
        if (s[i] == '/' && s[i + 1] == '*') {
          ++depth;
          i += 2;
        } else if (s[i] == '*' && s[i + 1] == '/') {
          i += 2;
          if (--depth == 0) break;
        } else {
          ++i;
        }
      }
    } else if (c == '$' && !DollarTag(s, i).empty() &&
               (i == 0 ||
                !(std::isalnum(static_cast<unsigned char>(s[i - 1])) || s[i - 1] == '_'))) {
      std::string_view tag = DollarTag(s, i);
      size_t close = s.find(tag, i + tag.size());
      if (close == std::string_view::npos) return unterminated("dollar-quoted text", i);
      i = close + tag.size();
    } else if (c == ';') {
      flush(i);
      start = ++i;
    } else {
      ++i;
    }
  }
  flush(s.size());
  return out;
}

}  // namespace rsx
