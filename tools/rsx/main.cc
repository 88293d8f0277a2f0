// rsx: a source connector for Amazon Redshift Serverless. Data on stdout, logs on stderr,
// exit code 0 only on success.

#include <cstdio>
#include <new>

#include "commands.h"  // tools/rsx/commands.h

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
    rsx::cli::AddWhoamiCommand(app, &run);
    rsx::cli::AddQueryCommand(app, &run);
    rsx::cli::AddLsCommand(app, &run);
    rsx::cli::AddConnectionsCommand(app, &run);
    rsx::cli::AddPolicyCommand(app, &run);
    rsx::cli::AddCheckCommand(app, &run);
    rsx::cli::AddDiscoverCommand(app, &run);
    rsx::cli::AddSyncCommand(app, &run);
    rsx::cli::AddAirbyteCommand(app, &run);
    rsx::cli::AddSingerCommand(app, &run);
    rsx::cli::AddServeCommand(app, &run);
    rsx::cli::AddSessionsCommand(app, &run);
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
