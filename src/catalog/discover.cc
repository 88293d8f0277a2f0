#include <algorithm>
#include <atomic>
#include <cstdio>
#include <map>
#include <mutex>
#include <nlohmann/json.hpp>
#include <set>
#include <thread>

#include "decode/page_decoder.h"
#include "rsx/catalog.h"
#include "rsx/statement_runner.h"
#include "rsx/types.h"

namespace rsx {
namespace {

bool IsSystemSchema(const std::string& s) {
  return s == "pg_catalog" || s == "information_schema" || s == "pg_internal" || s == "pg_automv" ||
         s == "catalog_history" || s.rfind("pg_toast", 0) == 0 || s.rfind("pg_temp", 0) == 0;
}

}  // namespace

Result<std::vector<Stream>> Discover(DataApiClient& client, const DiscoverOptions& o) {
  RSX_ASSIGN_OR_RETURN(std::vector<std::string> all_schemas, client.ListSchemas());
  std::vector<std::string> schemas;
  if (o.schemas.empty()) {
    for (const auto& s : all_schemas)
      if (!IsSystemSchema(s)) schemas.push_back(s);
  } else {
    for (const auto& s : o.schemas) {
      if (std::find(all_schemas.begin(), all_schemas.end(), s) == all_schemas.end())
        return Status::NotFound("schema '" + s + "' does not exist in database " +
                                client.target().database);
      schemas.push_back(s);
    }
  }
  std::vector<Stream> streams;
  for (const auto& s : schemas) {
    RSX_ASSIGN_OR_RETURN(std::vector<TableRef> tables, client.ListTables(s, ""));
    for (const auto& t : tables) {
      if (t.schema != s) continue;  // LIKE: '_' in a schema name matches any character
      if (t.type != "TABLE" && t.type != "VIEW") continue;
      if (!o.tables.empty() &&
          std::find(o.tables.begin(), o.tables.end(), t.name) == o.tables.end())
        continue;
      Stream st;
      st.schema = t.schema;
      st.table = t.name;
      st.type = t.type;
      streams.push_back(std::move(st));
    }
  }

  for (const auto& want : o.tables)
    if (std::none_of(streams.begin(), streams.end(),
                     [&](const Stream& st) { return st.table == want; }))
      return Status::NotFound(
          "table '" + want + "' does not exist in " +
          (schemas.size() == 1 ? "schema '" + schemas[0] + "'" : "the schemas read"));
  std::map<std::string, int> table_count;
  for (const auto& s : streams) ++table_count[s.table];
  for (auto& s : streams) s.name = table_count[s.table] > 1 ? s.schema + "." + s.table : s.table;

  // Columns, concurrently.
  std::atomic<size_t> next{0};
  std::mutex mu;
  Status first_error;
  auto work = [&] {
    while (true) {
      size_t i = next++;
      if (i >= streams.size()) return;
      auto cols = client.DescribeTable(streams[i].schema, streams[i].table);
      std::lock_guard<std::mutex> lock(mu);
      if (!cols.ok()) {
        if (first_error.ok())
          first_error = Status(cols.status())
                            .Prepend("describing " + streams[i].schema + "." + streams[i].table);
        next = streams.size();
        return;
      }
      streams[i].columns = std::move(*cols);
    }
  };
  std::vector<std::thread> threads;
  for (int t = 0; t < std::max(1, o.concurrency); ++t) threads.emplace_back(work);
  for (auto& t : threads) t.join();
  RSX_RETURN_IF_ERROR(first_error);

  // Primary keys and row estimates in one statement each.
  std::map<std::pair<std::string, std::string>, Stream*> by_name;
  for (auto& s : streams) by_name[{s.schema, s.table}] = &s;
  // Without primary keys a sync would read whole tables in one statement: a failed lookup is
  // retried, then the run fails rather than quietly losing its chunking.
  // From pg_catalog, not information_schema: information_schema shows a table's constraints
  // only to a user that may do more than SELECT from it (its owner, or one with INSERT,
  // UPDATE, REFERENCES...), so a reader granted SELECT alone would find no keys there and
  // lose its chunking without a word.
  TextRows keys;
  Status key_status;
  for (int attempt = 1; attempt <= 3; ++attempt) {
    keys.rows.clear();
    auto k = RunStatement(
        client,
        "select n.nspname, c.relname, a.attname from pg_constraint k join pg_class c on c.oid = "
        "k.conrelid join pg_namespace n on n.oid = c.relnamespace join pg_attribute a on "
        "a.attrelid = c.oid and a.attnum = any(k.conkey) where k.contype = 'p' order by 1, 2, "
        "a.attnum",
        RunOptions{}, &keys);
    key_status = k.status();
    if (k.ok() || k.status().code() == StatusCode::kCancelled) break;
    std::this_thread::sleep_for(std::chrono::milliseconds(200 * attempt));
  }
  if (!key_status.ok()) return Status(key_status).Prepend("reading the primary keys (3 attempts)");
  for (const auto& r : keys.rows)
    if (r.size() == 3)
      if (auto it = by_name.find({r[0], r[1]}); it != by_name.end())
        it->second->primary_key.push_back(r[2]);
  // Row estimates, and whether the database user may read each table: information_schema
  // hides what it cannot read, pg_class does not, so an unreadable table is shown as such.
  TextRows sizes;
  auto e = RunStatement(
      client,
      "select n.nspname, c.relname, case when c.relkind = 'v' then -1 else c.reltuples::bigint "
      "end, current_user, case when not has_schema_privilege(n.nspname, 'USAGE') then false "
      "else has_table_privilege(quote_ident(n.nspname) || '.' || quote_ident(c.relname), "
      "'SELECT') end from pg_class c join pg_namespace n on n.oid = c.relnamespace where c.relkind "
      "in ('r', "
      "'p', 'm', 'v') and n.nspname not in ('pg_catalog', 'information_schema') and n.nspname "
      "not like 'pg_toast%'",
      RunOptions{}, &sizes);
  if (e.ok()) {
    for (const auto& r : sizes.rows) {
      if (r.size() != 5) continue;
      auto it = by_name.find({r[0], r[1]});
      if (it == by_name.end()) continue;
      long long estimate = std::atoll(r[2].c_str());
      if (estimate >= 0) it->second->row_estimate = estimate;
      it->second->db_user = r[3];
      it->second->readable = r[4] != "false" && r[4] != "f";
    }
  }

  for (auto& s : streams) {
    for (const auto& c : s.columns) {
      RedshiftType t = TypeFromName(c.type_name);
      if (t == RedshiftType::kTimestamp || t == RedshiftType::kTimestampTz ||
          t == RedshiftType::kDate)
        s.cursor_candidates.push_back(c.name);
    }
    for (const auto& c : s.columns) {
      RedshiftType t = TypeFromName(c.type_name);
      bool integer =
          t == RedshiftType::kSmallInt || t == RedshiftType::kInteger || t == RedshiftType::kBigInt;
      if (integer && s.primary_key.size() == 1 && s.primary_key[0] == c.name)
        s.cursor_candidates.push_back(c.name);
    }
  }
  return streams;
}

std::string AirbyteCatalogJson(const std::vector<Stream>& streams) {
  nlohmann::ordered_json out = {{"streams", nlohmann::ordered_json::array()}};
  for (const auto& s : streams) {
    nlohmann::ordered_json props = nlohmann::ordered_json::object();
    for (const auto& c : s.columns) props[c.name] = nlohmann::ordered_json::parse(JsonSchemaFor(c));
    nlohmann::ordered_json st = {{"name", s.name.empty() ? s.table : s.name},
                                 {"namespace", s.schema},
                                 {"json_schema",
                                  {{"$schema", "http://json-schema.org/draft-07/schema#"},
                                   {"type", "object"},
                                   {"properties", props}}},
                                 {"supported_sync_modes", {"full_refresh", "incremental"}},
                                 {"source_defined_cursor", false}};
    if (!s.primary_key.empty()) {
      nlohmann::ordered_json pk = nlohmann::ordered_json::array();
      for (const auto& k : s.primary_key) pk.push_back({k});
      st["source_defined_primary_key"] = pk;
    }
    if (!s.cursor_candidates.empty()) st["default_cursor_field"] = {s.cursor_candidates[0]};
    st["is_resumable"] = true;
    nlohmann::ordered_json extra = {
        {"type", s.type}, {"cursor_candidates", s.cursor_candidates}, {"readable", s.readable}};
    if (s.row_estimate >= 0) extra["row_estimate"] = s.row_estimate;
    st["x_rsx"] = extra;
    out["streams"].push_back(st);
  }
  return out.dump(2);
}

}  // namespace rsx
