// ListDatabases, ListSchemas, ListTables and DescribeTable, answered from PostgreSQL's catalog.

#include "engine.h"
#include "rsx/strings.h"

namespace rsx::emu {
namespace {

struct Page {
  long long offset = 0;
  int max = 1000;
};

ApiResult<Page> PageOf(const json& req) {
  Page p;
  p.max = req.value("MaxResults", 0);
  if (p.max < 0 || p.max > 1000) return Validation("MaxResults must be between 0 and 1000.");
  if (p.max == 0) p.max = 1000;
  if (std::string t = req.value("NextToken", ""); !t.empty()) {
    auto raw = util::Base64Decode(t);
    if (!raw.ok() || !util::StartsWith(*raw, "c:")) return Validation("Invalid NextToken.");
    p.offset = std::atoll(raw->c_str() + 2);
  }
  return p;
}

// Runs `sql` with text parameters; rows as vectors of strings.
Result<std::vector<std::vector<std::string>>> Query(PGconn* conn, const std::string& sql,
                                                    const std::vector<std::string>& params) {
  std::vector<const char*> values;
  for (const auto& v : params) values.push_back(v.c_str());
  PgResult r(PQexecParams(conn, sql.c_str(), static_cast<int>(values.size()), nullptr,
                          values.data(), nullptr, nullptr, 0));
  if (PQresultStatus(r.get()) != PGRES_TUPLES_OK) return Status::Internal(PQerrorMessage(conn));
  std::vector<std::vector<std::string>> rows;
  for (int i = 0; i < PQntuples(r.get()); ++i) {
    std::vector<std::string> row;
    for (int c = 0; c < PQnfields(r.get()); ++c) row.push_back(PQgetvalue(r.get(), i, c));
    rows.push_back(std::move(row));
  }
  return rows;
}

// {member: [item(i) for the page's slice of `total` items], NextToken when more remain}.
template <class Item>
json Slice(const Page& p, size_t total, const char* member, Item item) {
  json out = {{member, json::array()}};
  size_t end = std::min(total, static_cast<size_t>(p.offset + p.max));
  for (size_t i = static_cast<size_t>(p.offset); i < end; ++i) out[member].push_back(item(i));
  if (end < total) out["NextToken"] = util::Base64Encode("c:" + std::to_string(end));
  return out;
}

}  // namespace

ApiResult<json> Engine::ListDatabases(const Principal& who, const json& req) {
  auto target = ResolveTarget(req, true);
  if (auto* e = std::get_if<ApiError>(&target)) return *e;
  auto page = PageOf(req);
  if (auto* e = std::get_if<ApiError>(&page)) return *e;
  const auto& dbs = std::get<Target>(target).workgroup->databases;
  Page p = std::get<Page>(page);
  return Slice(p, dbs.size(), "Databases", [&](size_t i) { return json(dbs[i]); });
}

// Runs a catalog query in the request's database and pages its rows.
#define RSX_CATALOG_PREAMBLE                                                                    \
  auto target = ResolveTarget(req, true);                                                       \
  if (auto* e = std::get_if<ApiError>(&target)) return *e;                                      \
  auto page = PageOf(req);                                                                      \
  if (auto* e = std::get_if<ApiError>(&page)) return *e;                                        \
  Page p = std::get<Page>(page);                                                                \
  std::string db = std::get<Target>(target).database;                                           \
  bool known = false;                                                                           \
  for (const auto& d : std::get<Target>(target).workgroup->databases) known = known || d == db; \
  if (!known) return Validation("database \"" + db + "\" does not exist");                      \
  auto conn = Acquire(db);                                                                      \
  if (!conn.ok()) return ApiError{500, "DatabaseConnectionException", "Database Connection Error"};

ApiResult<json> Engine::ListSchemas(const Principal& who, const json& req) {
  RSX_CATALOG_PREAMBLE
  auto rows = Query(conn->get(),
                    "select nspname from pg_namespace where nspname not like 'pg\\_toast%' and "
                    "nspname not like 'pg\\_temp\\_%' and nspname like $1 order by nspname",
                    {req.value("SchemaPattern", "%")});
  Release(db, std::move(*conn));
  if (!rows.ok()) return Validation(rows.status().message());
  return Slice(p, rows->size(), "Schemas", [&](size_t i) { return json((*rows)[i][0]); });
}

ApiResult<json> Engine::ListTables(const Principal& who, const json& req) {
  RSX_CATALOG_PREAMBLE
  auto rows =
      Query(conn->get(),
            "select n.nspname, c.relname, case when n.nspname in ('pg_catalog', "
            "'information_schema') then (case when c.relkind in ('v','m') then 'SYSTEM VIEW' "
            "else 'SYSTEM TABLE' end) when c.relkind in ('v','m') then 'VIEW' else 'TABLE' end "
            "from pg_class c join pg_namespace n on n.oid = c.relnamespace "
            "where c.relkind in ('r','p','v','m','f') and n.nspname not like 'pg\\_toast%' "
            "and n.nspname like $1 and c.relname like $2 order by 1, 2",
            {req.value("SchemaPattern", "%"), req.value("TablePattern", "%")});
  Release(db, std::move(*conn));
  if (!rows.ok()) return Validation(rows.status().message());
  return Slice(p, rows->size(), "Tables", [&](size_t i) {
    return json{{"schema", (*rows)[i][0]}, {"name", (*rows)[i][1]}, {"type", (*rows)[i][2]}};
  });
}

ApiResult<json> Engine::DescribeTable(const Principal& who, const json& req) {
  RSX_CATALOG_PREAMBLE
  auto rows =
      Query(conn->get(),
            "select n.nspname, c.relname, a.attname, a.atttypid::int, a.atttypmod, "
            "a.attnotnull, coalesce(pg_get_expr(d.adbin, d.adrelid), '') "
            "from pg_attribute a join pg_class c on c.oid = a.attrelid "
            "join pg_namespace n on n.oid = c.relnamespace "
            "left join pg_attrdef d on d.adrelid = a.attrelid and d.adnum = a.attnum "
            "where a.attnum > 0 and not a.attisdropped and c.relkind in ('r','p','v','m','f') "
            "and ($1 = '' or n.nspname = $1) and ($2 = '' or c.relname = $2) "
            "order by 1, 2, a.attnum",
            {req.value("Schema", ""), req.value("Table", "")});
  Release(db, std::move(*conn));
  if (!rows.ok()) return Validation(rows.status().message());
  json out = Slice(p, rows->size(), "ColumnList", [&](size_t i) {
    const auto& r = (*rows)[i];
    ColumnMeta m;
    m.schema = r[0];
    m.table = r[1];
    m.name = r[2];
    DescribeType(static_cast<Oid>(std::stoul(r[3])), std::stoi(r[4]), &m);
    m.nullable = r[5] == "t" ? 0 : 1;
    m.column_default = r[6];
    if (m.case_sensitive) m.length = m.precision;
    json j = ColumnMetaJson(m);
    if (!m.column_default.empty()) j["columnDefault"] = m.column_default;
    return j;
  });
  if (!rows->empty()) out["TableName"] = (*rows)[0][1];
  return out;
}

}  // namespace rsx::emu
