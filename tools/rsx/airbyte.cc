// rsx airbyte spec|check|discover|read: rsx as an Airbyte source. Every message is one JSON
// line on stdout; logs go to stderr. Failures emit a TRACE ERROR, then exit non-zero; `check`
// with bad credentials emits CONNECTION_STATUS FAILED and exits 0.

#include <chrono>
#include <cstdio>
#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>
#include <tuple>

#include "commands.h"
#include "connection.h"
#include "rsx/catalog.h"
#include "rsx/sync.h"
#include "rsx/workspace.h"
#include "sync/stream_state.h"
#include "util/json_access.h"

namespace rsx::cli {
namespace {

using nlohmann::ordered_json;
using nlohmann::json;

long long NowMs() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::system_clock::now().time_since_epoch()).count();
}

void Emit(const ordered_json& m) {
  std::string line = m.dump() + "\n";
  std::fwrite(line.data(), 1, line.size(), stdout);
  std::fflush(stdout);
}

int TraceError(const std::string& message, const std::string& failure_type, const std::string& internal = "") {
  ordered_json err = {{"message", message}, {"failure_type", failure_type}};
  if (!internal.empty()) err["internal_message"] = internal;
  Emit({{"type", "TRACE"}, {"trace", {{"type", "ERROR"}, {"emitted_at", static_cast<double>(NowMs())}, {"error", err}}}});
  return 1;
}

int FromStatus(const Status& st) {
  bool config = st.code() == StatusCode::kInvalidArgument || st.code() == StatusCode::kNotFound ||
                st.code() == StatusCode::kPermissionDenied || st.code() == StatusCode::kUnauthenticated;
  return TraceError(st.message(), config ? "config_error" : "system_error", st.ToString());
}

Result<ConnectionFlags> FlagsFromConfig(const std::string& path, ConnectionConfig* c = nullptr) {
  ConnectionConfig ignored;
  return FlagsFromConfigFile(path, c ? c : &ignored);
}

ordered_json Spec() {
  ordered_json props = {
      {"region", {{"type", "string"}, {"title", "AWS region"}, {"description", "Region of the workgroup, e.g. eu-west-1"}, {"pattern", "^[a-z]{2,}(-[a-z0-9]+)*-\\d+$"}, {"order", 0}}},
      {"workgroup", {{"type", "string"}, {"title", "Workgroup"}, {"pattern", "^[a-z0-9-]{3,64}$"}, {"order", 1}}},
      {"database", {{"type", "string"}, {"title", "Database"}, {"order", 2}}},
      {"role_arn", {{"type", "string"}, {"title", "Role ARN"}, {"description", "The customer's IAM role that rsx assumes"}, {"pattern", "^arn:aws(-cn|-us-gov)?:iam::\\d{12}:role/.+$"}, {"order", 3}}},
      {"external_id", {{"type", "string"}, {"title", "External ID"}, {"description", "Default: the workspace's"}, {"order", 4}}},
      {"schemas", {{"type", "array"}, {"items", {{"type", "string"}}}, {"title", "Schemas"}, {"order", 5}}},
      {"endpoint_url", {{"type", "string"}, {"title", "Data API endpoint override"}, {"order", 6}}},
      {"sts_endpoint_url", {{"type", "string"}, {"title", "STS endpoint override"}, {"order", 7}}},
      {"max_concurrent_statements", {{"type", "integer"}, {"minimum", 1}, {"maximum", 200}, {"default", 4}, {"order", 8}}},
      {"statement_timeout_seconds", {{"type", "integer"}, {"minimum", 0}, {"maximum", 604800}, {"default", 0}, {"title", "Statement timeout (seconds)"}, {"description", "Cancel a statement that runs longer; 0: 1 hour"}, {"order", 9}}},
      {"allow_insecure_http", {{"type", "boolean"}, {"default", false}, {"title", "Allow plain http:// endpoints off this machine"}, {"order", 10}}}};
  return {{"type", "SPEC"},
          {"spec", {{"documentationUrl", "https://github.com/rsx/rsx/blob/main/docs/airbyte.md"},
                    {"protocol_version", "0.5.2"},
                    {"connectionSpecification",
                     {{"$schema", "http://json-schema.org/draft-07/schema#"},
                      {"title", "Redshift Serverless (rsx)"},
                      {"type", "object"},
                      {"required", {"region", "workgroup", "database", "role_arn"}},
                      {"properties", props}}}}}};
}

struct AirbyteOptions {
  std::string config, catalog, state;
};

int RunCheck(const AirbyteOptions& o) {
  auto f = FlagsFromConfig(o.config);
  if (!f.ok()) return FromStatus(f.status());
  auto client = OpenClient(*f);
  Status st = client.ok() ? (*client)->ListSchemas("pg_catalog").status() : client.status();
  ordered_json status = {{"status", st.ok() ? "SUCCEEDED" : "FAILED"}};
  if (!st.ok()) status["message"] = st.message();
  Emit({{"type", "CONNECTION_STATUS"}, {"connectionStatus", status}});
  return 0;
}

int RunDiscoverCmd(const AirbyteOptions& o) {
  ConnectionConfig cfg;
  auto f = FlagsFromConfig(o.config, &cfg);
  if (!f.ok()) return FromStatus(f.status());
  auto client = OpenClient(*f);
  if (!client.ok()) return FromStatus(client.status());
  DiscoverOptions d;
  d.schemas = cfg.schemas;
  d.concurrency = f->max_concurrent_statements;
  auto streams = Discover(**client, d);
  if (!streams.ok()) return FromStatus(streams.status());
  Emit({{"type", "CATALOG"}, {"catalog", ordered_json::parse(AirbyteCatalogJson(*streams))}});
  return 0;
}

// Input state: an array of STREAM state messages, a legacy object, {} or []. Returns rsx's
// internal {"streams": {"schema.table": stream_state}}.
Result<json> ParseInputState(const std::string& path) {
  namespace ja = json_access;
  json internal = {{"streams", json::object()}};
  if (path.empty()) return internal;
  RSX_ASSIGN_OR_RETURN(std::string text, ReadTextFile(path, "state"));
  if (text.find_first_not_of(" \n\r\t") == std::string::npos) return internal;
  std::string what = "the state file " + path;
  RSX_ASSIGN_OR_RETURN(json j, ja::Parse(text, what));
  if (j.is_object() && j.empty()) return internal;
  if (!j.is_array()) return Status::InvalidArgument(what + ": expected a list of STREAM state messages, found " + ja::Describe(j));
  for (size_t i = 0; i < j.size(); ++i) {
    const json& m = j[i];
    std::string where = what + "[" + std::to_string(i) + "]";
    RSX_ASSIGN_OR_RETURN(std::string type, ja::String(m, "type", where));
    if (type != "STREAM")
      return Status::InvalidArgument(ja::Path(where, "type") + ": expected \"STREAM\" (per-stream state), found \"" + type + "\"");
    RSX_ASSIGN_OR_RETURN(const json* s, ja::Member(m, "stream", where));
    std::string swhere = ja::Path(where, "stream");
    if (!s) return Status::InvalidArgument(swhere + ": missing");
    RSX_ASSIGN_OR_RETURN(const json* d, ja::Member(*s, "stream_descriptor", swhere));
    std::string dwhere = ja::Path(swhere, "stream_descriptor");
    if (!d) return Status::InvalidArgument(dwhere + ": missing");
    RSX_ASSIGN_OR_RETURN(const json* ss, ja::Member(*s, "stream_state", swhere));
    if (!ss) continue;  // a reset
    std::string sswhere = ja::Path(swhere, "stream_state");
    RSX_ASSIGN_OR_RETURN(StreamState parsed, ParseStreamState(*ss, sswhere));
    RSX_ASSIGN_OR_RETURN(std::string name, ja::String(*d, "name", dwhere));
    RSX_ASSIGN_OR_RETURN(std::string ns, ja::OptString(*d, "namespace", dwhere, parsed.stream_namespace));
    if (name.empty() || ns.empty()) return Status::InvalidArgument(dwhere + ": a stream needs a name and a namespace");
    // A stream named "schema.table" (a table name shared by several schemas) already holds its schema.
    internal["streams"][name.rfind(ns + ".", 0) == 0 ? name : ns + "." + name] = *ss;
  }
  return internal;
}

// The shapes RunRead relies on, checked up front so that no access below can throw.
Status CheckConfiguredCatalog(const json& configured, const std::string& what) {
  namespace ja = json_access;
  const json& streams = configured["streams"];
  for (size_t i = 0; i < streams.size(); ++i) {
    std::string where = what + ".streams[" + std::to_string(i) + "]";
    const json& cs = streams[i];
    RSX_ASSIGN_OR_RETURN(const json* as, ja::Member(cs, "stream", where));
    std::string swhere = ja::Path(where, "stream");
    if (!as) return Status::InvalidArgument(swhere + ": missing");
    RSX_RETURN_IF_ERROR(ja::String(*as, "name", swhere).status());
    // RunRead reads these with value(), which throws on null: a present one must be a string.
    for (auto [obj, key, path] : {std::tuple{as, "namespace", swhere}, std::tuple{&cs, "sync_mode", where}})
      if (auto it = obj->find(key); it != obj->end() && !it->is_string())
        return Status::InvalidArgument(ja::Path(path, key) + ": expected a string, found " + ja::Describe(*it));
    RSX_ASSIGN_OR_RETURN(std::string mode, ja::OptString(cs, "sync_mode", where, "full_refresh"));
    if (mode != "full_refresh" && mode != "incremental")
      return Status::InvalidArgument(ja::Path(where, "sync_mode") + ": expected \"full_refresh\" or \"incremental\", found \"" + mode + "\"");
    RSX_RETURN_IF_ERROR(ja::OptStringList(cs, "cursor_field", where).status());
    RSX_RETURN_IF_ERROR(ja::OptStringList(*as, "default_cursor_field", swhere).status());
    RSX_RETURN_IF_ERROR(ja::OptStringListList(cs, "primary_key", where).status());
    RSX_ASSIGN_OR_RETURN(const json* schema, ja::Member(*as, "json_schema", swhere));
    if (schema) {
      RSX_ASSIGN_OR_RETURN(const json* props, ja::Member(*schema, "properties", ja::Path(swhere, "json_schema")));
      if (props) RSX_RETURN_IF_ERROR(ja::ExpectObject(*props, ja::Path(ja::Path(swhere, "json_schema"), "properties")));
    }
  }
  return Status::OK();
}

int RunRead(const AirbyteOptions& o) {
  auto interrupted = InstallInterruptHandler();
  auto f = FlagsFromConfig(o.config);
  if (!f.ok()) return FromStatus(f.status());
  auto catalog_text = ReadTextFile(o.catalog, "catalog");
  if (!catalog_text.ok()) return FromStatus(catalog_text.status());
  json configured = json::parse(*catalog_text, nullptr, false);
  if (configured.is_discarded() || !configured.is_object() || !configured.contains("streams") ||
      !configured["streams"].is_array())
    return TraceError("the catalog file " + o.catalog + " is not a configured catalog ({\"streams\": [...]})", "config_error");
  if (Status shape = CheckConfiguredCatalog(configured, "the catalog file " + o.catalog); !shape.ok())
    return FromStatus(shape);
  auto state = ParseInputState(o.state);
  if (!state.ok()) return FromStatus(state.status());
  auto client = OpenClient(*f);
  if (!client.ok()) return FromStatus(client.status());

  std::vector<std::string> schemas;
  for (const auto& cs : configured["streams"]) {
    std::string ns = cs.value("stream", json::object()).value("namespace", "");
    if (!ns.empty() && std::find(schemas.begin(), schemas.end(), ns) == schemas.end()) schemas.push_back(ns);
  }
  DiscoverOptions d;
  d.schemas = schemas;
  d.concurrency = f->max_concurrent_statements;
  auto discovered = Discover(**client, d);
  if (!discovered.ok()) return FromStatus(discovered.status());

  std::vector<StreamSyncConfig> configs;
  for (const auto& cs : configured["streams"]) {
    const json& as = cs.value("stream", json::object());
    std::string name = as.value("name", ""), ns = as.value("namespace", "");
    const Stream* found = nullptr;
    // The configured name is the table, or "schema.table" when discover had to qualify it.
    for (const auto& s : *discovered)
      if ((s.table == name || s.schema + "." + s.table == name) && s.schema == ns) found = &s;
    if (!found) return TraceError("the catalog names stream " + ns + "." + name + ", which does not exist", "config_error");
    StreamSyncConfig c;
    c.stream = *found;
    c.stream.name = name;  // records and states carry the catalog's name
    // Only the columns the configured json_schema lists.
    if (as.contains("json_schema") && as["json_schema"].contains("properties")) {
      std::vector<ColumnInfo> cols;
      for (const auto& col : found->columns)
        if (as["json_schema"]["properties"].contains(col.name)) cols.push_back(col);
      c.stream.columns = cols;
    }
    if (cs.value("sync_mode", "full_refresh") == "incremental") {
      c.mode = SyncMode::kIncremental;
      // Shapes checked by CheckConfiguredCatalog.
      auto configured_field = json_access::OptStringList(cs, "cursor_field", "");
      auto default_field = json_access::OptStringList(as, "default_cursor_field", "");
      std::vector<std::string> field = configured_field.ok() && *configured_field ? **configured_field
                                       : default_field.ok() && *default_field ? **default_field
                                                                              : std::vector<std::string>{};
      if (field.size() != 1)
        return TraceError("stream " + ns + "." + name + " is incremental but has no cursor_field", "config_error");
      c.cursor = field[0];
      bool has = false;
      for (const auto& col : c.stream.columns) has = has || col.name == c.cursor;
      if (!has) return TraceError("stream " + ns + "." + name + " has no cursor column '" + c.cursor + "'", "config_error");
    }
    for (const auto& k : cs.value("primary_key", json::array()))
      if (k.is_array() && k.size() == 1) c.key.push_back(k[0]);
    for (const auto& k : c.key.empty() ? found->primary_key : c.key) {
      bool has = false;
      for (const auto& col : c.stream.columns) has = has || col.name == k;
      if (!has) return TraceError("stream " + ns + "." + name + ": key column '" + k + "' must be in the configured json_schema", "config_error");
    }
    configs.push_back(c);
  }

  SyncOptions so;
  so.format = "protocol";
  so.messages = stdout;
  so.record_prefix = [](const Stream& s) {
    ordered_json head = {{"stream", s.name}, {"namespace", s.schema}, {"emitted_at", NowMs()}};
    std::string text = head.dump();
    text.pop_back();  // reopen the object to append "data"
    return "{\"type\":\"RECORD\",\"record\":" + text + ",\"data\":";
  };
  so.record_suffix = "}}\n";
  so.interrupted = interrupted;
  if (f->statement_timeout_seconds > 0) so.statement_timeout = std::chrono::seconds(f->statement_timeout_seconds);
  so.initial_state = state->dump();
  so.stream_status = [](const Stream& s, const std::string& status) {
    ordered_json descriptor = {{"name", s.name}, {"namespace", s.schema}};
    ordered_json stream_status = {{"stream_descriptor", descriptor}, {"status", status}};
    ordered_json trace = {{"type", "STREAM_STATUS"}, {"emitted_at", static_cast<double>(NowMs())},
                          {"stream_status", stream_status}};
    Emit({{"type", "TRACE"}, {"trace", trace}});
  };
  so.checkpoint = [](const Stream& s, const std::string& stream_state, long long records) -> Status {
    ordered_json descriptor = {{"name", s.name}, {"namespace", s.schema}};
    ordered_json stream = {{"stream_descriptor", descriptor}, {"stream_state", ordered_json::parse(stream_state)}};
    // recordCount is a number the protocol prints with a decimal point.
    ordered_json stats = {{"recordCount", static_cast<double>(records)}};
    ordered_json state = {{"type", "STREAM"}, {"stream", stream}, {"sourceStats", stats}};
    Emit({{"type", "STATE"}, {"state", state}});
    return Status::OK();
  };
  auto results = RunSync(**client, configs, so);
  if (!results.ok()) return FromStatus(results.status());
  return 0;
}

}  // namespace

void AddAirbyteCommand(CLI::App& app, Runner* run) {
  auto o = std::make_shared<AirbyteOptions>();
  CLI::App* group = app.add_subcommand(
      "airbyte", "rsx as an Airbyte source: spec, check, discover and read, speaking the Airbyte\n"
                 "protocol (one JSON message per line on stdout). The config is a connection object\n"
                 "(see `rsx connections show`).");
  group->require_subcommand(1);
  CLI::App* spec = group->add_subcommand("spec", "Print the connector specification.");
  spec->callback([run] { *run = [] { Emit(Spec()); return 0; }; });
  CLI::App* check = group->add_subcommand("check", "CONNECTION_STATUS for --config.");
  check->add_option("--config", o->config, "config JSON file")->required();
  check->callback([run, o] { *run = [o] { return RunCheck(*o); }; });
  CLI::App* disc = group->add_subcommand("discover", "CATALOG for --config.");
  disc->add_option("--config", o->config, "config JSON file")->required();
  disc->callback([run, o] { *run = [o] { return RunDiscoverCmd(*o); }; });
  CLI::App* read = group->add_subcommand("read", "RECORD, STATE and TRACE messages for the configured catalog.");
  read->add_option("--config", o->config, "config JSON file")->required();
  read->add_option("--catalog", o->catalog, "configured catalog JSON file")->required();
  read->add_option("--state", o->state, "state JSON file (array of STREAM state messages)");
  read->callback([run, o] { *run = [o] { return RunRead(*o); }; });
}

}  // namespace rsx::cli
