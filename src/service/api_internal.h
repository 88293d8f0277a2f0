#pragma once
// Shared by the API's files: the request a handler sees, the reply it gives, errors with their
// HTTP status, and checked readers of request bodies.

#include <map>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "service/api.h"

namespace rsx::service::api {

using nlohmann::json;

struct Call {
  std::string method, path;
  std::vector<std::string> params;  // the path's ids, in order
  std::map<std::string, std::string> query;
  std::string org_id;  // the caller's organization (empty for admin calls)
  json body;           // the parsed body (POST/PATCH), an object
};

struct Reply {
  Reply() = default;
  Reply(int s, json b) : status(s), body(std::move(b)) {}
  int status = 200;
  json body;                      // null: no body (204)
  std::string raw, content_type;  // a file's bytes instead of JSON
};

// An error the client sees as {"error": {"code", "message", "field"}} with `http` status.
Status HttpError(int http, const std::string& code, const std::string& message,
                 const std::string& field = "");
// 404 "not_found" for an id that is not the caller's (whether it exists elsewhere or not).
Status NotFound(const std::string& what);

// Body readers: the error names the field (400 for a wrong type or unknown field).
Status OnlyFields(const json& obj, const std::vector<const char*>& allowed,
                  const std::string& where);
Result<std::string> GetString(const json& obj, const char* key, const std::string& where,
                              bool required, size_t max_len = 1024);
Result<long long> GetInt(const json& obj, const char* key, const std::string& where, long long def,
                         long long lo, long long hi);
Result<bool> GetBool(const json& obj, const char* key, const std::string& where, bool def);
Result<std::vector<std::string>> GetStrings(const json& obj, const char* key,
                                            const std::string& where);
std::string FieldPath(const std::string& where, const std::string& key);
// The page size of a list call: ?limit= (1-200, default 50); the error names "limit".
Result<int> PageLimit(const Call& call);

// A list answer: {"items": [...], "next": cursor or null}.
Reply PageReply(json items, const std::string& next);
// A delete's answer: 204, or 404 naming `what` for an id that is not the caller's.
Result<Reply> Deleted(const Status& st, const std::string& what);

// An error from the library or AWS as the client sees it: 422/404 for what the client asked,
// 502 "aws_error" (with AWS's error code) for the rest; `doing` says what failed.
Status Upstream(const Status& st, const std::string& doing);
// The caller's organization (401 when it is gone) and its connection named by the path's id.
Result<Organization> CallerOrg(ApiContext& ctx, const Call& call);
Result<ConnectionRecord> OwnConnection(ApiContext& ctx, const Call& call);

// The resource handlers (api_resources.cc).
Result<Reply> CreateOrganization(ApiContext& ctx, Call& call);
Result<Reply> GetOrganization(ApiContext& ctx, Call& call);
Result<Reply> CreateApiKey(ApiContext& ctx, Call& call);
Result<Reply> ListApiKeys(ApiContext& ctx, Call& call);
Result<Reply> RevokeApiKey(ApiContext& ctx, Call& call);
Result<Reply> CreateConnection(ApiContext& ctx, Call& call);
Result<Reply> ListConnections(ApiContext& ctx, Call& call);
Result<Reply> GetConnection(ApiContext& ctx, Call& call);
Result<Reply> PatchConnection(ApiContext& ctx, Call& call);
Result<Reply> DeleteConnection(ApiContext& ctx, Call& call);
Result<Reply> TestConnection(ApiContext& ctx, Call& call);
Result<Reply> TestUnsavedConnection(ApiContext& ctx, Call& call);
Result<Reply> ConnectionCatalog(ApiContext& ctx, Call& call);
Result<Reply> ConnectionBrowse(ApiContext& ctx, Call& call);
// api_syncs.cc
Result<Reply> CreateSync(ApiContext& ctx, Call& call);
Result<Reply> ListSyncs(ApiContext& ctx, Call& call);
Result<Reply> GetSync(ApiContext& ctx, Call& call);
Result<Reply> PatchSync(ApiContext& ctx, Call& call);
Result<Reply> DeleteSync(ApiContext& ctx, Call& call);
Result<Reply> StartRun(ApiContext& ctx, Call& call);
Result<Reply> ListRuns(ApiContext& ctx, Call& call);
Result<Reply> GetRun(ApiContext& ctx, Call& call);
Result<Reply> CancelRun(ApiContext& ctx, Call& call);
Result<Reply> RunLogs(ApiContext& ctx, Call& call);
Result<Reply> PreviewSchedule(ApiContext& ctx, Call& call);
// api_queries.cc
Result<Reply> CreateQuery(ApiContext& ctx, Call& call);
Result<Reply> GetQuery(ApiContext& ctx, Call& call);
Result<Reply> CancelQuery(ApiContext& ctx, Call& call);
Result<Reply> ListFiles(ApiContext& ctx, Call& call);
Result<Reply> GetFile(ApiContext& ctx, Call& call);

}  // namespace rsx::service::api
