// rsx singer: flags for rsx::singer (src/protocol/singer.cc).

#include <memory>

#include "commands.h"
#include "connection.h"

namespace rsx::cli {
namespace {
struct SingerOptions {
  std::string config, catalog, properties, state;
  bool discover = false;
};
}  // namespace

void AddSingerCommand(CLI::App& app, Runner* run) {
  auto o = std::make_shared<SingerOptions>();
  CLI::App* cmd = app.add_subcommand(
      "singer",
      "rsx as a Singer tap: --discover prints the catalog; with --catalog, SCHEMA, RECORD\n"
      "and STATE messages for the selected streams (FULL_TABLE or INCREMENTAL).");
  cmd->add_option("--config", o->config, "config JSON file (a connection object)")->required();
  cmd->add_flag("--discover", o->discover, "print the catalog");
  cmd->add_option("--catalog", o->catalog, "catalog with selected streams");
  cmd->add_option("--properties", o->properties, "legacy name of --catalog");
  cmd->add_option("--state", o->state, "the value of the last STATE message");
  cmd->callback([run, o] {
    *run = [o] {
      const ProtocolIo& io = *ProtocolSession();
      return o->discover ? singer::Discover(io, o->config)
                         : singer::Sync(io, o->config,
                                        o->catalog.empty() ? o->properties : o->catalog, o->state);
    };
  });
}

}  // namespace rsx::cli
