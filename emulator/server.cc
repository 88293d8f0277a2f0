#include "server.h"

#include <httplib.h>

#include <atomic>
#include <thread>

#include "rsx/crypto.h"
#include "rsx/strings.h"
#include "rsx/xml.h"
#include "s3_api.h"

namespace rsx::emu {
namespace {

using nlohmann::json;

const char* kJson = "application/x-amz-json-1.1";

void JsonError(httplib::Response& res, const ApiError& e) {
  json body = {{"__type", e.type}, {"message", e.message}, {"Message", e.message}};
  res.status = e.http;
  res.set_header("x-amzn-ErrorType", e.type);
  res.set_content(body.dump(), kJson);
}

std::string XmlEscape(const std::string& s) { return xml::Escape(s); }

void XmlError(httplib::Response& res, const ApiError& e, const std::string& request_id) {
  res.status = e.http;
  res.set_content(
      "<ErrorResponse xmlns=\"https://sts.amazonaws.com/doc/2011-06-15/\">\n  <Error>\n"
      "    <Type>Sender</Type>\n    <Code>" +
          XmlEscape(e.type) + "</Code>\n    <Message>" + XmlEscape(e.message) +
          "</Message>\n  </Error>\n  <RequestId>" + request_id + "</RequestId>\n</ErrorResponse>\n",
      "text/xml");
}

std::map<std::string, std::string> FormParams(const httplib::Request& req) {
  std::map<std::string, std::string> out;
  auto parse = [&](const std::string& s) {
    for (const auto& pair : util::Split(s, '&')) {
      if (pair.empty()) continue;
      size_t eq = pair.find('=');
      out[util::UriDecode(pair.substr(0, eq), true)] =
          eq == std::string::npos ? "" : util::UriDecode(pair.substr(eq + 1), true);
    }
  };
  size_t q = req.target.find('?');
  if (q != std::string::npos) parse(req.target.substr(q + 1));
  if (req.method == "POST") parse(req.body);
  return out;
}

// Data API operations that name a workgroup, and so log in through GetCredentials.
bool UsesWorkgroup(const std::string& op) {
  return op == "ExecuteStatement" || op == "BatchExecuteStatement" || op == "DescribeTable" ||
         op == "ListDatabases" || op == "ListSchemas" || op == "ListTables";
}

}  // namespace

class ServerImpl {
 public:
  ServerImpl(EmulatorConfig& config, Engine& engine, Auth& auth, S3Api* s3);
  int Bind(const std::string& host, int port);
  void Serve();
  void Stop();

 private:
  void Handle(const httplib::Request& req, httplib::Response& res);
  void HandleControl(const httplib::Request& req, httplib::Response& res);
  // Returns true when a fault or throttle answered the request.
  // `cut_after` is set when the request must run and then lose its answer (reset_after).
  enum class Shape { kJson, kStsXml, kS3Xml };  // how errors are written
  bool ApplyFaultsAndLimits(const std::string& op, Shape shape, httplib::Response& res,
                            bool* cut_after = nullptr);
  void WriteError(Shape shape, httplib::Response& res, const ApiError& e);
  void DataApi(const std::string& op, const httplib::Request& req, httplib::Response& res);
  void Serverless(const std::string& op, const httplib::Request& req, httplib::Response& res);
  void Sts(const httplib::Request& req, httplib::Response& res);

  EmulatorConfig& config_;
  std::atomic<int> latency_ms_{0};  // before every AWS answer (config latency_ms; control path)
  Engine& engine_;
  Auth& auth_;
  S3Api* s3_;
  httplib::Server http_;
  std::mutex mu_;  // guards faults, counters and rate buckets
  std::map<std::string, int> calls_;
  std::map<std::string, int> fired_;  // "Operation:action" -> faults that fired
  std::map<std::string, std::pair<double, std::chrono::steady_clock::time_point>> buckets_;
};

ServerImpl::ServerImpl(EmulatorConfig& config, Engine& engine, Auth& auth, S3Api* s3)
    : config_(config), engine_(engine), auth_(auth), s3_(s3) {
  latency_ms_ = config.latency_ms;
  // Idle keep-alive and half-sent connections each hold a worker until they time out: enough
  // workers that a few dozen of them do not stall other clients, and a short read timeout.
  http_.new_task_queue = [] { return new httplib::ThreadPool(128); };
  http_.set_keep_alive_max_count(100000);
  http_.set_read_timeout(2, 0);
  // Headers and body go out in separate writes: without TCP_NODELAY, Nagle holds the body
  // until the client's delayed ACK (~40 ms per request on Linux loopback).
  http_.set_tcp_nodelay(true);
  http_.set_payload_max_length(16 * 1024 * 1024);
  // cpp-httplib parses a Range header with a function-local static std::regex, built on first
  // use. Build it here, before any worker exists: its lazy construction's guard lives in the
  // uninstrumented library, so ThreadSanitizer would see two ranged GETs at once as a race.
  httplib::Ranges warm;
  httplib::detail::parse_range_header("bytes=0-0", warm);
  http_.Post(".*",
             [this](const httplib::Request& req, httplib::Response& res) { Handle(req, res); });
  http_.Get(".*",
            [this](const httplib::Request& req, httplib::Response& res) { Handle(req, res); });
  http_.Put(".*",
            [this](const httplib::Request& req, httplib::Response& res) { Handle(req, res); });
  http_.Delete(".*",
               [this](const httplib::Request& req, httplib::Response& res) { Handle(req, res); });
}

int ServerImpl::Bind(const std::string& host, int port) {
  if (port == 0) return http_.bind_to_any_port(host.c_str());
  return http_.bind_to_port(host.c_str(), port) ? port : -1;
}

void ServerImpl::Serve() { http_.listen_after_bind(); }
void ServerImpl::Stop() { http_.stop(); }

namespace {
// Promise a long body, send part of it, then drop the connection.
void CutResponse(httplib::Response& res, const char* type) {
  res.set_content_provider(1 << 20, type, [](size_t offset, size_t, httplib::DataSink& sink) {
    if (offset > 0) return false;
    std::string partial = "{\"Records\":[[{\"longValue\":1}],";
    sink.write(partial.data(), partial.size());
    return false;
  });
}
}  // namespace

void ServerImpl::WriteError(Shape shape, httplib::Response& res, const ApiError& e) {
  std::string request_id = res.get_header_value("x-amzn-RequestId");
  if (shape == Shape::kJson) return JsonError(res, e);
  if (shape == Shape::kStsXml) return XmlError(res, e, request_id);
  S3Api::SendError(res, e, "", request_id);
}

bool ServerImpl::ApplyFaultsAndLimits(const std::string& op, Shape shape, httplib::Response& res,
                                      bool* cut_after) {
  bool xml = shape != Shape::kJson;
  FaultConfig hit;
  bool matched = false;
  {
    std::lock_guard<std::mutex> lock(mu_);
    int n = ++calls_[op];
    for (const auto& f : config_.faults) {
      bool due = f.every > 0
                     ? n >= f.nth && (n - f.nth) % f.every == 0 && (n - f.nth) / f.every < f.count
                     : n >= f.nth && n < f.nth + f.count;
      if ((f.operation == op || f.operation == "*") && due) {
        hit = f;
        matched = true;
        break;
      }
    }
    auto rate = config_.limits.rates.find(op);
    if (!matched && rate != config_.limits.rates.end() && rate->second > 0) {
      auto now = std::chrono::steady_clock::now();
      auto& [tokens, last] = buckets_.try_emplace(op, rate->second, now).first->second;
      tokens = std::min(rate->second,
                        tokens + rate->second * std::chrono::duration<double>(now - last).count());
      last = now;
      if (tokens < 1.0) {
        ApiError e =
            shape == Shape::kS3Xml
                ? ApiError{503, "SlowDown", "Please reduce your request rate."}
                : ApiError{400, xml ? "Throttling" : "ThrottlingException", "Rate exceeded"};
        WriteError(shape, res, e);
        return true;
      }
      tokens -= 1.0;
    }
  }
  if (!matched) return false;
  {
    std::lock_guard<std::mutex> lock(mu_);
    ++fired_[op + ":" + hit.action];
  }
  if (hit.action == "delay") {
    std::this_thread::sleep_for(std::chrono::milliseconds(hit.delay_ms));
    return false;
  }
  if (hit.action == "fail_statement" || hit.action == "stall_statement" ||
      hit.action == "slow_start_statement") {
    using F = Engine::StatementFault;
    engine_.InjectStatementFault(hit.action == "stall_statement"        ? F::kStall
                                 : hit.action == "slow_start_statement" ? F::kSlowStart
                                                                        : F::kFail,
                                 hit.message, hit.delay_ms);
    return false;
  }
  if (hit.action == "reset") {
    CutResponse(res, xml ? "text/xml" : kJson);
    return true;
  }
  if (hit.action == "reset_after") {
    if (cut_after) *cut_after = true;
    return false;
  }
  WriteError(shape, res, ApiError{hit.status, hit.error, hit.message});
  return true;
}

void ServerImpl::Handle(const httplib::Request& req, httplib::Response& res) {
  std::string request_id = crypto::RandomUuid();
  res.set_header("x-amzn-RequestId", request_id);
  if (util::StartsWith(req.path, "/_emulator/")) return HandleControl(req, res);
  // A network's round trip, on every AWS request.
  if (int ms = latency_ms_.load(); ms > 0)
    std::this_thread::sleep_for(std::chrono::milliseconds(ms));
  if (s3_ && S3Api::IsS3Request(req)) {
    if (ApplyFaultsAndLimits(S3Api::OperationName(req), Shape::kS3Xml, res)) return;
    return s3_->Handle(req, res, request_id);
  }
  std::string target = req.get_header_value("X-Amz-Target");
  if (util::StartsWith(target, "RedshiftData.")) return DataApi(target.substr(13), req, res);
  if (util::StartsWith(target, "RedshiftServerless."))
    return Serverless(target.substr(19), req, res);
  if (target.empty()) return Sts(req, res);
  JsonError(res, {400, "UnknownOperationException", "Unknown operation " + target});
}

void ServerImpl::HandleControl(const httplib::Request& req, httplib::Response& res) {
  if (req.path == "/_emulator/faults" && req.method == "POST") {
    auto f = ParseFault(req.body);
    if (!f.ok()) {
      res.status = 400;
      res.set_content(json{{"error", f.status().message()}}.dump(), "application/json");
      return;
    }
    std::lock_guard<std::mutex> lock(mu_);
    // nth counts from now: calls already made to that operation are added.
    FaultConfig fc = *f;
    fc.nth += calls_[fc.operation];
    config_.faults.push_back(fc);
    res.set_content(json{{"faults", config_.faults.size()}}.dump(), "application/json");
    return;
  }
  if (req.path == "/_emulator/latency" && req.method == "POST") {
    auto ms = ParseLatency(req.body);
    if (!ms.ok()) {
      res.status = 400;
      res.set_content(json{{"error", ms.status().message()}}.dump(), "application/json");
      return;
    }
    latency_ms_ = *ms;
    res.set_content(json{{"ms", *ms}}.dump(), "application/json");
    return;
  }
  if (req.path == "/_emulator/faults" && req.method == "DELETE") {
    std::lock_guard<std::mutex> lock(mu_);
    config_.faults.clear();
    res.set_content("{}", "application/json");
    return;
  }
  if (req.path == "/_emulator/stats") {
    std::lock_guard<std::mutex> lock(mu_);
    res.set_content(json{{"calls", calls_}, {"faults_fired", fired_}}.dump(), "application/json");
    return;
  }
  if (req.path == "/_emulator/health") {
    res.set_content("{\"ok\":true}", "application/json");
    return;
  }
  res.status = 404;
  res.set_content("{\"error\":\"unknown control path\"}", "application/json");
}

void ServerImpl::DataApi(const std::string& op, const httplib::Request& req,
                         httplib::Response& res) {
  auto who = auth_.Authenticate(req, "redshift-data");
  if (auto* e = std::get_if<ApiError>(&who)) return JsonError(res, *e);
  const Principal& p = std::get<Principal>(who);
  json body = json::parse(req.body, nullptr, false);
  if (body.is_discarded() || !body.is_object())
    return JsonError(res, {400, "SerializationException", "Request body is not a JSON object"});
  std::string wg = body.value("WorkgroupName", "");
  std::string wg_arn = engine_.WorkgroupArn(wg);
  std::string resource = wg_arn.empty() ? "*" : wg_arn;
  // IAM has one action for both result calls, as on AWS.
  std::string action = op == "GetStatementResultV2" ? "GetStatementResult" : op;
  if (auto denied = auth_.Authorize(p, "redshift-data:" + action, resource))
    return JsonError(res, *denied);
  if (UsesWorkgroup(op) && !wg_arn.empty()) {
    if (auto denied = auth_.Authorize(p, "redshift-serverless:GetCredentials", wg_arn))
      return JsonError(res, *denied);
  }
  bool cut_after = false;
  if (ApplyFaultsAndLimits(op, Shape::kJson, res, &cut_after)) return;

  auto reply = [&](const ApiResult<json>& r) {
    if (auto* e = std::get_if<ApiError>(&r)) return JsonError(res, *e);
    if (cut_after) return CutResponse(res, kJson);  // it ran; the caller never hears
    res.set_content(std::get<json>(r).dump(), kJson);
  };
  if (op == "ExecuteStatement") return reply(engine_.ExecuteStatement(p, body));
  if (op == "BatchExecuteStatement") return reply(engine_.BatchExecuteStatement(p, body));
  if (op == "DescribeStatement") return reply(engine_.DescribeStatement(p, body));
  if (op == "CancelStatement") return reply(engine_.CancelStatement(p, body));
  if (op == "ListStatements") return reply(engine_.ListStatements(p, body));
  if (op == "ListSessions") return reply(engine_.ListSessions(p, body));
  if (op == "ListDatabases") return reply(engine_.ListDatabases(p, body));
  if (op == "ListSchemas") return reply(engine_.ListSchemas(p, body));
  if (op == "ListTables") return reply(engine_.ListTables(p, body));
  if (op == "DescribeTable") return reply(engine_.DescribeTable(p, body));
  if (op == "GetStatementResult" || op == "GetStatementResultV2") {
    auto r = engine_.GetStatementResult(p, body, op == "GetStatementResultV2");
    if (auto* e = std::get_if<ApiError>(&r)) return JsonError(res, *e);
    res.set_content(std::move(std::get<std::string>(r)), kJson);
    return;
  }
  JsonError(res, {400, "UnknownOperationException", "Unknown operation RedshiftData." + op});
}

void ServerImpl::Serverless(const std::string& op, const httplib::Request& req,
                            httplib::Response& res) {
  auto who = auth_.Authenticate(req, "redshift-serverless");
  if (auto* e = std::get_if<ApiError>(&who)) return JsonError(res, *e);
  const Principal& p = std::get<Principal>(who);
  if (op != "GetCredentials")
    return JsonError(res, {400, "UnknownOperationException", "Unknown operation " + op});
  json body = json::parse(req.body, nullptr, false);
  if (body.is_discarded()) return JsonError(res, {400, "SerializationException", "Bad JSON"});
  std::string wg = body.value("workgroupName", "");
  std::string arn = engine_.WorkgroupArn(wg);
  if (arn.empty())
    return JsonError(res,
                     {400, "ResourceNotFoundException", "Workgroup " + wg + " does not exist."});
  if (auto denied = auth_.Authorize(p, "redshift-serverless:GetCredentials", arn))
    return JsonError(res, *denied);
  if (ApplyFaultsAndLimits(op, Shape::kJson, res)) return;
  int duration = body.value("durationSeconds", 900);
  auto now = std::chrono::system_clock::now();
  double exp =
      std::chrono::duration<double>((now + std::chrono::seconds(duration)).time_since_epoch())
          .count();
  res.set_content(json{{"dbUser", p.db_user},
                       {"dbPassword", util::Base64Encode(crypto::RandomBytes(24))},
                       {"expiration", exp},
                       {"nextRefreshTime", exp}}
                      .dump(),
                  kJson);
}

void ServerImpl::Sts(const httplib::Request& req, httplib::Response& res) {
  std::string request_id = res.get_header_value("x-amzn-RequestId");
  auto params = FormParams(req);
  std::string action = params["Action"];
  auto who = auth_.Authenticate(req, "sts");
  if (auto* e = std::get_if<ApiError>(&who)) {
    ApiError x = *e;
    if (x.type == "InvalidSignatureException") x.type = "SignatureDoesNotMatch";
    if (x.type == "UnrecognizedClientException") x.type = "InvalidClientTokenId";
    if (x.type == "ExpiredTokenException") x.type = "ExpiredToken";
    return XmlError(res, x, request_id);
  }
  const Principal& p = std::get<Principal>(who);
  if (ApplyFaultsAndLimits(action, Shape::kStsXml, res)) return;
  const char* ns = "https://sts.amazonaws.com/doc/2011-06-15/";
  if (action == "GetCallerIdentity") {
    res.set_content(
        std::string("<GetCallerIdentityResponse xmlns=\"") + ns +
            "\">\n"
            "  <GetCallerIdentityResult>\n    <Arn>" +
            XmlEscape(p.arn) +
            "</Arn>\n"
            "    <UserId>" +
            XmlEscape(p.user_id) + "</UserId>\n    <Account>" + p.account +
            "</Account>\n  </GetCallerIdentityResult>\n  <ResponseMetadata>\n    <RequestId>" +
            request_id + "</RequestId>\n  </ResponseMetadata>\n</GetCallerIdentityResponse>\n",
        "text/xml");
    return;
  }
  if (action == "AssumeRole") {
    std::string role = params["RoleArn"], session = params["RoleSessionName"];
    if (role.size() < 20 || session.size() < 2)
      return XmlError(res, {400, "ValidationError", "RoleArn and RoleSessionName are required."},
                      request_id);
    if (auto denied = auth_.Authorize(p, "sts:AssumeRole", role)) {
      return XmlError(
          res,
          {403, "AccessDenied",
           "User: " + p.arn + " is not authorized to perform: sts:AssumeRole on resource: " + role},
          request_id);
    }
    int duration = config_.limits.credentials_seconds;  // the configured default lifetime
    if (params.count("DurationSeconds")) {
      duration = std::atoi(params["DurationSeconds"].c_str());
      if (duration < 900 || duration > 43200)
        return XmlError(res,
                        {400, "ValidationError",
                         "1 validation error detected: Value '" + params["DurationSeconds"] +
                             "' at 'durationSeconds' failed to satisfy constraint: Member "
                             "must have value less than or equal to 43200 and greater than "
                             "or equal to 900"},
                        request_id);
    }
    auto issued = auth_.AssumeRole(p, role, session, params["ExternalId"], duration);
    if (auto* e = std::get_if<ApiError>(&issued)) return XmlError(res, *e, request_id);
    const auto& c = std::get<IssuedCredentials>(issued);
    res.set_content(std::string("<AssumeRoleResponse xmlns=\"") + ns +
                        "\">\n  <AssumeRoleResult>\n"
                        "    <AssumedRoleUser>\n      <Arn>" +
                        XmlEscape(c.assumed_arn) +
                        "</Arn>\n"
                        "      <AssumedRoleId>" +
                        XmlEscape(c.assumed_role_id) +
                        "</AssumedRoleId>\n"
                        "    </AssumedRoleUser>\n    <Credentials>\n      <AccessKeyId>" +
                        c.access_key_id + "</AccessKeyId>\n      <SecretAccessKey>" +
                        c.secret_access_key + "</SecretAccessKey>\n      <SessionToken>" +
                        c.session_token + "</SessionToken>\n      <Expiration>" +
                        util::FormatIso8601(c.expiration) +
                        "</Expiration>\n    </Credentials>\n  </AssumeRoleResult>\n"
                        "  <ResponseMetadata>\n    <RequestId>" +
                        request_id + "</RequestId>\n  </ResponseMetadata>\n</AssumeRoleResponse>\n",
                    "text/xml");
    return;
  }
  XmlError(res,
           {400, "InvalidAction", "Could not find operation " + action + " for version 2011-06-15"},
           request_id);
}

Server::Server(EmulatorConfig& config, Engine& engine, Auth& auth, S3Api* s3)
    : impl_(std::make_unique<ServerImpl>(config, engine, auth, s3)) {}
Server::~Server() = default;
int Server::Bind(const std::string& host, int port) { return impl_->Bind(host, port); }
void Server::Serve() { impl_->Serve(); }
void Server::Stop() { impl_->Stop(); }

}  // namespace rsx::emu
