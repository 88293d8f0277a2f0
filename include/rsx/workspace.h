#pragma once
// The workspace (RSX_HOME, default ~/.rsx): the operator's external ID, generated once from a
// CSPRNG; saved connections; sync state. Files are 0600 in a 0700 directory; writes go to a
// temporary file that is fsynced and renamed, under an exclusive lock, so concurrent rsx
// processes never corrupt a file. A file that does not parse is reported and left untouched.

#include <string>
#include <vector>

#include "rsx/clock.h"
#include "rsx/result.h"

namespace rsx {

// A connection: also the Airbyte/Singer config object.
// Reading through UNLOAD (docs/unload.md): where Redshift writes and rsx reads.
struct UnloadConfig {
  std::string stage;        // s3://bucket/prefix/ ("": no UNLOAD)
  std::string iam_role;     // the role Redshift writes with: "default" (or "") or a role ARN
  std::string region;       // the bucket's region ("": the connection's)
  std::string compression;  // "gzip" (default), "zstd" or "none"
  bool empty() const {
    return stage.empty() && iam_role.empty() && region.empty() && compression.empty();
  }
};

struct ConnectionConfig {
  std::string name;
  std::string region, workgroup, database, role_arn;
  std::string external_id;  // empty: the workspace's
  std::vector<std::string> schemas;
  std::string endpoint_url, sts_endpoint_url;
  int max_concurrent_statements = 4;
  int statement_timeout_seconds = 0;  // 0: each command's default (1 hour for data reads)
  bool allow_insecure_http = false;   // http:// endpoints off this machine (see docs/aws-access.md)
  std::string long_polling;           // "" (auto), "auto", "on", "off": see rsx/data_api.h
  bool credential_cache = true;       // keep the assumed role's credentials on disk (the CLI)
  UnloadConfig unload;

  std::string ToJson(int indent = -1) const;  // without "name"
  // Parses a config object; unknown keys are errors (typos must not pass). `name` is kept.
  static Result<ConnectionConfig> FromJson(const std::string& json, const std::string& name);
};

// Checks every field; the error names the field and what was expected.
Status ValidateConnection(const ConnectionConfig& c);
Status ValidateConnectionName(const std::string& name);
// The unload settings (all empty: none); the error names the flag.
Status ValidateUnloadConfig(const UnloadConfig& u);

class Workspace {
 public:
  // RSX_HOME, else $HOME/.rsx; created (0700) when missing.
  static Result<Workspace> Open(const Environment& env = Environment::Process());
  const std::string& dir() const { return dir_; }

  // The workspace external ID (UUID v4), created on first use.
  Result<std::string> ExternalId();

  Result<std::vector<ConnectionConfig>> ListConnections();
  Result<ConnectionConfig> GetConnection(const std::string& name);
  // Adds (or with `replace`, replaces) a connection. kInvalidArgument when it exists.
  Status AddConnection(const ConnectionConfig& c, bool replace = false);
  Status RemoveConnection(const std::string& name);

  // Whole-file helpers for other workspace files (sync state): atomic, 0600, locked.
  Result<std::string> ReadFile(const std::string& relative);  // kNotFound when absent
  Status WriteFileAtomic(const std::string& relative, const std::string& contents);

 private:
  explicit Workspace(std::string dir) : dir_(std::move(dir)) {}
  std::string dir_;
};

}  // namespace rsx
