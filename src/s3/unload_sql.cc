#include "rsx/s3.h"
#include "rsx/strings.h"
#include "rsx/unload.h"

namespace rsx {

Result<std::string> UnloadSafeLiteral(std::string_view value) {
  std::string out = "'";
  for (char c : value) {
    if (c == '\0') return Status::InvalidArgument("a value for an UNLOAD query holds a NUL byte");
    if (c == '\\') {
      out += "' || CHR(92) || '";
    } else if (c == '\'') {
      out += "''";
    } else {
      out += c;
    }
  }
  return out + "'";
}

Result<std::string> UnloadStatement(const std::string& select_sql, const std::string& s3_prefix,
                                    const UnloadOptions& options) {
  if (select_sql.find('\\') != std::string::npos)
    return Status::InvalidArgument(
        "the query for UNLOAD holds a backslash (in a schema, table or column name?): inside "
        "UNLOAD's quoted query it could end the quote; read this stream through result pages "
        "(--via pages)");
  RSX_RETURN_IF_ERROR(ParseS3Url(s3_prefix).status());
  if (!s3_prefix.empty() && s3_prefix.back() != '/')
    return Status::InvalidArgument("the UNLOAD stage '" + s3_prefix + "' must end with '/'");
  for (const std::string* v : {&s3_prefix, &options.iam_role})
    if (v->find('\'') != std::string::npos || v->find('\\') != std::string::npos)
      return Status::InvalidArgument(
          "the UNLOAD stage and IAM role cannot hold quotes or "
          "backslashes: '" +
          *v + "'");
  std::string quoted;
  for (char c : select_sql) {
    quoted += c;
    if (c == '\'') quoted += '\'';
  }
  std::string role = options.iam_role == "default" ? "default" : "'" + options.iam_role + "'";
  std::string sql =
      "UNLOAD ('" + quoted + "') TO '" + s3_prefix + "' IAM_ROLE " + role + " FORMAT JSON";
  if (options.compression == Compression::kGzip) sql += " GZIP";
  if (options.compression == Compression::kZstd) sql += " ZSTD";
  sql += " MANIFEST VERBOSE CLEANPATH";
  if (!options.parallel) sql += " PARALLEL OFF";
  return sql;
}

}  // namespace rsx
