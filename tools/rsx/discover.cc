// rsx discover: the catalog of streams, printed as an Airbyte catalog.

#include <chrono>
#include <cstdio>

#include "commands.h"
#include "connection.h"
#include "rsx/policy.h"
#include "rsx/strings.h"

namespace rsx::cli {
namespace {

struct DiscoverCliOptions {
  ConnectionFlags conn;
  std::string schemas;
};

int RunDiscover(DiscoverCliOptions o) {
  std::vector<std::string> schemas;  // empty: the connection's, else all
  if (!o.schemas.empty()) schemas = util::Split(o.schemas, ',');
  auto conn = OpenConnection(o.conn);
  if (!conn.ok()) return ReportError(conn.status());
  auto t0 = std::chrono::steady_clock::now();
  auto streams = (*conn)->Discover(schemas);
  if (!streams.ok()) return ReportError(streams.status());
  std::printf("%s\n", AirbyteCatalogJson(*streams).c_str());
  double secs = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  size_t columns = 0;
  for (const auto& s : *streams) columns += s.columns.size();
  // Listed all the same (marked "readable": false in x_rsx), each with the GRANT it lacks.
  for (const auto& s : *streams) {
    if (s.readable) continue;
    std::string user = QuoteSqlIdentifier(s.db_user.empty() ? "<database user>" : s.db_user);
    std::string schema = QuoteSqlIdentifier(s.schema), table = QuoteSqlIdentifier(s.table);
    std::string warning = s.schema + "." + s.table + ": the database user " + user +
                          " cannot read it; the database administrator can run: GRANT USAGE ON "
                          "SCHEMA " +
                          schema + " TO " + user + "; GRANT SELECT ON " + schema + "." + table +
                          " TO " + user + ";";
    std::fprintf(stderr, "rsx: warning: %s\n", util::TerminalSafe(warning).c_str());
  }
  std::fprintf(stderr, "%zu streams, %zu columns in %.2f s\n", streams->size(), columns, secs);
  return 0;
}

}  // namespace

void AddDiscoverCommand(CLI::App& app, Runner* run) {
  auto o = std::make_shared<DiscoverCliOptions>();
  CLI::App* cmd = app.add_subcommand(
      "discover",
      "Print the catalog as an Airbyte catalog: one stream per table and view\n"
      "(namespace = schema), a JSON Schema per column, primary keys, cursor candidates\n"
      "and row estimates.");
  cmd->add_option("name", o->conn.c.name, "saved connection (or give connection flags)");
  AddConnectionFlags(cmd, &o->conn);
  cmd->add_option("--schemas", o->schemas,
                  "comma-separated schemas (default: the connection's, else all non-system)");
  cmd->callback([run, o] { *run = [o] { return RunDiscover(*o); }; });
}

}  // namespace rsx::cli
