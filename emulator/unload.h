#pragma once
// UNLOAD: a query's result written to the emulator's S3 as Redshift writes it. Parsing of the
// statement, and its run: the query in single-row mode, rows dealt round-robin to the emulated
// slices (so files are not in ORDER BY order, as on Redshift), each slice's file streamed
// through compression to a temporary file and put as the namespace's IAM role, then the
// manifest.

#include <libpq-fe.h>

#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include "auth.h"
#include "config.h"
#include "rsx/compression.h"
#include "rsx/result.h"
#include "rsx/s3.h"
#include "s3_api.h"

namespace rsx::emu {

struct UnloadSpec {
  std::string query;            // the SELECT, its quotes undoubled
  std::string bucket, prefix;   // from 's3://bucket/prefix'
  std::string iam_role;         // "default" or an ARN
  std::string format = "TEXT";  // TEXT (delimited), CSV, JSON
  std::string delimiter;        // "" = the format's default ('|' or ',')
  std::optional<std::string> null_as;
  Compression compression = Compression::kNone;
  bool parallel = true, header = false, manifest = false, verbose = false;
  bool allow_overwrite = false, cleanpath = false, escape = false, add_quotes = false;
  long long max_file_size = 6200LL * 1024 * 1024;
  std::string region, extension;
};

// Does the statement begin with the keyword UNLOAD (after blanks and comments)?
bool LooksLikeUnload(std::string_view sql);
// kInvalidArgument with the message Redshift would give (without "ERROR: ").
Result<UnloadSpec> ParseUnload(std::string_view sql);

struct UnloadOutcome {
  long long rows = 0;
  std::string error;  // "" on success; else "ERROR: ..."
};

class Unloader {
 public:
  // `remote`: write to another S3 (--s3-endpoint) instead of the emulator's own; the
  // namespace role's statements are then not checked (that S3 decides).
  Unloader(const EmulatorConfig& config, Auth& auth, S3Api& s3,
           std::shared_ptr<S3Client> remote = nullptr)
      : config_(config), auth_(auth), s3_(s3), remote_(std::move(remote)) {}
  // Runs `sql` (an UNLOAD) on `conn` for workgroup `workgroup`. A cancel (PQcancel on `conn`
  // while a batch is fetched, or `cancelled()` true between batches) ends it with an error; the
  // caller tells cancellation from failure.
  UnloadOutcome Run(PGconn* conn, const std::string& workgroup, std::string_view sql,
                    const std::function<bool()>& cancelled);

 private:
  // The stage, local or remote; errors in S3's terms.
  ApiResult<std::vector<std::string>> ListKeys(const Principal& who, const std::string& bucket,
                                               const std::string& prefix);
  std::optional<ApiError> DeleteKey(const Principal& who, const std::string& bucket,
                                    const std::string& key);
  std::optional<ApiError> PutFile(const Principal& who, const std::string& bucket,
                                  const std::string& key, const std::string& temp_path,
                                  long long size, const std::string& md5);
  std::optional<ApiError> PutText(const Principal& who, const std::string& bucket,
                                  const std::string& key, const std::string& text);
  std::string NewTempPath();

  const EmulatorConfig& config_;
  Auth& auth_;
  S3Api& s3_;
  std::shared_ptr<S3Client> remote_;
};

}  // namespace rsx::emu
