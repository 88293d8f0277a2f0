#pragma once
// Discovery: the workgroup's tables and views as streams, each with its columns, a JSON Schema
// per column (from the one type map), primary keys, cursor candidates and a row estimate.
// Printed as an Airbyte catalog.

#include <string>
#include <vector>

#include "rsx/data_api.h"

namespace rsx {

struct Stream {
  std::string schema, table, type;  // type: TABLE or VIEW
  // The stream's name in catalogs: the table name, or "schema.table" when that table name
  // exists in more than one discovered schema (stream names must be unique).
  std::string name;
  std::vector<ColumnInfo> columns;
  std::vector<std::string> primary_key;
  std::vector<std::string> cursor_candidates;  // timestamps and dates, then integer keys
  long long row_estimate = -1;                 // -1: unknown
  // Whether the database user may read it (USAGE on the schema and SELECT on it); true when
  // that could not be checked. db_user is that user (IAMR:<role>), when known.
  bool readable = true;
  std::string db_user;
};

struct DiscoverOptions {
  std::vector<std::string> schemas;  // empty: every schema except the system ones
  std::vector<std::string> tables;   // empty: every table and view of those schemas
  int concurrency = 4;               // DescribeTable calls at once
};

// Reads the catalog with ListSchemas, ListTables and DescribeTable (every page), one statement
// for primary keys (tried 3 times; still failing, Discover fails: a sync without keys would
// lose its chunking) and one for row estimates and what the database user may read (skipped
// when it fails). An unknown schema in
// `schemas` is kNotFound naming it; so is a name in `tables` found in none of the schemas.
Result<std::vector<Stream>> Discover(DataApiClient& client, const DiscoverOptions& options);

// {"streams": [...]} in the Airbyte protocol's AirbyteCatalog shape; namespace = schema,
// name = table.
std::string AirbyteCatalogJson(const std::vector<Stream>& streams);

}  // namespace rsx
