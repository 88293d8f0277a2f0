#pragma once
// The connector API: a Runtime shared by every connection of a process, and a Connection to
// one customer's workgroup through their role.
//
//   auto runtime = rsx::Runtime::Create();                  // once per process
//   rsx::ConnectionConfig cfg = ...;                         // or Workspace::GetConnection
//   auto conn = rsx::Connection::Open(cfg, *runtime);        // assumes the role, fails early
//   rsx::TextRows rows;
//   (*conn)->Query("select 1", {}, &rows);
//
// Thread-safety: a Runtime is safe for concurrent use by any number of connections and
// threads. A Connection is safe for concurrent Query/Discover calls (the Data API client
// bounds the statements in flight to the config's max_concurrent_statements); Sync on one
// state file is serialised by that file's lock.
//
// Cancellation: Query and Sync take an `interrupted` flag (RunOptions / SyncOptions): when it
// becomes true the running statement is cancelled on the server and confirmed, and the call
// returns kCancelled (Sync: at its last checkpoint).
//
// Errors: every call returns Status/Result; nothing throws. kInvalidArgument is bad input
// (a config field, a state file), named in the message; kPermissionDenied / kUnauthenticated
// come from AWS with its error code in detail("aws_error").

#include <atomic>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <vector>

#include "rsx/catalog.h"
#include "rsx/credentials.h"
#include "rsx/data_api.h"
#include "rsx/http.h"
#include "rsx/s3.h"
#include "rsx/statement_runner.h"
#include "rsx/sts.h"
#include "rsx/sync.h"
#include "rsx/workspace.h"

namespace rsx {

struct RuntimeOptions {
  HttpOptions http;                         // timeouts and CA bundle of the default client
  std::shared_ptr<HttpClient> http_client;  // default: libcurl (tests pass a fake)
  const Environment* env = nullptr;         // default: the process environment
  std::string profile;                      // the operator's profile (default AWS_PROFILE)
  // The operator's base credentials (default: the standard AWS chain for `profile`).
  std::shared_ptr<CredentialsProvider> operator_credentials;
  std::function<void(std::string_view)> log;  // warnings; default: "rsx: warning: ..." on stderr
};

// What every connection of a process shares: the HTTP client (one connection pool), the
// operator's base credentials, the environment and the logger. Thread-safe.
class Runtime {
 public:
  static Result<std::shared_ptr<Runtime>> Create(RuntimeOptions options = {});

  const Environment& env() const { return *env_; }
  const std::shared_ptr<HttpClient>& http() const { return http_; }
  // Requests sent through http() and the wall time spent inside them.
  const HttpCallStats& http_stats() const { return *stats_; }
  void Log(std::string_view message) const;
  // The operator's base credentials; `region` and `sts_endpoint` are used by profiles that
  // themselves assume a role. One provider (and one cache) per pair.
  std::shared_ptr<CredentialsProvider> OperatorCredentials(const std::string& region,
                                                           const std::string& sts_endpoint);
  const std::string& profile() const { return options_.profile; }

 private:
  explicit Runtime(RuntimeOptions options) : options_(std::move(options)) {}
  RuntimeOptions options_;
  const Environment* env_ = nullptr;
  std::shared_ptr<HttpCallStats> stats_;
  std::shared_ptr<HttpClient> http_;
  std::mutex mu_;
  std::map<std::string, std::shared_ptr<CredentialsProvider>> creds_;  // guarded by mu_
};

struct OpenOptions {
  int role_session_seconds = 3600;  // the assumed role's session (refreshed ahead of expiry)
  bool verify_credentials = true;   // fetch credentials now, so a refused role fails Open
  // Keep the assumed role's credentials on disk here between processes (the CLI passes
  // RSX_HOME/cache/credentials), unless the config's credential_cache is false. "": no cache.
  std::string credential_cache_dir;
};

// One customer's workgroup, through their role (assumed with the external ID, refreshed ahead
// of expiry). Without role_arn, the operator's own credentials are used.
class Connection {
 public:
  // Validates `config` (the error names the field), then builds the credentials and the Data
  // API client. The external ID is the config's (callers fill in the workspace's when the
  // connection has none). kInvalidArgument for a bad field; AWS's error when the role is refused.
  static Result<std::unique_ptr<Connection>> Open(const ConnectionConfig& config,
                                                  std::shared_ptr<Runtime> runtime,
                                                  const OpenOptions& options = {});

  const ConnectionConfig& config() const { return config_; }
  DataApiClient& client() { return *client_; }
  const std::shared_ptr<DataApiClient>& shared_client() { return client_; }
  // The S3 client of the unload stage (nullptr without unload settings).
  const std::shared_ptr<S3Client>& stage_client() const { return s3_; }
  Runtime& runtime() { return *runtime_; }
  // Where the credentials came from when Open verified them ("assume-role ARN", with
  // kFromCredentialCache appended when read from the disk cache).
  const std::string& credentials_provider() const { return credentials_provider_; }

  // The statement timeout for data reads: the config's statement_timeout_seconds, else 1 hour.
  std::chrono::milliseconds DefaultStatementTimeout() const;

  // Streams of `schemas` (empty: the config's schemas, else every non-system schema).
  Result<std::vector<Stream>> Discover(const std::vector<std::string>& schemas = {});
  // One statement to the consumer (see statement_runner.h).
  Result<RunSummary> Query(const std::string& sql, const RunOptions& options,
                           ResultConsumer* consumer);
  // Full and incremental reads to files or a protocol (see sync.h). With the config's unload
  // settings, options.unload is filled from them (stage, role, compression, the S3 client) where
  // the caller left it empty.
  Result<std::vector<StreamResult>> Sync(const std::vector<StreamSyncConfig>& streams,
                                         const SyncOptions& options);

 private:
  Connection() = default;
  ConnectionConfig config_;
  std::shared_ptr<Runtime> runtime_;
  std::shared_ptr<DataApiClient> client_;
  std::shared_ptr<S3Client> s3_;  // the stage's, when the config has unload settings
  std::string credentials_provider_;
};

// A connection as the rsx command resolves one: the saved connection `overrides.name` (when
// set) with the non-empty fields of `overrides` on top; then RSX_WORKGROUP, RSX_DATABASE,
// RSX_ROLE_ARN (and, without a saved connection, RSX_EXTERNAL_ID) and the AWS region variables
// for what is still empty; a saved connection without an external ID gets the workspace's.
// Fields may stay empty (Connection::Open names a missing one).
Result<ConnectionConfig> ResolveConnection(const ConnectionConfig& overrides,
                                           const Environment& env = Environment::Process());

// `rsx whoami`: the operator's identity and, with `role`, the role assumed with it.
struct IdentityReport {
  CallerIdentity operator_identity;
  std::string operator_provider;    // which provider of the chain supplied the credentials
  std::string operator_access_key;  // the key ID, masked (Credentials::Describe)
  std::string sts_endpoint;
  bool assumed = false;
  CallerIdentity role_identity;
  std::string assumed_role_id;
  TimePoint expiration{};
  bool from_cache = false;  // the role's credentials were read from the disk cache
};

// As JSON (rsx whoami --json): {"base": {account, arn, user_id, provider, access_key},
// "sts_endpoint", "assumed": {arn, account, assumed_role_id, expiration, minutes_left,
// external_id}}.
std::string IdentityReportJson(const IdentityReport& report, const std::string& external_id);

// Checks the region and the role parameters first (kInvalidArgument naming them).
// Fails with the first error: no operator credentials, STS refusing them, or the role
// refused (AWS's error, with the operator's identity prepended to the message).
// With `credential_cache_dir`, the role's credentials come from that cache when it holds them
// (IdentityReport::from_cache), and are stored there when they do not.
Result<IdentityReport> WhoAmI(Runtime& runtime, const std::string& region,
                              const std::string& sts_endpoint,
                              const AssumeRoleParams* role = nullptr,
                              const std::string& credential_cache_dir = "");

// The operator's AWS account for a trust policy: `given` (12 digits) when set, else from STS
// with the operator's credentials in the connection's region.
Result<std::string> OperatorAccount(Runtime& runtime, const ConnectionConfig& config,
                                    const std::string& given = "");

// `rsx check`: can rsx do its job with this connection? The operator's credentials, then the
// role assumed with the external ID, then each of the nine permissions with a harmless call.
struct PermissionResult {
  std::string action;  // e.g. "redshift-data:ExecuteStatement"
  enum Outcome { kGranted, kDenied, kUnknown } outcome = kUnknown;
  std::string aws_error;  // AWS's error code, when it answered with one
  std::string message;    // AWS's message (denied) or why it is unknown
  static const char* Name(Outcome o);
};

// Inside the database: what the role's database user (IAMR:<role>) may read.
struct SchemaAccess {
  std::string schema;
  bool usage = false;                             // USAGE on the schema
  std::vector<std::string> readable, unreadable;  // its tables and views, by SELECT
};

struct DatabaseAccess {
  bool checked = false;  // false: not reached (a permission missing) or failed (`error`)
  Status error;
  std::string user;                   // the database user the statements ran as (current_user)
  std::vector<SchemaAccess> schemas;  // the connection's schemas, else every non-system one
  // "schema.table" of each table the user cannot read (no USAGE, or no SELECT).
  std::vector<std::string> Unreadable() const;
  // The GRANT lines (GrantSql) for every schema where something is missing; "" when none is.
  std::string FixSql() const;
};

struct CheckReport {
  // Each stage that passed; a failed one ends the check (failed_stage, error).
  std::string operator_arn, operator_account, operator_provider;
  std::string assumed_arn;
  std::string failed_stage;  // empty: all stages ran
  Status error;              // why failed_stage failed
  std::vector<PermissionResult> permissions;
  DatabaseAccess database;  // after the permissions, with one statement
  // Every stage ran, every permission granted, and every table of the schemas readable.
  bool ok() const;
  std::vector<std::string> Missing() const;  // the denied actions
};

// As JSON (rsx check --json): connection, role_arn, external_id, operator, assumed, then
// either stage + error, or permissions [{action, result, message}] + missing; and ok.
std::string CheckReportJson(const CheckReport& report, const ConnectionConfig& config);

// Never fails as a call: every failure is in the report. `config` must name region,
// workgroup, database and role_arn (else failed_stage says so).
// `interrupted` (e.g. a service stopping) cancels the database section's statement at once.
CheckReport CheckConnection(const ConnectionConfig& config, Runtime& runtime,
                            const std::atomic<bool>* interrupted = nullptr);

}  // namespace rsx
