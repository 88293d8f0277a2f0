#pragma once
// Connection flags shared by the commands that talk to a workgroup, turned into a
// rsx::Connection (include/rsx/connection.h) on the process's one Runtime.

#include <CLI/CLI.hpp>
#include <atomic>
#include <memory>
#include <string>

#include "rsx/connection.h"
#include "rsx/protocol.h"

namespace rsx::cli {

struct ConnectionFlags {
  ConnectionConfig c;  // c.name: a saved connection; the other fields: flags on top of it
  std::string profile;
  int duration = 3600;
};

// Adds --region, --workgroup, --database, --role-arn, --external-id, --profile,
// --endpoint-url, --sts-endpoint-url, --allow-insecure-http.
void AddConnectionFlags(CLI::App* cmd, ConnectionFlags* flags);

// Adds --stage, --unload-role, --unload-region, --unload-compression (docs/unload.md).
void AddUnloadFlags(CLI::App* cmd, UnloadConfig* unload);

// RSX_HOME/cache/credentials (the workspace's), or "" when there is no workspace.
std::string CredentialCacheDir();

// The process's Runtime (created on first use, with --profile's operator credentials).
std::shared_ptr<Runtime> ProcessRuntime(const std::string& profile = "");

// ResolveConnection, then Connection::Open on the process runtime. The error names a missing
// region, workgroup or database flag.
Result<std::unique_ptr<Connection>> OpenConnection(const ConnectionFlags& flags);

// The protocol commands' I/O: stdout, stderr, the process runtime and the interrupt flag.
const ProtocolIo* ProtocolSession();

// SIGINT/SIGTERM set this flag (a second signal exits at once with 130).
const std::atomic<bool>* InstallInterruptHandler();

}  // namespace rsx::cli
