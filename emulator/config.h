#pragma once
// The emulator's configuration: identities, roles with trust and permissions, workgroups,
// limits and faults. Loaded from a JSON file (docs/emulator.md), or the documented default.

#include <map>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include "rsx/result.h"

namespace rsx::emu {

// An identity-policy statement scoped to resources: S3 access is granted this way, per bucket
// and prefix ("arn:aws:s3:::rsx-stage/unload/*"). '*' and '?' match as in IAM.
struct PolicyStatement {
  std::vector<std::string> actions;    // "s3:GetObject", "s3:*"
  std::vector<std::string> resources;  // ARNs, glob patterns
  // For s3:ListBucket: the prefixes a listing may ask for (IAM's StringLike on s3:prefix);
  // empty: any.
  std::vector<std::string> s3_prefixes;
};

struct UserConfig {
  std::string arn;  // arn:aws:iam::111111111111:user/operator
  std::string access_key_id, secret_access_key;
  std::vector<std::string> actions;  // e.g. "sts:AssumeRole"; "*" patterns allowed
  std::vector<PolicyStatement> statements{};
};

struct RoleConfig {
  std::string arn;                            // arn:aws:iam::222222222222:role/rsx-reader
  std::vector<std::string> trusted_accounts;  // accounts allowed to assume it
  std::string external_id;                    // required sts:ExternalId ("" = none required)
  std::vector<std::string> actions;           // allowed actions, "*" patterns allowed
  std::vector<PolicyStatement> statements{};  // resource-scoped grants (S3)
  int max_session_seconds = 43200;
  // What the role's database user ("IAMR:<name>") may read, granted at start in every
  // database: every table of every schema, now and later, to read and write ("grants": "all",
  // the default), the listed schemas
  // (USAGE, SELECT on their tables, default privileges for later tables), or nothing ([]).
  bool grant_all = true;
  std::vector<std::string> grant_schemas;
};

struct WorkgroupConfig {
  std::string name;
  std::string account;  // owner account
  std::vector<std::string> databases;
  // The namespace's IAM roles, which UNLOAD may name, and the one IAM_ROLE default means.
  std::vector<std::string> iam_roles;
  std::string default_iam_role;
};

// A bucket of the emulator's S3, existing from the start.
struct BucketConfig {
  std::string name;
  std::string account;  // owner
};

struct Limits {
  long long result_bytes = 500LL * 1024 * 1024;  // "Database response exceeded size limit"
  long long row_bytes = 64 * 1024;
  int active_statements = 200;
  long long page_bytes = 1024 * 1024;  // GetStatementResult page budget
  long long sql_bytes = 100 * 1024;
  int result_retention_seconds = 24 * 3600;
  int credentials_seconds = 3600;       // default lifetime of issued session credentials
  std::map<std::string, double> rates;  // operation -> requests per second (0 = unlimited)
  // Requests waiting with WaitTimeSeconds on one statement at once (AWS's limit is not
  // published); one more answers ActiveWaitingRequestsExceededException.
  int waiting_requests_per_statement = 5;
  int session_max_seconds = 24 * 3600;  // a session closes this long after it opened
};

struct FaultConfig {
  std::string operation;         // e.g. "GetStatementResult", "AssumeRole", "*"
  int nth = 1;                   // which call of that operation (1-based) ...
  int count = 1;                 // ... and how many calls from there
  int every = 0;                 // >0: fire on every `every`-th call from nth, `count` times
  std::string action = "error";  // error | reset | delay | fail_statement | stall_statement
  std::string error = "InternalServerException";
  int status = 500;
  std::string message = "Injected fault";
  int delay_ms = 0;
};

struct EmulatorConfig {
  std::string region = "us-east-1";
  std::vector<UserConfig> users;
  std::vector<RoleConfig> roles;
  std::vector<WorkgroupConfig> workgroups;
  std::vector<BucketConfig> buckets;
  Limits limits;
  std::vector<FaultConfig> faults;
  int workers = 8;     // statement worker threads
  int latency_ms = 0;  // added before answering every AWS request (Data API, STS, S3)
  int slices = 4;      // UNLOAD ... PARALLEL ON writes one file (or more) per slice
  // WaitTimeSeconds (the July 2026 long polling): "on"; "ignore" (answer at once, as an
  // endpoint that predates it); "refuse" (a ValidationException naming the unknown field).
  std::string long_polling = "on";
};

// The nine permissions of rsx's policy.
const std::vector<std::string>& AllRsxActions();

// The default: an operator (account 111111111111, key AKIAEMULATOROPERATOR), a customer role
// arn:aws:iam::222222222222:role/rsx-reader trusting the operator with `external_id` and
// holding all nine permissions plus read, list and delete in s3://rsx-stage/unload/,
// workgroup "default" with database "dev" whose namespace role
// arn:aws:iam::222222222222:role/rsx-unload (IAM_ROLE default) may write to rsx-stage.
EmulatorConfig DefaultConfig(const std::string& external_id);
inline constexpr const char* kDefaultExternalId = "rsx-emulator-external-id";
inline constexpr const char* kOperatorKeyId = "AKIAEMULATOROPERATOR";
inline constexpr const char* kOperatorSecret = "emulator/operator/secret/key/not+for+aws";
inline constexpr const char* kStageBucket = "rsx-stage";
inline constexpr const char* kStagePrefix = "unload/";

// Parses a config file's JSON. Unknown keys are errors (typos must not pass silently).
Result<EmulatorConfig> ParseConfig(const std::string& json_text);
Result<FaultConfig> ParseFault(const std::string& json_text);
// The body of POST /_emulator/latency: {"ms": N}, 0 to 60000.
Result<int> ParseLatency(const std::string& json_text);

// Account of an ARN ("arn:aws:iam::ACCOUNT:...").
std::string ArnAccount(const std::string& arn);
// Does `action` match any pattern ("redshift-data:*", "*", exact)?
bool ActionAllowed(const std::vector<std::string>& patterns, const std::string& action);
// IAM's glob: '*' any run of characters, '?' one character.
bool GlobMatch(std::string_view pattern, std::string_view text);

}  // namespace rsx::emu
