#include "sql_params.h"

#include <cctype>
#include <map>
#include <set>

namespace rsx::emu {

Result<BoundSql> BindNamedParams(const std::string& sql,
                                 const std::vector<std::pair<std::string, std::string>>& params) {
  std::map<std::string, std::string> by_name(params.begin(), params.end());
  std::map<std::string, int> index;
  std::set<std::string> used;
  BoundSql out;
  size_t i = 0, n = sql.size();
  auto is_word = [](char c) { return std::isalnum(static_cast<unsigned char>(c)) || c == '_'; };
  while (i < n) {
    char c = sql[i];
    if (c == '\'' || c == '"') {  // literal or quoted identifier; doubled quote escapes
      size_t j = i + 1;
      while (j < n) {
        if (sql[j] == c) {
          if (j + 1 < n && sql[j + 1] == c) {
            j += 2;
            continue;
          }
          break;
        }
        ++j;
      }
      out.sql.append(sql, i, j + 1 - i);
      i = j + 1;
      continue;
    }
    if (c == '-' && i + 1 < n && sql[i + 1] == '-') {
      size_t j = sql.find('\n', i);
      if (j == std::string::npos) j = n;
      out.sql.append(sql, i, j - i);
      i = j;
      continue;
    }
    if (c == '/' && i + 1 < n && sql[i + 1] == '*') {
      size_t j = sql.find("*/", i + 2);
      j = j == std::string::npos ? n : j + 2;
      out.sql.append(sql, i, j - i);
      i = j;
      continue;
    }
    if (c == ':' && i + 1 < n && sql[i + 1] == ':') {
      out.sql.append("::");
      i += 2;
      continue;
    }
    if (c == ':' && i + 1 < n && is_word(sql[i + 1]) && (i == 0 || !is_word(sql[i - 1]))) {
      size_t j = i + 1;
      while (j < n && is_word(sql[j])) ++j;
      std::string name = sql.substr(i + 1, j - i - 1);
      auto it = by_name.find(name);
      if (it == by_name.end()) {
        if (params.empty()) {  // no parameters at all: leave the text alone
          out.sql.append(sql, i, j - i);
          i = j;
          continue;
        }
        return Status::InvalidArgument("Parameter '" + name +
                                       "' is used in the SQL but not given.");
      }
      auto [pos, inserted] = index.emplace(name, static_cast<int>(out.values.size()) + 1);
      if (inserted) out.values.push_back(it->second);
      used.insert(name);
      out.sql += "$" + std::to_string(pos->second);
      i = j;
      continue;
    }
    out.sql.push_back(c);
    ++i;
  }
  for (const auto& [name, _] : params)
    if (!used.count(name))
      return Status::InvalidArgument("Parameter '" + name + "' is not used in the SQL.");
  return out;
}

}  // namespace rsx::emu
