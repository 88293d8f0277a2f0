#pragma once
// The rsx subcommands. Each Add*Command registers its flags on `app` and sets `run` to the
// function main() calls when that subcommand was chosen; it returns the exit code.

#include <CLI/CLI.hpp>
#include <chrono>
#include <functional>
#include <string>

#include "rsx/result.h"

namespace rsx::cli {

using Runner = std::function<int()>;

void AddWhoamiCommand(CLI::App& app, Runner* run);
void AddQueryCommand(CLI::App& app, Runner* run);
void AddLsCommand(CLI::App& app, Runner* run);
void AddConnectionsCommand(CLI::App& app, Runner* run);
void AddPolicyCommand(CLI::App& app, Runner* run);
void AddCheckCommand(CLI::App& app, Runner* run);
void AddDiscoverCommand(CLI::App& app, Runner* run);
void AddSyncCommand(CLI::App& app, Runner* run);
void AddAirbyteCommand(CLI::App& app, Runner* run);
void AddSingerCommand(CLI::App& app, Runner* run);
void AddServeCommand(CLI::App& app, Runner* run);
void AddSessionsCommand(CLI::App& app, Runner* run);

// Prints "rsx: error: <message>" and the details that help (AWS error code, request id) to
// stderr; returns the exit code for the status (2 bad input, 1 anything else).
int ReportError(const Status& st);

// A duration flag: "90s", "15m", "1h", "250ms", or plain seconds; "" gives `def`. The error
// names `flag`.
Result<std::chrono::milliseconds> ParseDuration(const std::string& flag, const std::string& value,
                                                std::chrono::milliseconds def);

}  // namespace rsx::cli
