#pragma once
// Building UNLOAD statements that rsx can trust: the query goes inside UNLOAD's own quoted
// string, where Data API parameters cannot reach, so every value in it is a literal written
// to mean the same text however the two levels of quoting are read.

#include <string>
#include <string_view>

#include "rsx/compression.h"
#include "rsx/result.h"

namespace rsx {

struct UnloadOptions {
  std::string iam_role = "default";  // "default" or a role ARN
  Compression compression = Compression::kGzip;
  bool parallel = true;
};

// A SQL string literal of `value` built only of plain characters, doubled quotes and
// CHR(92) for a backslash: inside UNLOAD's quoted query no '\' can combine with a quote.
// "it's a\b" -> 'it''s a' || CHR(92) || 'b'. A NUL byte is kInvalidArgument (Redshift text
// cannot hold one).
Result<std::string> UnloadSafeLiteral(std::string_view value);

// UNLOAD ('<select_sql>') TO '<s3_prefix>' IAM_ROLE ... FORMAT JSON [GZIP|ZSTD]
// MANIFEST VERBOSE CLEANPATH [PARALLEL OFF]. `select_sql` must hold no backslash (its literals
// come from UnloadSafeLiteral); `s3_prefix` is "s3://bucket/prefix/". kInvalidArgument
// names what is wrong.
Result<std::string> UnloadStatement(const std::string& select_sql, const std::string& s3_prefix,
                                    const UnloadOptions& options);

}  // namespace rsx
