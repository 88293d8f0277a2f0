// The API's plumbing: routing, authentication, bodies, errors, idempotency, the access log,
// /healthz and /metrics. The resources are in api_resources.cc and api_syncs.cc.

#include "service/api.h"

#include <httplib.h>

#include <chrono>
#include <regex>

#include "rsx/crypto.h"
#include "rsx/strings.h"
#include "service/api_internal.h"
#include "service/console.h"
#include "service/keys.h"
#include "util/json_access.h"

namespace rsx::service {
namespace api {

Status HttpError(int http, const std::string& code, const std::string& message,
                 const std::string& field) {
  Status st(http >= 500 ? StatusCode::kInternal : StatusCode::kInvalidArgument, message);
  st.WithDetail("serve.http", std::to_string(http)).WithDetail("serve.code", code);
  if (!field.empty()) st.WithDetail("serve.field", field);
  return st;
}

Status NotFound(const std::string& what) {
  return HttpError(404, "not_found", what + " not found");
}

std::string FieldPath(const std::string& where, const std::string& key) {
  return where.empty() ? key : where + "." + key;
}

Status OnlyFields(const json& obj, const std::vector<const char*>& allowed,
                  const std::string& where) {
  if (!obj.is_object())
    return HttpError(400, "invalid_type",
                     (where.empty() ? std::string("the body") : where) + " must be an object",
                     where);
  for (auto it = obj.begin(); it != obj.end(); ++it) {
    bool known = false;
    for (const char* a : allowed) known = known || it.key() == a;
    if (!known) {
      std::string f = FieldPath(where, it.key());
      return HttpError(400, "unknown_field", "unknown field \"" + f + "\"", f);
    }
  }
  return Status::OK();
}

Result<std::string> GetString(const json& obj, const char* key, const std::string& where,
                              bool required, size_t max_len) {
  std::string f = FieldPath(where, key);
  auto it = obj.find(key);
  if (it == obj.end() || it->is_null()) {
    if (required) return HttpError(400, "missing_field", f + " is required", f);
    return std::string();
  }
  if (!it->is_string())
    return HttpError(400, "invalid_type",
                     f + " must be a string, found " + json_access::Describe(*it), f);
  const std::string& s = it->get_ref<const std::string&>();
  if (required && s.empty()) return HttpError(422, "invalid_value", f + " must not be empty", f);
  if (s.size() > max_len)
    return HttpError(422, "invalid_value",
                     f + " is longer than " + std::to_string(max_len) + " bytes", f);
  return s;
}

Result<long long> GetInt(const json& obj, const char* key, const std::string& where, long long def,
                         long long lo, long long hi) {
  std::string f = FieldPath(where, key);
  auto it = obj.find(key);
  if (it == obj.end() || it->is_null()) return def;
  if (!it->is_number_integer())
    return HttpError(400, "invalid_type",
                     f + " must be an integer, found " + json_access::Describe(*it), f);
  long long v = 0;
  if (!it->is_number_unsigned()) {
    v = it->get_ref<const json::number_integer_t&>();
  } else {
    auto u = it->get_ref<const json::number_unsigned_t&>();
    v = u > static_cast<unsigned long long>(hi) ? hi + 1 : static_cast<long long>(u);
  }
  if (v < lo || v > hi)
    return HttpError(422, "out_of_range",
                     f + " must be between " + std::to_string(lo) + " and " + std::to_string(hi),
                     f);
  return v;
}

Result<bool> GetBool(const json& obj, const char* key, const std::string& where, bool def) {
  std::string f = FieldPath(where, key);
  auto it = obj.find(key);
  if (it == obj.end() || it->is_null()) return def;
  if (!it->is_boolean())
    return HttpError(400, "invalid_type",
                     f + " must be true or false, found " + json_access::Describe(*it), f);
  return it->get_ref<const json::boolean_t&>();
}

Result<std::vector<std::string>> GetStrings(const json& obj, const char* key,
                                            const std::string& where) {
  std::string f = FieldPath(where, key);
  std::vector<std::string> out;
  auto it = obj.find(key);
  if (it == obj.end() || it->is_null()) return out;
  if (!it->is_array())
    return HttpError(400, "invalid_type",
                     f + " must be a list of strings, found " + json_access::Describe(*it), f);
  if (it->size() > 100) return HttpError(422, "invalid_value", f + " has more than 100 items", f);
  for (size_t i = 0; i < it->size(); ++i) {
    const json& v = (*it)[i];
    std::string fi = f + "[" + std::to_string(i) + "]";
    if (!v.is_string() || v.get_ref<const std::string&>().empty() ||
        v.get_ref<const std::string&>().size() > 1024)
      return HttpError(400, "invalid_type", fi + " must be a non-empty string", fi);
    out.push_back(v.get_ref<const std::string&>());
  }
  return out;
}

Result<int> PageLimit(const Call& call) {
  auto it = call.query.find("limit");
  if (it == call.query.end()) return 50;
  const std::string& v = it->second;
  if (v.empty() || v.size() > 3 || v.find_first_not_of("0123456789") != std::string::npos ||
      std::stoi(v) < 1 || std::stoi(v) > 200)
    return HttpError(400, "invalid_value", "limit must be a number from 1 to 200", "limit");
  return std::stoi(v);
}

Reply PageReply(json items, const std::string& next) {
  return Reply{200,
               {{"items", std::move(items)}, {"next", next.empty() ? json(nullptr) : json(next)}}};
}

Result<Reply> Deleted(const Status& st, const std::string& what) {
  if (st.code() == StatusCode::kNotFound) return NotFound(what);
  RSX_RETURN_IF_ERROR(st);
  return Reply{204, nullptr};
}

}  // namespace api

namespace {

using api::Call;
using api::json;
using api::Reply;
using Handler = Result<Reply> (*)(ApiContext&, Call&);

enum class Auth { kNone, kAdmin, kOrganization };

struct Route {
  const char* method;
  std::regex pattern;
  Auth auth;
  Handler handler;
  bool body;  // POST/PATCH with a JSON body
};

std::string ErrorBody(const std::string& code, const std::string& message,
                      const std::string& field) {
  json e = {{"code", code}, {"message", message}};
  e["field"] = field.empty() ? json(nullptr) : json(field);
  return json({{"error", e}}).dump(-1, ' ', false, json::error_handler_t::replace);
}

int HttpStatusOf(const Status& st, std::string* code) {
  std::string http = st.detail("serve.http");
  *code = st.detail("serve.code");
  if (!http.empty()) return std::stoi(http);
  switch (st.code()) {
    case StatusCode::kInvalidArgument:
      *code = "invalid_request";
      return 422;
    case StatusCode::kNotFound:
      *code = "not_found";
      return 404;
    case StatusCode::kConflict:
      *code = "conflict";
      return 409;
    case StatusCode::kUnauthenticated:
      *code = "unauthenticated";
      return 401;
    case StatusCode::kThrottled:
      *code = "throttled";
      return 429;
    case StatusCode::kUnavailable:
    case StatusCode::kTimeout:
      *code = "unavailable";
      return 503;
    default:
      *code = "internal";
      return 500;
  }
}

class Api {
 public:
  explicit Api(ApiContext& ctx) : ctx_(ctx) {
    using namespace api;
    const char* id = "([A-Za-z0-9_-]{1,64})";
    auto add = [&](const char* m, std::string p, Auth a, Handler h, bool body = false) {
      for (size_t at; (at = p.find("{id}")) != std::string::npos;) p.replace(at, 4, id);
      routes_.push_back({m, std::regex(p), a, h, body});
    };
    add("POST", "/api/v1/organizations", Auth::kAdmin, CreateOrganization, true);
    add("GET", "/api/v1/organization", Auth::kOrganization, GetOrganization);
    add("POST", "/api/v1/api-keys", Auth::kOrganization, CreateApiKey, true);
    add("GET", "/api/v1/api-keys", Auth::kOrganization, ListApiKeys);
    add("DELETE", "/api/v1/api-keys/{id}", Auth::kOrganization, RevokeApiKey);
    add("POST", "/api/v1/connections", Auth::kOrganization, CreateConnection, true);
    add("GET", "/api/v1/connections", Auth::kOrganization, ListConnections);
    add("POST", "/api/v1/connections/test", Auth::kOrganization, TestUnsavedConnection, true);
    add("GET", "/api/v1/connections/{id}", Auth::kOrganization, GetConnection);
    add("PATCH", "/api/v1/connections/{id}", Auth::kOrganization, PatchConnection, true);
    add("DELETE", "/api/v1/connections/{id}", Auth::kOrganization, DeleteConnection);
    add("POST", "/api/v1/connections/{id}/test", Auth::kOrganization, TestConnection);
    add("GET", "/api/v1/connections/{id}/catalog", Auth::kOrganization, ConnectionCatalog);
    add("GET", "/api/v1/connections/{id}/(databases|schemas|tables|columns)", Auth::kOrganization,
        ConnectionBrowse);
    add("POST", "/api/v1/syncs", Auth::kOrganization, CreateSync, true);
    add("GET", "/api/v1/syncs", Auth::kOrganization, ListSyncs);
    add("GET", "/api/v1/syncs/{id}", Auth::kOrganization, GetSync);
    add("PATCH", "/api/v1/syncs/{id}", Auth::kOrganization, PatchSync, true);
    add("DELETE", "/api/v1/syncs/{id}", Auth::kOrganization, DeleteSync);
    add("POST", "/api/v1/syncs/{id}/runs", Auth::kOrganization, StartRun);
    add("GET", "/api/v1/syncs/{id}/runs", Auth::kOrganization, ListRuns);
    add("GET", "/api/v1/syncs/{id}/files", Auth::kOrganization, ListFiles);
    add("GET", "/api/v1/syncs/{id}/files/([^/]{1,255})", Auth::kOrganization, GetFile);
    add("GET", "/api/v1/runs/{id}", Auth::kOrganization, GetRun);
    add("POST", "/api/v1/runs/{id}/cancel", Auth::kOrganization, CancelRun);
    add("GET", "/api/v1/runs/{id}/logs", Auth::kOrganization, RunLogs);
    add("POST", "/api/v1/schedules/preview", Auth::kOrganization, PreviewSchedule, true);
    add("POST", "/api/v1/connections/{id}/queries", Auth::kOrganization, CreateQuery, true);
    add("GET", "/api/v1/queries/{id}", Auth::kOrganization, GetQuery);
    add("POST", "/api/v1/queries/{id}/cancel", Auth::kOrganization, CancelQuery);
  }

  void Handle(const httplib::Request& req, httplib::Response& res) {
    auto t0 = std::chrono::steady_clock::now();
    std::string org;
    Result<Reply> reply = Dispatch(req, &org);
    int status;
    if (reply.ok()) {
      status = reply->status;
      if (!reply->raw.empty() || !reply->content_type.empty()) {
        res.set_content(reply->raw, reply->content_type.c_str());
      } else if (!reply->body.is_null()) {
        res.set_content(reply->body.dump(-1, ' ', false, json::error_handler_t::replace),
                        "application/json");
      }
    } else {
      std::string code;
      status = HttpStatusOf(reply.status(), &code);
      std::string message = reply.status().message();
      if (status >= 500 && reply.status().detail("serve.http").empty()) {
        ctx_.options.log("rsx serve: " + req.method + " " + req.path + ": " +
                         reply.status().ToString());
        message = "internal error";
      }
      res.set_content(ErrorBody(code, message, reply.status().detail("serve.field")),
                      "application/json");
      if (status == 401) res.set_header("WWW-Authenticate", "Bearer");
      if (status == 429) res.set_header("Retry-After", "1");
    }
    res.status = status;
    res.set_header("Cache-Control", "no-store");
    res.set_header("X-Content-Type-Options", "nosniff");
    res.set_header("Content-Security-Policy", "default-src 'none'; frame-ancestors 'none'");
    AccessLog(req, status, org, t0);
  }

  void AccessLog(const httplib::Request& req, int status, const std::string& org,
                 std::chrono::steady_clock::time_point t0) {
    {
      std::lock_guard<std::mutex> lock(ctx_.metrics.mu);
      ++ctx_.metrics.http[req.method + " " + std::to_string(status)];
    }
    double ms =
        std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - t0).count();
    // The path only (ids, no query string), never a header: no secret reaches the log. ASCII
    // only (\uXXXX beyond), so a client's path cannot put a control character, C1 ones included,
    // on the operator's terminal.
    json line = {{"time", Rfc3339(NowMillis())},
                 {"method", req.method},
                 {"path", req.path},
                 {"status", status},
                 {"ms", static_cast<long long>(ms * 1000) / 1000.0},
                 {"org", org}};
    ctx_.options.log(line.dump(-1, ' ', true, json::error_handler_t::replace));
  }

 private:
  Result<Reply> Dispatch(const httplib::Request& req, std::string* org) {
    const Route* route = nullptr;
    std::smatch m;
    bool path_known = false;
    for (const Route& r : routes_) {
      if (!std::regex_match(req.path, m, r.pattern)) continue;
      path_known = true;
      if (req.method == r.method) {
        route = &r;
        break;
      }
    }
    if (!route) {
      if (path_known)
        return api::HttpError(405, "method_not_allowed", req.method + " is not allowed here");
      return api::HttpError(404, "not_found", "no such endpoint: " + req.path);
    }
    Call call;
    call.method = req.method;
    call.path = req.path;
    for (size_t i = 1; i < m.size(); ++i) call.params.push_back(m[i].str());
    for (const auto& [k, v] : req.params) call.query[k] = v;
    RSX_RETURN_IF_ERROR(Authenticate(req, route->auth, &call));
    *org = call.org_id;
    if (!call.org_id.empty() && !Allow(call.org_id))
      return api::HttpError(429, "rate_limited",
                            "more than " +
                                std::to_string(static_cast<long long>(ctx_.options.rate_limit)) +
                                " requests per second for this organization: retry after a second");
    if (route->body) {
      if (req.body.empty())
        return api::HttpError(400, "invalid_json", "the request needs a JSON object body");
      auto body = json_access::Parse(req.body, "the request body");
      if (!body.ok()) return api::HttpError(400, "invalid_json", body.status().message());
      if (!body->is_object())
        return api::HttpError(400, "invalid_json", "the request body must be a JSON object");
      call.body = std::move(*body);
    }
    std::string idem = req.get_header_value("Idempotency-Key");
    if (req.method != "POST" || idem.empty()) return route->handler(ctx_, call);
    return Idempotent(req, route, call, idem);
  }

  // A retried POST with the same key gets the first answer for 24 hours; the same key with a
  // different request is refused.
  Result<Reply> Idempotent(const httplib::Request& req, const Route* route, Call& call,
                           const std::string& key) {
    if (key.size() > 255)
      return api::HttpError(400, "invalid_value", "Idempotency-Key is longer than 255 bytes",
                            "Idempotency-Key");
    std::string scope = call.org_id.empty() ? "admin" : call.org_id;
    std::string fingerprint = req.method + " " + req.path + " " + crypto::Sha256Hex(req.body);
    int64_t now = NowMillis();
    std::lock_guard<std::mutex> lock(idem_mu_);  // one request per key at a time
    RSX_ASSIGN_OR_RETURN(auto seen, ctx_.store.GetIdempotent(scope, key, now - 24LL * 3600 * 1000));
    if (seen) {
      if (seen->fingerprint != fingerprint)
        return api::HttpError(422, "idempotency_key_reused",
                              "this Idempotency-Key was used for a different request",
                              "Idempotency-Key");
      auto body = json_access::Parse(seen->body, "stored answer");
      Reply r;
      r.status = seen->status;
      if (body.ok()) r.body = std::move(*body);
      return r;
    }
    Result<Reply> reply = route->handler(ctx_, call);
    if (reply.ok() && reply->status < 300) {
      IdempotentReply stored{fingerprint, reply->status,
                             reply->body.dump(-1, ' ', false, json::error_handler_t::replace)};
      RSX_RETURN_IF_ERROR(ctx_.store.PutIdempotent(scope, key, now, stored));
    }
    return reply;
  }

  Status Authenticate(const httplib::Request& req, Auth auth, Call* call) {
    if (auth == Auth::kNone) return Status::OK();
    std::string header = req.get_header_value("Authorization");
    if (!util::StartsWith(header, "Bearer "))
      return api::HttpError(401, "unauthenticated",
                            "send Authorization: Bearer <key> (an API key, or for this call the "
                            "admin token)");
    std::string token = header.substr(7);
    if (auth == Auth::kAdmin) {
      if (ctx_.options.admin_token.empty() || !SecretEquals(token, ctx_.options.admin_token))
        return api::HttpError(401, "unauthenticated", "the admin token is not valid");
      return Status::OK();
    }
    std::string key_id, secret;
    if (!ParseApiKey(token, &key_id, &secret))
      return api::HttpError(401, "unauthenticated", "the API key is not valid");
    auto key = ctx_.store.FindApiKey(key_id);
    if (!key.ok() || key->revoked_at != 0 || !KeyMatches(*key, secret))
      return api::HttpError(401, "unauthenticated", "the API key is not valid or was revoked");
    call->org_id = key->org_id;
    return Status::OK();
  }

  // A token bucket per organization (this process's share of its requests).
  bool Allow(const std::string& org) {
    double rate = ctx_.options.rate_limit;
    if (rate <= 0) return true;
    auto now = std::chrono::steady_clock::now();
    std::lock_guard<std::mutex> lock(bucket_mu_);
    auto [it, fresh] = buckets_.try_emplace(org, 2 * rate, now);
    auto& [tokens, last] = it->second;
    tokens = std::min(2 * rate, tokens + rate * std::chrono::duration<double>(now - last).count());
    last = now;
    if (tokens < 1) return false;
    tokens -= 1;
    return true;
  }

  ApiContext& ctx_;
  std::vector<Route> routes_;
  std::mutex idem_mu_;
  std::mutex bucket_mu_;
  std::map<std::string, std::pair<double, std::chrono::steady_clock::time_point>> buckets_;
};

std::string MetricsText(ApiContext& ctx) {
  std::string out;
  out += "# HELP rsx_runs Runs in the store by status.\n# TYPE rsx_runs gauge\n";
  if (auto counts = ctx.store.CountRunsByStatus(); counts.ok()) {
    for (const char* s : {"queued", "running", "succeeded", "failed", "cancelled"}) {
      auto it = counts->find(s);
      out += std::string("rsx_runs{status=\"") + s + "\"} " +
             std::to_string(it == counts->end() ? 0 : it->second) + "\n";
    }
  }
  auto counter = [&](const char* name, const char* help, long long v) {
    out += std::string("# HELP ") + name + " " + help + "\n# TYPE " + name + " counter\n" + name +
           " " + std::to_string(v) + "\n";
  };
  counter("rsx_rows_synced_total", "Rows written by runs of this process.", ctx.metrics.rows);
  counter("rsx_bytes_synced_total", "Bytes written by runs of this process.", ctx.metrics.bytes);
  counter("rsx_statements_total", "Data API statements of finished streams.",
          ctx.metrics.statements);
  counter("rsx_runs_started_total", "Runs this process started.", ctx.metrics.runs_started);
  const HttpCallStats& aws = ctx.options.runtime->http_stats();
  counter("rsx_aws_requests_total", "HTTP requests to AWS.", aws.calls.load());
  out +=
      "# HELP rsx_aws_request_seconds_total Time spent in requests to AWS.\n"
      "# TYPE rsx_aws_request_seconds_total counter\nrsx_aws_request_seconds_total " +
      std::to_string(aws.nanos.load() / 1e9) + "\n";
  out +=
      "# HELP rsx_http_requests_total API requests by method and status.\n"
      "# TYPE rsx_http_requests_total counter\n";
  std::lock_guard<std::mutex> lock(ctx.metrics.mu);
  for (const auto& [k, v] : ctx.metrics.http) {
    size_t sp = k.find(' ');
    out += "rsx_http_requests_total{method=\"" + k.substr(0, sp) + "\",status=\"" +
           k.substr(sp + 1) + "\"} " + std::to_string(v) + "\n";
  }
  return out;
}

}  // namespace

void RegisterApi(httplib::Server& server, ApiContext& ctx) {
  auto api = std::make_shared<Api>(ctx);
  auto handle = [api](const httplib::Request& req, httplib::Response& res) {
    api->Handle(req, res);
  };
  server.Get("/healthz", [&ctx](const httplib::Request&, httplib::Response& res) {
    res.set_content(
        "{\"status\":\"ok\",\"schema_version\":" + std::to_string(ctx.store.SchemaVersion()) + "}",
        "application/json");
  });
  server.Get("/metrics", [&ctx](const httplib::Request&, httplib::Response& res) {
    res.set_content(MetricsText(ctx), "text/plain; version=0.0.4");
  });
  server.Get("/api/v1/openapi.json", [&ctx](const httplib::Request&, httplib::Response& res) {
    res.set_content(ctx.openapi_json, "application/json");
  });
  RegisterConsole(server);
  server.Get(".*", handle);
  server.Post(".*", handle);
  server.Patch(".*", handle);
  server.Delete(".*", handle);
  server.Put(".*", handle);
  server.set_error_handler([](const httplib::Request& req, httplib::Response& res) {
    if (!res.body.empty()) return;
    if (res.status == 413)
      res.set_content(ErrorBody("payload_too_large", "the request body is too large", ""),
                      "application/json");
    else if (res.status >= 400)
      res.set_content(ErrorBody("bad_request",
                                "the request could not be read (a POST without a body still needs "
                                "Content-Length: 0)",
                                ""),
                      "application/json");
  });
  server.set_exception_handler(
      [&ctx](const httplib::Request& req, httplib::Response& res, std::exception_ptr) {
        ctx.options.log("rsx serve: unexpected exception in " + req.method + " " + req.path);
        res.status = 500;
        res.set_content(ErrorBody("internal", "internal error", ""), "application/json");
      });
}

}  // namespace rsx::service
