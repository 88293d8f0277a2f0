// rsx as an Airbyte source: spec, check, discover and read (see rsx/protocol.h).

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <nlohmann/json.hpp>
#include <optional>
#include <tuple>

#include "protocol/emit.h"
#include "rsx/files.h"
#include "rsx/protocol.h"
#include "sync/stream_state.h"
#include "util/json_access.h"

namespace rsx::airbyte {
namespace {

using nlohmann::json;
using nlohmann::ordered_json;

long long NowMs() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

Status Emit(const ProtocolIo& io, const ordered_json& m) { return protocol::EmitLine(io.out, m); }

int TraceError(const ProtocolIo& io, const std::string& message, const std::string& failure_type,
               const std::string& internal = "") {
  ordered_json err = {{"message", message}, {"failure_type", failure_type}};
  if (!internal.empty()) err["internal_message"] = internal;
  (void)Emit(io,
             {{"type", "TRACE"},
              {"trace",
               {{"type", "ERROR"}, {"emitted_at", static_cast<double>(NowMs())}, {"error", err}}}});
  return 1;
}

int FromStatus(const ProtocolIo& io, const Status& st) {
  bool config = st.code() == StatusCode::kInvalidArgument || st.code() == StatusCode::kNotFound ||
                st.code() == StatusCode::kPermissionDenied ||
                st.code() == StatusCode::kUnauthenticated;
  return TraceError(io, st.message(), config ? "config_error" : "system_error", st.ToString());
}

Result<std::unique_ptr<Connection>> OpenFromConfig(const ProtocolIo& io, const std::string& path) {
  RSX_ASSIGN_OR_RETURN(ConnectionConfig cfg, LoadConnectionConfigFile(path, io.runtime->env()));
  return Connection::Open(cfg, io.runtime);
}

ordered_json SpecMessage() {
  ordered_json props = {
      {"region",
       {{"type", "string"},
        {"title", "AWS region"},
        {"description", "Region of the workgroup, e.g. eu-west-1"},
        {"pattern", "^[a-z]{2,}(-[a-z0-9]+)*-\\d+$"},
        {"order", 0}}},
      {"workgroup",
       {{"type", "string"},
        {"title", "Workgroup"},
        {"pattern", "^[a-z0-9-]{3,64}$"},
        {"order", 1}}},
      {"database", {{"type", "string"}, {"title", "Database"}, {"order", 2}}},
      {"role_arn",
       {{"type", "string"},
        {"title", "Role ARN"},
        {"description", "The customer's IAM role that rsx assumes"},
        {"pattern", "^arn:aws(-cn|-us-gov)?:iam::\\d{12}:role/.+$"},
        {"order", 3}}},
      {"external_id",
       {{"type", "string"},
        {"title", "External ID"},
        {"description", "Default: the workspace's"},
        {"order", 4}}},
      {"schemas",
       {{"type", "array"}, {"items", {{"type", "string"}}}, {"title", "Schemas"}, {"order", 5}}},
      {"endpoint_url", {{"type", "string"}, {"title", "Data API endpoint override"}, {"order", 6}}},
      {"sts_endpoint_url", {{"type", "string"}, {"title", "STS endpoint override"}, {"order", 7}}},
      {"max_concurrent_statements",
       {{"type", "integer"}, {"minimum", 1}, {"maximum", 200}, {"default", 4}, {"order", 8}}},
      {"statement_timeout_seconds",
       {{"type", "integer"},
        {"minimum", 0},
        {"maximum", 604800},
        {"default", 0},
        {"title", "Statement timeout (seconds)"},
        {"description", "Cancel a statement that runs longer; 0: 1 hour"},
        {"order", 9}}},
      {"allow_insecure_http",
       {{"type", "boolean"},
        {"default", false},
        {"title", "Allow plain http:// endpoints off this machine"},
        {"order", 10}}}};
  return {{"type", "SPEC"},
          {"spec",
           {{"documentationUrl", "https://github.com/rsx/rsx/blob/main/docs/airbyte.md"},
            {"protocol_version", "0.5.2"},
            {"connectionSpecification",
             {{"$schema", "http://json-schema.org/draft-07/schema#"},
              {"title", "Redshift Serverless (rsx)"},
              {"type", "object"},
              {"required", {"region", "workgroup", "database", "role_arn"}},
              {"properties", props}}}}}};
}

int RunCheck(const ProtocolIo& io, const std::string& config_path) {
  auto cfg = LoadConnectionConfigFile(config_path, io.runtime->env());
  if (!cfg.ok()) return FromStatus(io, cfg.status());
  auto conn = Connection::Open(*cfg, io.runtime);
  Status st = conn.ok() ? (*conn)->client().ListSchemas("pg_catalog").status() : conn.status();
  ordered_json status = {{"status", st.ok() ? "SUCCEEDED" : "FAILED"}};
  if (!st.ok()) status["message"] = st.message();
  (void)Emit(io, {{"type", "CONNECTION_STATUS"}, {"connectionStatus", status}});
  return 0;
}

int RunDiscover(const ProtocolIo& io, const std::string& config_path) {
  auto conn = OpenFromConfig(io, config_path);
  if (!conn.ok()) return FromStatus(io, conn.status());
  auto streams = (*conn)->Discover();
  if (!streams.ok()) return FromStatus(io, streams.status());
  (void)Emit(io,
             {{"type", "CATALOG"}, {"catalog", ordered_json::parse(AirbyteCatalogJson(*streams))}});
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
  if (!j.is_array())
    return Status::InvalidArgument(what + ": expected a list of STREAM state messages, found " +
                                   ja::Describe(j));
  for (size_t i = 0; i < j.size(); ++i) {
    const json& m = j[i];
    std::string where = what + "[" + std::to_string(i) + "]";
    RSX_ASSIGN_OR_RETURN(std::string type, ja::String(m, "type", where));
    if (type != "STREAM")
      return Status::InvalidArgument(ja::Path(where, "type") +
                                     ": expected \"STREAM\" (per-stream state), found \"" + type +
                                     "\"");
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
    RSX_ASSIGN_OR_RETURN(std::string ns,
                         ja::OptString(*d, "namespace", dwhere, parsed.stream_namespace));
    if (name.empty() || ns.empty())
      return Status::InvalidArgument(dwhere + ": a stream needs a name and a namespace");
    // A stream named "schema.table" (a table name shared by several schemas) already holds its
    // schema.
    internal["streams"][name.rfind(ns + ".", 0) == 0 ? name : ns + "." + name] = *ss;
  }
  return internal;
}

// The shapes RunRead relies on, checked up front so that no access below can throw.
// A configured stream, read once through the Result accessors (the error names the field).
struct ConfiguredStream {
  std::string name, ns;
  bool incremental = false;
  std::optional<std::vector<std::string>> cursor_field, default_cursor_field;
  std::vector<std::vector<std::string>> primary_key;
  std::optional<std::vector<std::string>> properties;  // json_schema.properties' names
};

Result<std::vector<ConfiguredStream>> ParseConfiguredCatalog(const json& configured,
                                                             const std::string& what) {
  namespace ja = json_access;
  const json& streams = configured["streams"];
  std::vector<ConfiguredStream> out;
  for (size_t i = 0; i < streams.size(); ++i) {
    std::string where = what + ".streams[" + std::to_string(i) + "]";
    const json& cs = streams[i];
    ConfiguredStream c;
    RSX_ASSIGN_OR_RETURN(const json* as, ja::Member(cs, "stream", where));
    std::string swhere = ja::Path(where, "stream");
    if (!as) return Status::InvalidArgument(swhere + ": missing");
    RSX_ASSIGN_OR_RETURN(c.name, ja::String(*as, "name", swhere));
    // A present namespace or sync_mode must be a string (null is not "absent" here).
    for (auto [obj, key, path] :
         {std::tuple{as, "namespace", swhere}, std::tuple{&cs, "sync_mode", where}})
      if (auto it = obj->find(key); it != obj->end() && !it->is_string())
        return Status::InvalidArgument(ja::Path(path, key) + ": expected a string, found " +
                                       ja::Describe(*it));
    RSX_ASSIGN_OR_RETURN(c.ns, ja::OptString(*as, "namespace", swhere));
    RSX_ASSIGN_OR_RETURN(std::string mode, ja::OptString(cs, "sync_mode", where, "full_refresh"));
    if (mode != "full_refresh" && mode != "incremental")
      return Status::InvalidArgument(ja::Path(where, "sync_mode") +
                                     ": expected \"full_refresh\" or \"incremental\", found \"" +
                                     mode + "\"");
    c.incremental = mode == "incremental";
    RSX_ASSIGN_OR_RETURN(c.cursor_field, ja::OptStringList(cs, "cursor_field", where));
    RSX_ASSIGN_OR_RETURN(c.default_cursor_field,
                         ja::OptStringList(*as, "default_cursor_field", swhere));
    RSX_ASSIGN_OR_RETURN(c.primary_key, ja::OptStringListList(cs, "primary_key", where));
    RSX_ASSIGN_OR_RETURN(const json* schema, ja::Member(*as, "json_schema", swhere));
    if (schema) {
      std::string pwhere = ja::Path(ja::Path(swhere, "json_schema"), "properties");
      RSX_ASSIGN_OR_RETURN(const json* props,
                           ja::Member(*schema, "properties", ja::Path(swhere, "json_schema")));
      if (props) {
        RSX_RETURN_IF_ERROR(ja::ExpectObject(*props, pwhere));
        c.properties.emplace();
        for (auto it = props->begin(); it != props->end(); ++it) c.properties->push_back(it.key());
      }
    }
    out.push_back(std::move(c));
  }
  return out;
}

// RECORD, STATE and TRACE STREAM_STATUS messages of a read.
class AirbyteSink : public RecordSink {
 public:
  explicit AirbyteSink(const ProtocolIo& io) : io_(io) {}
  FILE* Output() override { return io_.out; }
  std::string RecordPrefix(const Stream& s) override {
    ordered_json head = {{"stream", s.name}, {"namespace", s.schema}, {"emitted_at", NowMs()}};
    std::string text = head.dump();
    text.pop_back();  // reopen the object to append "data"
    return "{\"type\":\"RECORD\",\"record\":" + text + ",\"data\":";
  }
  std::string RecordSuffix() override { return "}}\n"; }
  Status StreamStatus(const Stream& s, const std::string& status) override {
    ordered_json descriptor = {{"name", s.name}, {"namespace", s.schema}};
    ordered_json stream_status = {{"stream_descriptor", descriptor}, {"status", status}};
    ordered_json trace = {{"type", "STREAM_STATUS"},
                          {"emitted_at", static_cast<double>(NowMs())},
                          {"stream_status", stream_status}};
    return Emit(io_, {{"type", "TRACE"}, {"trace", trace}});
  }
  Status Checkpoint(const Stream& s, const std::string& stream_state, long long records) override {
    auto parsed = ordered_json::parse(stream_state, nullptr, false);  // rsx's own state
    if (parsed.is_discarded())
      return Status::Internal("stream " + s.name + ": the checkpoint is not JSON");
    ordered_json descriptor = {{"name", s.name}, {"namespace", s.schema}};
    ordered_json stream = {{"stream_descriptor", descriptor}, {"stream_state", parsed}};
    // recordCount is a number the protocol prints with a decimal point.
    ordered_json stats = {{"recordCount", static_cast<double>(records)}};
    ordered_json state = {{"type", "STREAM"}, {"stream", stream}, {"sourceStats", stats}};
    return Emit(io_, {{"type", "STATE"}, {"state", state}});
  }

 private:
  const ProtocolIo& io_;
};

int RunRead(const ProtocolIo& io, const std::string& config_path, const std::string& catalog_path,
            const std::string& state_path) {
  auto cfg = LoadConnectionConfigFile(config_path, io.runtime->env());
  if (!cfg.ok()) return FromStatus(io, cfg.status());
  auto catalog_text = ReadTextFile(catalog_path, "catalog");
  if (!catalog_text.ok()) return FromStatus(io, catalog_text.status());
  auto parsed = json_access::Parse(*catalog_text, "the catalog file " + catalog_path);
  if (!parsed.ok()) return FromStatus(io, parsed.status());
  json configured = std::move(*parsed);
  if (!configured.is_object() || !configured.contains("streams") ||
      !configured["streams"].is_array())
    return TraceError(
        io,
        "the catalog file " + catalog_path + " is not a configured catalog ({\"streams\": [...]})",
        "config_error");
  auto parsed_streams = ParseConfiguredCatalog(configured, "the catalog file " + catalog_path);
  if (!parsed_streams.ok()) return FromStatus(io, parsed_streams.status());
  auto state = ParseInputState(state_path);
  if (!state.ok()) return FromStatus(io, state.status());
  auto conn = Connection::Open(*cfg, io.runtime);
  if (!conn.ok()) return FromStatus(io, conn.status());

  std::vector<std::string> schemas;
  for (const auto& cs : *parsed_streams) {
    const std::string& ns = cs.ns;
    if (!ns.empty() && std::find(schemas.begin(), schemas.end(), ns) == schemas.end())
      schemas.push_back(ns);
  }
  auto discovered = (*conn)->Discover(schemas);
  if (!discovered.ok()) return FromStatus(io, discovered.status());

  std::vector<StreamSyncConfig> configs;
  for (const auto& cs : *parsed_streams) {
    const std::string &name = cs.name, &ns = cs.ns;
    const Stream* found = nullptr;
    // The configured name is the table, or "schema.table" when discover had to qualify it.
    for (const auto& s : *discovered)
      if ((s.table == name || s.schema + "." + s.table == name) && s.schema == ns) found = &s;
    if (!found)
      return TraceError(io,
                        "the catalog names stream " + ns + "." + name + ", which does not exist",
                        "config_error");
    StreamSyncConfig c;
    c.stream = *found;
    c.stream.name = name;  // records and states carry the catalog's name
    // Only the columns the configured json_schema lists.
    if (cs.properties) {
      std::vector<ColumnInfo> cols;
      for (const auto& col : found->columns)
        if (std::find(cs.properties->begin(), cs.properties->end(), col.name) !=
            cs.properties->end())
          cols.push_back(col);
      c.stream.columns = cols;
    }
    if (cs.incremental) {
      c.mode = SyncMode::kIncremental;
      std::vector<std::string> field = cs.cursor_field           ? *cs.cursor_field
                                       : cs.default_cursor_field ? *cs.default_cursor_field
                                                                 : std::vector<std::string>{};
      if (field.size() != 1)
        return TraceError(io,
                          "stream " + ns + "." + name + " is incremental but has no cursor_field",
                          "config_error");
      c.cursor = field[0];
      bool has = false;
      for (const auto& col : c.stream.columns) has = has || col.name == c.cursor;
      if (!has)
        return TraceError(io,
                          "stream " + ns + "." + name + " has no cursor column '" + c.cursor + "'",
                          "config_error");
    }
    for (const auto& k : cs.primary_key)
      if (k.size() == 1) c.key.push_back(k[0]);
    for (const auto& k : c.key.empty() ? found->primary_key : c.key) {
      bool has = false;
      for (const auto& col : c.stream.columns) has = has || col.name == k;
      if (!has)
        return TraceError(io,
                          "stream " + ns + "." + name + ": key column '" + k +
                              "' must be in the configured json_schema",
                          "config_error");
    }
    configs.push_back(c);
  }

  AirbyteSink sink(io);
  Status st = protocol::SyncToSink(
      **conn, configs, sink, state->dump(), io,
      "Set the stream's primary_key in the configured catalog to a unique, non-null key");
  return st.ok() ? 0 : FromStatus(io, st);
}

}  // namespace

int Spec(const ProtocolIo& io) {
  (void)Emit(io, SpecMessage());
  return 0;
}
int Check(const ProtocolIo& io, const std::string& config_path) {
  return RunCheck(io, config_path);
}
int Discover(const ProtocolIo& io, const std::string& config_path) {
  return RunDiscover(io, config_path);
}
int Read(const ProtocolIo& io, const std::string& config_path, const std::string& catalog_path,
         const std::string& state_path) {
  return RunRead(io, config_path, catalog_path, state_path);
}

}  // namespace rsx::airbyte
