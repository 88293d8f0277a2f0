// rsx ls: browse databases, schemas, tables and columns.

#include <cstdio>

#include "commands.h"
#include "connection.h"
#include "rsx/strings.h"
#include "rsx/types.h"

namespace rsx::cli {
namespace {

struct LsOptions {
  ConnectionFlags conn;
  std::vector<std::string> positional;
  std::string path;
};

int RunLs(LsOptions o) {
  // One argument is a path when it has a '.' or names no saved connection.
  if (o.positional.size() == 2) {
    o.conn.c.name = o.positional[0];
    o.path = o.positional[1];
  } else if (o.positional.size() == 1) {
    ConnectionFlags probe;
    probe.c.name = o.positional[0];
    if (o.positional[0].find('.') == std::string::npos && ResolveConnection(probe.c).ok())
      o.conn.c.name = o.positional[0];
    else
      o.path = o.positional[0];
  }
  auto parts = o.path.empty() ? std::vector<std::string>{} : util::Split(o.path, '.');
  if (parts.size() > 3 ||
      std::any_of(parts.begin(), parts.end(), [](auto& p) { return p.empty(); }))
    return ReportError(
        Status::InvalidArgument("path '" + o.path + "' must be DB, DB.SCHEMA or DB.SCHEMA.TABLE"));
  if (!parts.empty()) o.conn.c.database = parts[0];
  auto conn = OpenConnection(o.conn);
  if (!conn.ok()) return ReportError(conn.status());
  DataApiClient& c = (*conn)->client();
  if (parts.empty()) {
    auto dbs = c.ListDatabases();
    if (!dbs.ok()) return ReportError(dbs.status());
    for (const auto& d : *dbs) std::printf("%s\n", util::TerminalSafe(d).c_str());
  } else if (parts.size() == 1) {
    auto schemas = c.ListSchemas();
    if (!schemas.ok()) return ReportError(schemas.status());
    for (const auto& s : *schemas) std::printf("%s\n", util::TerminalSafe(s).c_str());
  } else if (parts.size() == 2) {
    auto tables = c.ListTables(parts[1], "");
    if (!tables.ok()) return ReportError(tables.status());
    for (const auto& t : *tables)
      std::printf("%-40s %s\n", util::TerminalSafe(t.name).c_str(),
                  util::TerminalSafe(t.type).c_str());
  } else {
    auto cols = c.DescribeTable(parts[1], parts[2]);
    if (!cols.ok()) return ReportError(cols.status());
    if (cols->empty())
      return ReportError(
          Status::NotFound("no table " + parts[1] + "." + parts[2] + " in database " + parts[0]));
    for (const auto& col : *cols) {
      std::printf("%-32s %-20s %s%s\n", util::TerminalSafe(col.name).c_str(),
                  util::TerminalSafe(ColumnTypeText(col)).c_str(),
                  col.nullable == 0 ? "not null" : "null",
                  col.column_default.empty()
                      ? ""
                      : util::TerminalSafe(" default " + col.column_default).c_str());
    }
  }
  return 0;
}

}  // namespace

void AddLsCommand(CLI::App& app, Runner* run) {
  auto o = std::make_shared<LsOptions>();
  CLI::App* cmd = app.add_subcommand(
      "ls",
      "Browse the workgroup: databases; DB: its schemas; DB.SCHEMA: its tables;\n"
      "DB.SCHEMA.TABLE: its columns with types and nullability.");
  cmd->add_option(
         "connection_and_path", o->positional,
         "[NAME] [PATH]: a saved connection (optional) and DB, DB.SCHEMA or DB.SCHEMA.TABLE")
      ->expected(0, 2);
  AddConnectionFlags(cmd, &o->conn);
  cmd->callback([run, o] { *run = [o] { return RunLs(*o); }; });
}

}  // namespace rsx::cli
