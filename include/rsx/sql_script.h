#pragma once
// Splitting a SQL script into statements, for `rsx query -f script.sql` with several
// statements. Semicolons end statements except inside 'strings' (with '' escapes), "quoted
// identifiers", $tag$ dollar-quoted bodies, -- line comments and /* block comments */ (which
// nest, as in PostgreSQL and Redshift). Statements that hold only whitespace and comments are
// dropped. Each statement keeps its text as written, without the ';'.

#include <string>
#include <string_view>
#include <vector>

#include "rsx/result.h"

namespace rsx {

// kInvalidArgument naming the line where an unterminated string, identifier, dollar quote or
// block comment starts.
Result<std::vector<std::string>> SplitSqlScript(std::string_view script);

}  // namespace rsx
