#pragma once
// Building UNLOAD statements that rsx can trust: the query goes inside UNLOAD's own quoted
// string, where Data API parameters cannot reach, so every value in it is a literal written
// to mean the same text however the two levels of quoting are read.

#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "rsx/compression.h"
#include "rsx/result.h"
#include "rsx/s3.h"

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

// A VERBOSE manifest, read as untrusted JSON.
struct UnloadManifest {
  struct Entry {
    std::string bucket, key;
    long long content_length = 0;
    long long record_count = -1;  // -1: not given (a manifest without VERBOSE)
  };
  std::vector<Entry> entries;
  std::vector<std::string> columns;  // schema.elements[].name, when given
};
// kInvalidArgument names the field that is missing or malformed.
Result<UnloadManifest> ParseUnloadManifest(std::string_view text);

struct UnloadReadOptions {
  int connections = 4;                // ranged GETs in flight at once
  long long range_bytes = 4LL << 20;  // bytes per GET; memory is about connections x 2 x this
  Compression compression = Compression::kGzip;
  size_t first_entry = 0;  // entries before it are skipped (a resumed read)
};

// Reads the manifest's files in order, downloading ranges of them in parallel ahead of the
// reader, each file's length checked against the manifest and its lines against record_count.
// `lines` gets whole lines ('\n'-terminated) of entry `index`, in order, in blocks;
// `file_done(index)` follows each file's last block. An error from a callback stops the read.
Status ReadUnloadFiles(S3Client& s3, const UnloadManifest& manifest,
                       const UnloadReadOptions& options,
                       const std::function<Status(size_t index, std::string_view lines)>& lines,
                       const std::function<Status(size_t index)>& file_done);

}  // namespace rsx
