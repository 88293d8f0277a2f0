// rsx check: can rsx do its job with this connection? First the role, then each of the nine
// permissions with a harmless call; a table of granted/denied with AWS's message and the
// policy lines to add; then, inside the database, what the role's database user may read and
// the GRANT lines that would fix the rest. Exit 0 only when everything is granted.

#include <cstdio>

#include "commands.h"
#include "connection.h"
#include "rsx/strings.h"

namespace rsx::cli {

namespace {
// Lines of text for a terminal: each line made safe, the newlines kept.
std::string TerminalLines(const std::string& text) {
  std::string out;
  size_t at = 0;
  while (at < text.size()) {
    size_t nl = text.find('\n', at);
    size_t end = nl == std::string::npos ? text.size() : nl;
    out += util::TerminalSafe(std::string_view(text).substr(at, end - at));
    if (nl == std::string::npos) break;
    out += '\n';
    at = nl + 1;
  }
  return out;
}

struct CheckOptions {
  ConnectionFlags conn;
  bool json = false;
};

int RunCheck(CheckOptions o) {
  auto cfg = ResolveConnection(o.conn.c);
  if (!cfg.ok()) return ReportError(cfg.status());
  if (cfg->workgroup.empty() || cfg->database.empty() || cfg->role_arn.empty() ||
      cfg->region.empty())
    return ReportError(
        Status::InvalidArgument("rsx check needs a saved connection (rsx check NAME) or --region, "
                                "--workgroup, --database and --role-arn"));
  CheckReport r = CheckConnection(*cfg, *ProcessRuntime(o.conn.profile));
  const ConnectionConfig& f = *cfg;
  std::string name = f.name.empty() ? "NAME" : f.name;
  if (o.json) {
    std::printf("%s\n", CheckReportJson(r, f).c_str());
    return r.ok() ? 0 : 1;
  }
  if (!r.operator_arn.empty())
    std::printf("✓ base credentials: %s (account %s, from %s)\n", r.operator_arn.c_str(),
                r.operator_account.c_str(), r.operator_provider.c_str());
  if (!r.assumed_arn.empty())
    std::printf("✓ assumed %s (external ID %s)\n", r.assumed_arn.c_str(), f.external_id.c_str());
  if (!r.failed_stage.empty()) {
    std::printf("✗ %s\n", r.failed_stage.c_str());
    std::fflush(stdout);
    ReportError(r.error);
    return 1;  // a failed check, whatever the cause
  }
  std::printf("\n%-38s %-8s %s\n", "permission", "result", "AWS said");
  for (const auto& p : r.permissions)
    std::printf("%-38s %-8s %s\n", p.action.c_str(), PermissionResult::Name(p.outcome),
                util::TerminalSafe(p.message.substr(0, 160)).c_str());
  const DatabaseAccess& d = r.database;
  if (d.checked) {
    std::printf("\ndatabase %s, as the database user %s:\n", util::TerminalSafe(f.database).c_str(),
                util::TerminalSafe(d.user).c_str());
    std::printf("%-32s %-6s %s\n", "schema", "USAGE", "tables readable (SELECT)");
    for (const auto& s : d.schemas) {
      size_t n = s.readable.size() + s.unreadable.size();
      std::printf("%-32s %-6s %zu of %zu", util::TerminalSafe(s.schema).c_str(),
                  s.usage ? "yes" : "no", s.readable.size(), n);
      if (!s.unreadable.empty()) {
        std::printf("; cannot read:");
        for (size_t i = 0; i < s.unreadable.size() && i < 10; ++i)
          std::printf(" %s", util::TerminalSafe(s.unreadable[i]).c_str());
        if (s.unreadable.size() > 10) std::printf(" and %zu more", s.unreadable.size() - 10);
      }
      std::printf("\n");
    }
    if (d.schemas.empty()) std::printf("(no schema to read)\n");
    if (std::string fix = d.FixSql(); !fix.empty())
      std::printf(
          "\nThe database administrator runs, in database %s (as a superuser or the tables' "
          "owner):\n%s",
          util::TerminalSafe(f.database).c_str(), TerminalLines(fix).c_str());
  } else if (!d.error.ok()) {
    std::printf("\n✗ database privileges: %s\n", util::TerminalSafe(d.error.message()).c_str());
  }
  if (r.ok()) {
    std::printf("\n✓ everything rsx needs is granted\n");
    return 0;
  }
  auto missing = r.Missing();
  if (!missing.empty()) {
    std::printf("\nAdd to the role's permission policy:\n  \"Action\": [");
    for (size_t i = 0; i < missing.size(); ++i)
      std::printf("%s\"%s\"", i ? ", " : "", missing[i].c_str());
    std::printf("]\n(or print the whole policy with `rsx policy %s`)\n", name.c_str());
  }
  return 1;
}

}  // namespace

void AddCheckCommand(CLI::App& app, Runner* run) {
  auto o = std::make_shared<CheckOptions>();
  CLI::App* cmd = app.add_subcommand(
      "check",
      "Check a connection: base credentials, assuming the role with the external ID,\n"
      "then each of the nine permissions with a harmless call, then what the role's database\n"
      "user (IAMR:<role>) may read in the database, with the GRANT lines for what it cannot.\n"
      "Exit 0 only when all hold.");
  cmd->add_option("name", o->conn.c.name, "saved connection (or give connection flags)");
  AddConnectionFlags(cmd, &o->conn);
  cmd->add_flag("--json", o->json, "print the result as JSON");
  cmd->callback([run, o] { *run = [o] { return RunCheck(*o); }; });
}

}  // namespace rsx::cli
