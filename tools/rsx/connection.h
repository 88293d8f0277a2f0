#pragma once
// Connection flags shared by the commands that talk to a workgroup, and building a Data API
// client from them: base credentials from the standard chain, then (with --role-arn) the
// customer's role assumed with --external-id, refreshed ahead of expiry.

#include <CLI/CLI.hpp>
#include <atomic>
#include <memory>
#include <string>

#include "rsx/data_api.h"
#include "rsx/http.h"
#include "rsx/workspace.h"

namespace rsx::cli {

struct ConnectionFlags {
  std::string name;  // a saved connection; flags given explicitly override its fields
  std::string region, workgroup, database, role_arn, external_id, profile, endpoint_url,
      sts_endpoint_url;
  bool allow_insecure_http = false;
  int statement_timeout_seconds = 0;  // from a saved connection or config file; 0: default
  int duration = 3600;
  int max_concurrent_statements = 4;
};

// Adds --region, --workgroup, --database, --role-arn, --external-id, --profile,
// --endpoint-url, --sts-endpoint-url. Unset flags fall back to AWS_REGION and RSX_WORKGROUP,
// RSX_DATABASE, RSX_ROLE_ARN, RSX_EXTERNAL_ID.
void AddConnectionFlags(CLI::App* cmd, ConnectionFlags* flags);

Result<std::shared_ptr<DataApiClient>> OpenClient(ConnectionFlags flags);

// Every HTTP request of this process's clients and the wall time spent inside them.
const HttpCallStats& ProcessHttpStats();

// Fills unset flags from the saved connection `flags.name` (when set) and the workspace's
// external ID.
Status ResolveSavedConnection(ConnectionFlags* flags);

// A whole text file; the error names `what` and the path.
Result<std::string> ReadTextFile(const std::string& path, const char* what);

// Connection flags from a config file (a connection object: the Airbyte and Singer config).
// Keys in `ignored_keys` are dropped first (Singer's start_date, user_agent). The external ID
// defaults to the workspace's. `config` receives the parsed object.
Result<ConnectionFlags> FlagsFromConfigFile(const std::string& path, ConnectionConfig* config,
                                            const std::vector<std::string>& ignored_keys = {});

// SIGINT/SIGTERM set this flag (a second signal exits at once with 130).
const std::atomic<bool>* InstallInterruptHandler();

}  // namespace rsx::cli
