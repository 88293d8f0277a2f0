#pragma once
// AWS credentials and the providers that find them.
//
// A CredentialsProvider is safe for concurrent use: many threads may call Get() at once.
// Providers with expiring credentials (assumed roles, containers, IMDS, web identity) refresh
// ahead of expiry, and concurrent callers cause one refresh, not one each.
//
// IMPORTANT: a Credentials value holds secrets. Never log it; use Describe() instead.

#include <chrono>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "rsx/clock.h"
#include "rsx/result.h"

namespace rsx {

struct Credentials {
  std::string access_key_id;
  std::string secret_access_key;
  std::string session_token;            // empty for long-term keys
  std::optional<TimePoint> expiration;  // nullopt: does not expire
  std::string provider;                 // which provider supplied them, e.g. "environment"

  // "AKIA...XYZW from environment (expires 2026-...)": no secret, the key id shortened.
  std::string Describe() const;
};

class CredentialsProvider {
 public:
  virtual ~CredentialsProvider() = default;
  // Current credentials, refreshed when needed. Fails with kUnauthenticated when the source
  // has none, or with the error of the refresh (STS, file, process, network).
  virtual Result<Credentials> Get() = 0;
  // A short name for messages: "environment", "profile default", "assume-role ...".
  virtual std::string Name() const = 0;
};

// Static credentials, e.g. given explicitly.
std::shared_ptr<CredentialsProvider> NewStaticCredentialsProvider(Credentials creds);

// Options for the default chain and for assumed roles.
struct ChainOptions {
  const Environment* env = &Environment::Process();  // where AWS_* and HOME are read
  const Clock* clock = &Clock::Real();
  std::string profile;       // overrides AWS_PROFILE when set
  std::string region;        // region for STS calls made by profiles (default: config/env)
  std::string sts_endpoint;  // explicit STS endpoint URL (overrides env and config)
  // Refresh this long before credentials expire. Default 5 minutes.
  std::chrono::seconds refresh_ahead{300};
};

class HttpClient;

// The standard AWS chain: environment, web identity, shared config/credentials profile
// (static keys, assume-role, credential_process), container, EC2 IMDSv2.
// Resolution happens on the first Get(); when no provider has credentials, the error lists
// every provider and why it was skipped.
std::shared_ptr<CredentialsProvider> NewDefaultCredentialsChain(std::shared_ptr<HttpClient> http,
                                                                ChainOptions options = {});

// What the caller asks for when assuming a role.
struct AssumeRoleParams {
  std::string role_arn;
  std::string external_id;        // empty: none sent
  std::string role_session_name;  // empty: "rsx-<epoch seconds>"
  int duration_seconds = 3600;    // 900..43200
};

// Checks the fields against STS's rules, without any network call. The error names the
// field and what was expected.
Status ValidateAssumeRoleParams(const AssumeRoleParams& params);

class StsClient;
// Credentials of an assumed role, fetched with `sts` using `source` credentials, cached and
// refreshed `options.refresh_ahead` before they expire.
std::shared_ptr<CredentialsProvider> NewAssumeRoleProvider(
    std::shared_ptr<StsClient> sts, std::shared_ptr<CredentialsProvider> source,
    AssumeRoleParams params, const ChainOptions& options);

// Assumed-role credentials kept on disk between processes, as the AWS CLI keeps its cache: one
// file per (base identity, role ARN, external ID, session duration, STS endpoint) in `dir`
// (created 0700; files 0600, named by a SHA-256 of that key, holding the secret credentials
// and nothing else), reused until `refresh_ahead` before they expire. Two base identities
// never share a file: the key holds the base access key ID. A file that cannot be read as a
// cache entry is ignored, reported through `warn`, and replaced by the next AssumeRole.
// Credentials read from the cache have provider "<name> (from the credential cache)".
struct CredentialCacheOptions {
  std::string dir;           // e.g. RSX_HOME/cache/credentials
  std::string sts_endpoint;  // the STS endpoint used: part of the key
  std::function<void(const std::string&)> warn;
};
std::shared_ptr<CredentialsProvider> NewCachedAssumeRoleProvider(
    std::shared_ptr<StsClient> sts, std::shared_ptr<CredentialsProvider> source,
    AssumeRoleParams params, CredentialCacheOptions cache, const ChainOptions& options);

// The suffix of Credentials::provider for credentials read from the cache.
inline constexpr const char* kFromCredentialCache = " (from the credential cache)";

}  // namespace rsx
