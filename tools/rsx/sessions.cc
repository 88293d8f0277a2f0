// rsx sessions: the Data API sessions of the connection's role (ListSessions, July 2026), such
// as those `rsx query` opens to run several statements.

#include <cstdio>
#include <nlohmann/json.hpp>

#include "commands.h"
#include "connection.h"
#include "rsx/strings.h"

namespace rsx::cli {
namespace {

struct SessionsOptions {
  ConnectionFlags conn;
  std::vector<std::string> positional;
  std::string status;
  bool json = false;
};

std::string Time(double epoch) {
  if (epoch <= 0) return "-";
  return util::FormatIso8601(TimePoint(
      std::chrono::duration_cast<TimePoint::duration>(std::chrono::duration<double>(epoch))));
}

int RunSessions(SessionsOptions o) {
  if (!o.positional.empty()) o.conn.c.name = o.positional[0];
  auto conn = OpenConnection(o.conn);
  if (!conn.ok()) return ReportError(conn.status());
  auto sessions = (*conn)->client().ListSessions(o.status);
  if (!sessions.ok()) return ReportError(sessions.status());
  if (o.json) {
    nlohmann::json out = nlohmann::json::array();
    for (const auto& s : *sessions)
      out.push_back({{"session_id", s.id},
                     {"status", s.status},
                     {"database", s.database},
                     {"db_user", s.db_user},
                     {"workgroup", s.workgroup},
                     {"created_at", Time(s.created_at)},
                     {"updated_at", Time(s.updated_at)},
                     {"closes_at", Time(s.ttl)},
                     {"keep_alive_seconds", s.alive_seconds},
                     {"current_statement_id", s.current_statement_id}});
    std::printf("%s\n", out.dump(2, ' ', false, nlohmann::json::error_handler_t::replace).c_str());
    return 0;
  }
  if (sessions->empty()) {
    std::fprintf(stderr, "no %s sessions\n",
                 o.status.empty() ? "open" : util::ToLower(o.status).c_str());
    return 0;
  }
  std::printf("%-36s  %-9s  %-20s  %-20s  %-10s  %s\n", "SESSION", "STATUS", "CREATED", "CLOSES",
              "KEEP-ALIVE", "CURRENT STATEMENT");
  for (const auto& s : *sessions)
    std::printf("%-36s  %-9s  %-20s  %-20s  %-10s  %s\n", s.id.c_str(), s.status.c_str(),
                Time(s.created_at).c_str(), Time(s.ttl).c_str(),
                (std::to_string(s.alive_seconds) + " s").c_str(), s.current_statement_id.c_str());
  return 0;
}

}  // namespace

void AddSessionsCommand(CLI::App& app, Runner* run) {
  auto o = std::make_shared<SessionsOptions>();
  CLI::App* cmd = app.add_subcommand(
      "sessions",
      "List the Data API sessions of the connection's role on its workgroup and database\n"
      "(ListSessions, the Data API of July 2026; needs redshift-data:ListSessions), such as the\n"
      "ones rsx query opens to run several statements. Open ones by default.");
  cmd->add_option("connection", o->positional, "a saved connection (else flags or RSX_* variables)")
      ->expected(0, 1);
  AddConnectionFlags(cmd, &o->conn);
  cmd->add_option("--status", o->status, "AVAILABLE, BUSY or CLOSED (default: AVAILABLE and BUSY)")
      ->check(CLI::IsMember({"AVAILABLE", "BUSY", "CLOSED"}));
  cmd->add_flag("--json", o->json, "print JSON instead of a table");
  cmd->callback([run, o] { *run = [o] { return RunSessions(*o); }; });
}

}  // namespace rsx::cli
