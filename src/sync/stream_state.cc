#include "sync/stream_state.h"

#include "rsx/strings.h"
#include "util/json_access.h"

namespace rsx {

namespace ja = json_access;
using nlohmann::json;

Result<StreamState> ParseStreamState(const json& v, const std::string& where) {
  RSX_RETURN_IF_ERROR(ja::ExpectObject(v, where));
  // rsx never writes null: a null member is a damaged state, not an absent one.
  for (auto it = v.begin(); it != v.end(); ++it)
    if (it->is_null()) return Status::InvalidArgument(ja::Path(where, it.key()) + ": found null");
  StreamState s;
  RSX_ASSIGN_OR_RETURN(std::string mode, ja::OptString(v, "mode", where, "full_refresh"));
  if (mode != "full_refresh" && mode != "incremental")
    return Status::InvalidArgument(ja::Path(where, "mode") +
                                   ": expected \"full_refresh\" or \"incremental\", found \"" +
                                   mode + "\"");
  s.incremental = mode == "incremental";
  RSX_ASSIGN_OR_RETURN(s.cursor, ja::OptString(v, "cursor", where));
  RSX_ASSIGN_OR_RETURN(s.key_columns, ja::OptStringList(v, "key_columns", where));
  RSX_ASSIGN_OR_RETURN(s.columns, ja::OptStringList(v, "columns", where));
  RSX_ASSIGN_OR_RETURN(s.complete, ja::OptBool(v, "complete", where, false));
  RSX_ASSIGN_OR_RETURN(s.rows, ja::OptInt(v, "rows", where, 0));
  RSX_ASSIGN_OR_RETURN(auto key, ja::OptStringList(v, "key", where));
  if (key) s.key = std::move(*key);
  RSX_ASSIGN_OR_RETURN(const json* bc, ja::Member(v, "boundary_cursor", where));
  if (bc) {
    if (!bc->is_string())
      return Status::InvalidArgument(ja::Path(where, "boundary_cursor") +
                                     ": expected a string, found " + ja::Describe(*bc));
    s.boundary_cursor = bc->get_ref<const std::string&>();
  }
  RSX_ASSIGN_OR_RETURN(const json* bk, ja::Member(v, "boundary_keys", where));
  if (bk && bk->is_array() && !bk->empty() && (*bk)[0].is_string()) {
    // Before typed keys: each key's values joined with \x1f, one after each value.
    for (size_t i = 0; i < bk->size(); ++i) {
      const json& e = (*bk)[i];
      if (!e.is_string())
        return Status::InvalidArgument(ja::Path(where, "boundary_keys") + "[" + std::to_string(i) +
                                       "]: expected a string like the others, found " +
                                       ja::Describe(e));
      auto parts = util::Split(e.get_ref<const std::string&>(), '\x1f');
      if (!parts.empty() && parts.back().empty()) parts.pop_back();
      s.boundary_keys.push_back(std::move(parts));
    }
  } else {
    RSX_ASSIGN_OR_RETURN(s.boundary_keys, ja::OptStringListList(v, "boundary_keys", where));
  }
  RSX_ASSIGN_OR_RETURN(s.file_bytes, ja::OptInt(v, "file_bytes", where, -1));
  if (s.rows < 0)
    return Status::InvalidArgument(ja::Path(where, "rows") + ": expected a count of 0 or more");
  if (s.file_bytes < -1)
    return Status::InvalidArgument(ja::Path(where, "file_bytes") +
                                   ": expected a length of 0 or more");
  RSX_ASSIGN_OR_RETURN(s.stream_namespace, ja::OptString(v, "stream_namespace", where));
  RSX_ASSIGN_OR_RETURN(const json* un, ja::Member(v, "unload", where));
  if (un) {
    std::string w = ja::Path(where, "unload");
    RSX_RETURN_IF_ERROR(ja::ExpectObject(*un, w));
    UnloadProgress u;
    RSX_ASSIGN_OR_RETURN(u.prefix, ja::OptString(*un, "prefix", w));
    if (u.prefix.rfind("s3://", 0) != 0 || u.prefix.back() != '/')
      return Status::InvalidArgument(ja::Path(w, "prefix") +
                                     ": expected s3://bucket/prefix/, found \"" + u.prefix + "\"");
    RSX_ASSIGN_OR_RETURN(u.statement_id, ja::OptString(*un, "statement_id", w));
    RSX_ASSIGN_OR_RETURN(u.unloaded, ja::OptBool(*un, "unloaded", w, false));
    RSX_ASSIGN_OR_RETURN(u.entries_done, ja::OptInt(*un, "entries_done", w, 0));
    RSX_ASSIGN_OR_RETURN(u.start_bytes, ja::OptInt(*un, "start_bytes", w, 0));
    RSX_ASSIGN_OR_RETURN(u.start_rows, ja::OptInt(*un, "start_rows", w, 0));
    if (u.entries_done < 0 || u.start_bytes < 0 || u.start_rows < 0)
      return Status::InvalidArgument(w +
                                     ": entries_done, start_bytes and start_rows are counts "
                                     "of 0 or more");
    RSX_ASSIGN_OR_RETURN(const json* up, ja::Member(*un, "upper", w));
    if (up) {
      if (!up->is_string())
        return Status::InvalidArgument(ja::Path(w, "upper") + ": expected a string, found " +
                                       ja::Describe(*up));
      u.upper = up->get_ref<const std::string&>();
    }
    RSX_ASSIGN_OR_RETURN(u.upper_keys, ja::OptStringListList(*un, "upper_keys", w));
    s.unload = std::move(u);
  }
  if (s.key_columns && !s.key.empty() && s.key.size() != s.key_columns->size())
    return Status::InvalidArgument(ja::Path(where, "key") + ": holds " +
                                   std::to_string(s.key.size()) + " values for " +
                                   std::to_string(s.key_columns->size()) + " key columns");
  return s;
}

json StreamStateJson(const StreamState& s) {
  json j = {{"mode", s.incremental ? "incremental" : "full_refresh"},
            {"cursor", s.cursor},
            {"complete", s.complete},
            {"rows", s.rows}};
  if (s.key_columns) j["key_columns"] = *s.key_columns;
  if (s.columns) j["columns"] = *s.columns;
  if (!s.key.empty()) j["key"] = s.key;
  if (s.boundary_cursor) {
    j["boundary_cursor"] = *s.boundary_cursor;
    j["boundary_keys"] = s.boundary_keys;
  }
  if (s.file_bytes >= 0) j["file_bytes"] = s.file_bytes;
  if (!s.stream_namespace.empty()) j["stream_namespace"] = s.stream_namespace;
  if (s.unload) {
    const UnloadProgress& u = *s.unload;
    json un = {{"prefix", u.prefix},
               {"unloaded", u.unloaded},
               {"entries_done", u.entries_done},
               {"start_bytes", u.start_bytes},
               {"start_rows", u.start_rows}};
    if (!u.statement_id.empty()) un["statement_id"] = u.statement_id;
    if (u.upper) {
      un["upper"] = *u.upper;
      un["upper_keys"] = u.upper_keys;
    }
    j["unload"] = std::move(un);
  }
  return j;
}

Result<SyncState> ParseSyncState(const std::string& text, const std::string& what) {
  SyncState st;
  RSX_ASSIGN_OR_RETURN(st.doc, ja::Parse(text, what));
  RSX_ASSIGN_OR_RETURN(const json* streams, ja::Member(st.doc, "streams", what));
  if (!streams)
    return Status::InvalidArgument(what + ": missing \"streams\" (expected the JSON rsx writes)");
  RSX_RETURN_IF_ERROR(ja::ExpectObject(*streams, what + ".streams"));
  for (auto it = streams->begin(); it != streams->end(); ++it) {
    RSX_RETURN_IF_ERROR(
        ParseStreamState(it.value(), ja::Path(what + ".streams", it.key())).status());
  }
  return st;
}

}  // namespace rsx
