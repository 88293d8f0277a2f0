// rsx: a source connector for Amazon Redshift Serverless. Data on stdout, logs on stderr,
// exit code 0 only on success.

#include <cstdio>
#include <cstring>
#include <new>
#include <string>

#include "commands.h"  // tools/rsx/commands.h

namespace {

// Each registrar with the subcommands it adds, in the order `rsx --help` lists them.
struct Registrar {
  void (*add)(CLI::App&, rsx::cli::Runner*);
  const char* names[2];
};

constexpr Registrar kRegistrars[] = {
    {rsx::cli::AddWhoamiCommand, {"whoami"}},
    {rsx::cli::AddQueryCommand, {"query", "result"}},
    {rsx::cli::AddLsCommand, {"ls"}},
    {rsx::cli::AddConnectionsCommand, {"connections"}},
    {rsx::cli::AddPolicyCommand, {"policy"}},
    {rsx::cli::AddCheckCommand, {"check"}},
    {rsx::cli::AddDiscoverCommand, {"discover"}},
    {rsx::cli::AddSyncCommand, {"sync"}},
    {rsx::cli::AddAirbyteCommand, {"airbyte"}},
    {rsx::cli::AddSingerCommand, {"singer"}},
    {rsx::cli::AddServeCommand, {"serve"}},
    {rsx::cli::AddSessionsCommand, {"sessions"}},
};

}  // namespace

int main(int argc, char** argv) {
  try {
    CLI::App app{
        "rsx - read data out of Amazon Redshift Serverless through the Redshift Data API,\n"
        "after assuming the customer's IAM role with an external ID.\n\n"
        "AWS settings follow the standard conventions: AWS_PROFILE, AWS_REGION, ~/.aws/config,\n"
        "~/.aws/credentials, AWS_ENDPOINT_URL, AWS_ENDPOINT_URL_STS, AWS_MAX_ATTEMPTS,\n"
        "AWS_CA_BUNDLE.",
        "rsx"};
    app.require_subcommand(1);
    app.set_version_flag("--version", "rsx 0.1.0");
    rsx::cli::Runner run;
    // Building every subcommand's options is about a tenth of the instructions of a whole
    // `rsx result` of a small statement: when argv[1] names a subcommand, only its registrar
    // runs. --help and --version get them all, so the help lists every subcommand.
    const Registrar* only = nullptr;
    if (argc > 1)
      for (const Registrar& r : kRegistrars)
        for (const char* name : r.names)
          if (name != nullptr && std::strcmp(argv[1], name) == 0) only = &r;
    if (only == nullptr && argc > 1 && argv[1][0] != '-') {
      std::string names;
      for (const Registrar& r : kRegistrars)
        for (const char* name : r.names)
          if (name != nullptr) names += std::string(names.empty() ? "" : ", ") + name;
      return rsx::cli::ReportError(rsx::Status::InvalidArgument(
          std::string("'") + argv[1] + "' is not a subcommand; they are: " + names));
    }
    for (const Registrar& r : kRegistrars)
      if (only == nullptr || only == &r) r.add(app, &run);
    try {
      app.parse(argc, argv);
    } catch (const CLI::ParseError& e) {
      int rc = app.exit(e);
      return rc == 0 ? 0 : 2;
    }
    return run ? run() : 2;
  } catch (const std::bad_alloc&) {
    std::fprintf(stderr, "rsx: error: out of memory\n");
    return 1;
  }
}
