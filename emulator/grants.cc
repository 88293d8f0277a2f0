#include "grants.h"

#include "pg.h"
#include "rsx/policy.h"

namespace rsx::emu {

namespace {

std::string Literal(const std::string& s) {
  std::string out = "'";
  for (char c : s) {
    if (c == '\'') out += '\'';
    out += c;
  }
  return out + "'";
}

}  // namespace

Status EnsureDatabaseUser(PGconn* conn, const std::string& db_user) {
  // Concurrent first uses race on the catalog: the loser's duplicate is ignored.
  auto r = Exec(conn, "DO $rsx$ BEGIN IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = " +
                          Literal(db_user) + ") THEN CREATE ROLE " + QuoteIdent(db_user) +
                          " NOLOGIN; END IF; EXCEPTION WHEN duplicate_object OR unique_violation "
                          "THEN NULL; END $rsx$");
  return r.ok() ? Status::OK() : r.status();
}

Status PrepareDatabase(PGconn* conn, const EmulatorConfig& config) {
  if (auto r = Exec(conn, "GRANT USAGE, CREATE ON SCHEMA public TO PUBLIC"); !r.ok())
    return Status(r.status()).Prepend("granting public to every user");
  for (const RoleConfig& role : config.roles) {
    auto user = DatabaseUserFor(role.arn);
    if (!user.ok()) return user.status();
    RSX_RETURN_IF_ERROR(EnsureDatabaseUser(conn, *user));
    if (role.grant_all) {
      if (auto r = Exec(conn, "GRANT pg_read_all_data, pg_write_all_data TO " + QuoteIdent(*user));
          !r.ok())
        return Status(r.status()).Prepend("granting every schema to " + *user);
      continue;
    }
    for (const std::string& schema : role.grant_schemas) {
      auto exists = Exec(conn, "SELECT 1 FROM pg_namespace WHERE nspname = " + Literal(schema));
      if (!exists.ok()) return exists.status();
      if (PQntuples(exists->get()) == 0) continue;  // not in this database
      if (auto r = Exec(conn, GrantSql(*user, {schema})); !r.ok())
        return Status(r.status()).Prepend("granting schema " + schema + " to " + *user);
    }
  }
  return Status::OK();
}

std::string RedshiftWords(std::string message) {
  static const char* const kKinds[] = {"table ", "view ", "materialized view ", "sequence ",
                                       "foreign table "};
  const std::string denied = "permission denied for ";
  size_t at = message.find(denied);
  if (at == std::string::npos) return message;
  for (const char* kind : kKinds) {
    std::string k = kind;
    if (message.compare(at + denied.size(), k.size(), k) == 0) {
      message.replace(at + denied.size(), k.size(), "relation ");
      break;
    }
  }
  return message;
}

}  // namespace rsx::emu
