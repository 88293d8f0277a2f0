// rsx as a Singer tap (see rsx/protocol.h). Discovery prints a catalog with metadata; sync
// mode emits SCHEMA, RECORD and STATE (the complete state each time) for the selected streams.

#include <chrono>
#include <cstdio>
#include <map>
#include <nlohmann/json.hpp>

#include "protocol/emit.h"
#include "rsx/files.h"
#include "rsx/protocol.h"
#include "rsx/strings.h"
#include "rsx/types.h"
#include "sync/stream_state.h"
#include "util/json_access.h"

namespace rsx::singer {
namespace {

using nlohmann::json;
using nlohmann::ordered_json;

Status Emit(const ProtocolIo& io, const ordered_json& m) { return protocol::EmitLine(io.out, m); }

std::string StreamId(const Stream& s) { return s.schema + "-" + s.table; }

bool Truthy(const json& v) {
  return v.is_boolean() ? v.get_ref<const bool&>()
                        : (v.is_string() && v.get_ref<const std::string&>() == "true");
}

int Fail(const ProtocolIo& io, const Status& st) {
  std::fprintf(io.log, "CRITICAL %s\n", st.message().c_str());
  return st.code() == StatusCode::kInvalidArgument ? 2 : 1;  // 2: bad input, as the CLI
}

// Singer configs conventionally carry start_date and user_agent: accepted and ignored.
Result<ConnectionConfig> Config(const ProtocolIo& io, const std::string& path) {
  return LoadConnectionConfigFile(path, io.runtime->env(), {"start_date", "user_agent"});
}

ordered_json SchemaOf(const Stream& s, const std::vector<ColumnInfo>& cols) {
  ordered_json props = ordered_json::object();
  for (const auto& c : cols) props[c.name] = ordered_json::parse(JsonSchemaFor(c));
  return {{"type", "object"}, {"properties", props}};
}

int RunDiscover(const ProtocolIo& io, const std::string& config_path) {
  auto cfg = Config(io, config_path);
  if (!cfg.ok()) return Fail(io, cfg.status());
  auto conn = Connection::Open(*cfg, io.runtime);
  if (!conn.ok()) return Fail(io, conn.status());
  auto streams = (*conn)->Discover();
  if (!streams.ok()) return Fail(io, streams.status());
  ordered_json out = {{"streams", ordered_json::array()}};
  for (const auto& s : *streams) {
    ordered_json meta = ordered_json::array();
    ordered_json top = {{"inclusion", "available"},
                        {"selected-by-default", false},
                        {"table-key-properties", s.primary_key},
                        {"valid-replication-keys", s.cursor_candidates},
                        {"schema-name", s.schema},
                        {"database-name", cfg->database},
                        {"is-view", s.type == "VIEW"}};
    if (s.row_estimate >= 0) top["row-count"] = s.row_estimate;
    meta.push_back({{"breadcrumb", ordered_json::array()}, {"metadata", top}});
    for (const auto& c : s.columns) {
      bool key =
          std::find(s.primary_key.begin(), s.primary_key.end(), c.name) != s.primary_key.end();
      meta.push_back({{"breadcrumb", {"properties", c.name}},
                      {"metadata",
                       {{"inclusion", key ? "automatic" : "available"},
                        {"sql-datatype", c.type_name},
                        {"selected-by-default", true}}}});
    }
    out["streams"].push_back({{"tap_stream_id", StreamId(s)},
                              {"stream", s.table},
                              {"table_name", s.table},
                              {"schema", SchemaOf(s, s.columns)},
                              {"key_properties", s.primary_key},
                              {"metadata", meta}});
  }
  std::string text = out.dump(2) + "\n";
  std::fwrite(text.data(), 1, text.size(), io.out);
  std::fflush(io.out);
  return 0;
}

// A catalog stream, read once through the Result accessors (the error names the field).
struct SingerColumn {
  std::string inclusion;
  bool selected = false, has_selected = false;
};
struct SingerStream {
  std::string id, schema_name, replication_method = "FULL_TABLE", replication_key;
  bool selected = false;
  std::map<std::string, SingerColumn> columns;
  bool any_column_selection = false;
};

Result<std::vector<SingerStream>> ParseCatalog(const json& catalog, const std::string& what) {
  namespace ja = json_access;
  const json& streams = catalog["streams"];
  std::vector<SingerStream> out;
  for (size_t i = 0; i < streams.size(); ++i) {
    std::string where = what + ".streams[" + std::to_string(i) + "]";
    const json& cs = streams[i];
    SingerStream st;
    if (auto id = cs.find("tap_stream_id"); id != cs.end() && !id->is_string())
      return Status::InvalidArgument(ja::Path(where, "tap_stream_id") +
                                     ": expected a string, found " + ja::Describe(*id));
    RSX_ASSIGN_OR_RETURN(st.id, ja::OptString(cs, "tap_stream_id", where));
    RSX_ASSIGN_OR_RETURN(const json* metadata, ja::Member(cs, "metadata", where));
    std::string mwhere = ja::Path(where, "metadata");
    if (metadata && !metadata->is_array())
      return Status::InvalidArgument(mwhere + ": expected a list, found " +
                                     ja::Describe(*metadata));
    for (size_t j = 0; metadata && j < metadata->size(); ++j) {
      const json& m = (*metadata)[j];
      std::string ewhere = mwhere + "[" + std::to_string(j) + "]";
      RSX_ASSIGN_OR_RETURN(auto breadcrumb, ja::OptStringList(m, "breadcrumb", ewhere));
      RSX_ASSIGN_OR_RETURN(const json* meta, ja::Member(m, "metadata", ewhere));
      std::string inner = ja::Path(ewhere, "metadata");
      if (!meta) return Status::InvalidArgument(inner + ": missing");
      RSX_RETURN_IF_ERROR(ja::ExpectObject(*meta, inner));
      for (const char* key : {"schema-name", "replication-method", "replication-key", "inclusion"})
        if (auto it = meta->find(key); it != meta->end() && !it->is_string())
          return Status::InvalidArgument(ja::Path(inner, key) + ": expected a string, found " +
                                         ja::Describe(*it));
      if (breadcrumb && breadcrumb->size() == 1)
        return Status::InvalidArgument(ja::Path(ewhere, "breadcrumb") +
                                       ": expected [] or [\"properties\", COLUMN]");
      bool has_selected = meta->contains("selected");
      bool selected = has_selected && Truthy((*meta)["selected"]);
      if (!breadcrumb || breadcrumb->empty()) {
        RSX_ASSIGN_OR_RETURN(st.schema_name, ja::OptString(*meta, "schema-name", inner));
        RSX_ASSIGN_OR_RETURN(st.replication_method,
                             ja::OptString(*meta, "replication-method", inner, "FULL_TABLE"));
        RSX_ASSIGN_OR_RETURN(st.replication_key, ja::OptString(*meta, "replication-key", inner));
        st.selected = selected;
      } else if (breadcrumb->size() == 2) {
        SingerColumn& col = st.columns[(*breadcrumb)[1]];
        RSX_ASSIGN_OR_RETURN(col.inclusion, ja::OptString(*meta, "inclusion", inner));
        col.selected = selected;
        col.has_selected = has_selected;
        st.any_column_selection = st.any_column_selection || has_selected;
      }
    }
    out.push_back(std::move(st));
  }
  return out;
}

// The value of a Singer STATE message (or the whole message), with every bookmark checked to
// be a state rsx wrote, so nothing below can throw and no STATE repeats a bad bookmark.
Result<json> SingerState(const std::string& text, const std::string& what) {
  namespace ja = json_access;
  RSX_ASSIGN_OR_RETURN(json value, ja::Parse(text, what));
  std::string where = what;
  if (value.is_array())
    return Status::InvalidArgument(
        what +
        ": expected the value of a Singer STATE message ({\"bookmarks\": {...}}), "
        "found a list (an Airbyte state? use rsx airbyte read)");
  RSX_RETURN_IF_ERROR(ja::ExpectObject(value, what));
  if (value.contains("value") && value.contains("type")) {  // a whole STATE message
    json inner = value["value"];
    value = std::move(inner);
    where = ja::Path(what, "value");
    RSX_RETURN_IF_ERROR(ja::ExpectObject(value, where));
  }
  RSX_ASSIGN_OR_RETURN(const json* bookmarks, ja::Member(value, "bookmarks", where));
  if (!bookmarks) {
    value["bookmarks"] = json::object();
    return value;
  }
  std::string bwhere = ja::Path(where, "bookmarks");
  RSX_RETURN_IF_ERROR(ja::ExpectObject(*bookmarks, bwhere));
  for (auto it = bookmarks->begin(); it != bookmarks->end(); ++it)
    RSX_RETURN_IF_ERROR(ParseStreamState(it.value(), ja::Path(bwhere, it.key())).status());
  return value;
}

// SCHEMA, RECORD and STATE messages (the complete state each time) of a sync.
class SingerSink : public RecordSink {
 public:
  SingerSink(const ProtocolIo& io, const std::vector<StreamSyncConfig>& configs, json value)
      : io_(io), configs_(configs), value_(std::move(value)) {}
  FILE* Output() override { return io_.out; }
  std::string RecordPrefix(const Stream& s) override {
    std::string extracted = util::FormatIso8601(std::chrono::system_clock::now());
    ordered_json head = {
        {"type", "RECORD"}, {"stream", StreamId(s)}, {"time_extracted", extracted}};
    std::string text = head.dump();
    text.pop_back();
    return text + ",\"record\":";
  }
  std::string RecordSuffix() override { return "}\n"; }
  Status StreamStatus(const Stream& s, const std::string& status) override {
    if (status == "STARTED") {
      value_["currently_syncing"] = StreamId(s);
      for (const auto& c : configs_) {
        if (StreamId(c.stream) != StreamId(s)) continue;
        ordered_json schema = {{"type", "SCHEMA"},
                               {"stream", StreamId(s)},
                               {"schema", SchemaOf(s, c.stream.columns)},
                               {"key_properties", s.primary_key}};
        if (c.mode == SyncMode::kIncremental) schema["bookmark_properties"] = {c.cursor};
        RSX_RETURN_IF_ERROR(Emit(io_, schema));
      }
    }
    if (status == "COMPLETE") {
      value_["currently_syncing"] = nullptr;
      return Emit(io_, {{"type", "STATE"}, {"value", value_}});
    }
    return Status::OK();
  }
  Status Checkpoint(const Stream& s, const std::string& stream_state, long long records) override {
    json parsed = json::parse(stream_state, nullptr, false);  // rsx's own state
    if (parsed.is_discarded())
      return Status::Internal("stream " + StreamId(s) + ": the checkpoint is not JSON");
    value_["bookmarks"][StreamId(s)] = std::move(parsed);
    RSX_RETURN_IF_ERROR(
        Emit(io_, {{"type", "STATE"}, {"value", value_}}));  // the complete state, every time
    std::fprintf(io_.log,
                 "INFO METRIC: "
                 "{\"type\":\"counter\",\"metric\":\"record_count\",\"value\":%lld,\"tags\":{"
                 "\"stream\":\"%s\"}}\n",
                 records, StreamId(s).c_str());
    return Status::OK();
  }

 private:
  const ProtocolIo& io_;
  const std::vector<StreamSyncConfig>& configs_;
  json value_;
};

int RunSyncMode(const ProtocolIo& io, const std::string& config_path,
                const std::string& catalog_path, const std::string& state_path) {
  auto cfg = Config(io, config_path);
  if (!cfg.ok()) return Fail(io, cfg.status());
  if (catalog_path.empty())
    return Fail(io, Status::InvalidArgument(
                        "sync mode needs --catalog (run --discover first and select streams)"));
  auto text = ReadTextFile(catalog_path, "catalog");
  if (!text.ok()) return Fail(io, text.status());
  auto parsed = json_access::Parse(*text, "the catalog " + catalog_path);
  if (!parsed.ok()) return Fail(io, parsed.status());
  json catalog = std::move(*parsed);
  if (!catalog.is_object() || !catalog.contains("streams") || !catalog["streams"].is_array())
    return Fail(io, Status::InvalidArgument("the catalog is not {\"streams\": [...]}"));
  auto parsed_streams = ParseCatalog(catalog, "the catalog " + catalog_path);
  if (!parsed_streams.ok()) return Fail(io, parsed_streams.status());
  json value = {{"currently_syncing", nullptr}, {"bookmarks", json::object()}};
  if (!state_path.empty()) {
    auto st = ReadTextFile(state_path, "state");
    if (!st.ok()) return Fail(io, st.status());
    if (st->find_first_not_of(" \n\r\t") != std::string::npos) {
      auto shaped = SingerState(*st, "the state file " + state_path);
      if (!shaped.ok()) return Fail(io, shaped.status());
      value = std::move(*shaped);
    }
  }
  auto conn = Connection::Open(*cfg, io.runtime);
  if (!conn.ok()) return Fail(io, conn.status());
  DiscoverOptions d;
  for (const auto& cs : *parsed_streams) {
    const std::string& schema = cs.schema_name;
    if (!schema.empty() && std::find(d.schemas.begin(), d.schemas.end(), schema) == d.schemas.end())
      d.schemas.push_back(schema);
  }
  auto discovered = (*conn)->Discover(d.schemas);
  if (!discovered.ok()) return Fail(io, discovered.status());

  std::vector<StreamSyncConfig> configs;
  json internal = {{"streams", json::object()}};
  for (const auto& cs : *parsed_streams) {
    const std::string& id = cs.id;
    if (!cs.selected) continue;
    const Stream* found = nullptr;
    for (const auto& s : *discovered)
      if (StreamId(s) == id) found = &s;
    if (!found)
      return Fail(io, Status::InvalidArgument("the catalog selects stream '" + id +
                                              "', which does not exist"));
    StreamSyncConfig c;
    c.stream = *found;
    std::vector<ColumnInfo> cols;
    for (const auto& col : found->columns) {
      auto it = cs.columns.find(col.name);
      SingerColumn cm = it == cs.columns.end() ? SingerColumn{} : it->second;
      bool automatic = cm.inclusion == "automatic";
      bool selected = !cs.any_column_selection || cm.selected;
      if (cm.inclusion != "unsupported" && (automatic || selected)) cols.push_back(col);
    }
    c.stream.columns = cols;
    if (cs.replication_method == "INCREMENTAL") {
      c.mode = SyncMode::kIncremental;
      c.cursor = cs.replication_key;
      bool has = false;
      for (const auto& col : cols) has = has || col.name == c.cursor;
      if (c.cursor.empty() || !has)
        return Fail(io, Status::InvalidArgument("stream '" + id + "': replication-key '" +
                                                c.cursor + "' is not a selected column"));
    }
    if (value["bookmarks"].contains(id))
      internal["streams"][found->schema + "." + found->table] = value["bookmarks"][id];
    configs.push_back(c);
  }

  SingerSink sink(io, configs, std::move(value));
  Status st = protocol::SyncToSink(
      **conn, configs, sink, internal.dump(), io,
      "Singer reads page by the table's declared primary key (table-key-properties): declare a "
      "unique, non-null one, or read this table with rsx sync --primary-key");
  return st.ok() ? 0 : Fail(io, st);
}

}  // namespace

int Discover(const ProtocolIo& io, const std::string& config_path) {
  return RunDiscover(io, config_path);
}
int Sync(const ProtocolIo& io, const std::string& config_path, const std::string& catalog_path,
         const std::string& state_path) {
  return RunSyncMode(io, config_path, catalog_path, state_path);
}

}  // namespace rsx::singer
