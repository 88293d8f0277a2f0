#pragma once
// Named parameters: rewrites ":name" placeholders to PostgreSQL's "$n", skipping string
// literals, quoted identifiers, comments and "::" casts, as the Data API does.

#include <string>
#include <utility>
#include <vector>

#include "rsx/result.h"

namespace rsx::emu {

struct BoundSql {
  std::string sql;                  // with $1..$n
  std::vector<std::string> values;  // in $ order
};

// `params` are (name, value). A placeholder without a parameter, or a parameter not used in
// the SQL, is an error worded as AWS's ValidationException.
Result<BoundSql> BindNamedParams(const std::string& sql,
                                 const std::vector<std::pair<std::string, std::string>>& params);

}  // namespace rsx::emu
