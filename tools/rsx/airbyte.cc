// rsx airbyte spec|check|discover|read: flags for rsx::airbyte (src/protocol/airbyte.cc).

#include <memory>

#include "commands.h"
#include "connection.h"

namespace rsx::cli {
namespace {
struct AirbyteOptions {
  std::string config, catalog, state;
};
}  // namespace

void AddAirbyteCommand(CLI::App& app, Runner* run) {
  auto o = std::make_shared<AirbyteOptions>();
  CLI::App* group = app.add_subcommand(
      "airbyte",
      "rsx as an Airbyte source: spec, check, discover and read, speaking the Airbyte\n"
      "protocol (one JSON message per line on stdout). The config is a connection object\n"
      "(see `rsx connections show`).");
  group->require_subcommand(1);
  CLI::App* spec = group->add_subcommand("spec", "Print the connector specification.");
  spec->callback([run] { *run = [] { return airbyte::Spec(*ProtocolSession()); }; });
  CLI::App* check = group->add_subcommand("check", "CONNECTION_STATUS for --config.");
  check->add_option("--config", o->config, "config JSON file")->required();
  check->callback(
      [run, o] { *run = [o] { return airbyte::Check(*ProtocolSession(), o->config); }; });
  CLI::App* disc = group->add_subcommand("discover", "CATALOG for --config.");
  disc->add_option("--config", o->config, "config JSON file")->required();
  disc->callback(
      [run, o] { *run = [o] { return airbyte::Discover(*ProtocolSession(), o->config); }; });
  CLI::App* read =
      group->add_subcommand("read", "RECORD, STATE and TRACE messages for the configured catalog.");
  read->add_option("--config", o->config, "config JSON file")->required();
  read->add_option("--catalog", o->catalog, "configured catalog JSON file")->required();
  read->add_option("--state", o->state, "state JSON file (array of STREAM state messages)");
  read->callback([run, o] {
    *run = [o] { return airbyte::Read(*ProtocolSession(), o->config, o->catalog, o->state); };
  });
}

}  // namespace rsx::cli
