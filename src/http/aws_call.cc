#include "http/aws_call.h"

#include <nlohmann/json.hpp>

#include "rsx/strings.h"

namespace rsx {
namespace {

// Splits "https://host:port/base" into host[:port] and path.
void SplitUrl(const std::string& url, std::string* host, std::string* path) {
  size_t scheme = url.find("://");
  size_t start = scheme == std::string::npos ? 0 : scheme + 3;
  size_t slash = url.find('/', start);
  *host = url.substr(start, slash == std::string::npos ? std::string::npos : slash - start);
  *path = slash == std::string::npos ? "/" : url.substr(slash);
}

// Default ports are not part of the Host header.
std::string HostHeader(const std::string& url, const std::string& host) {
  if (util::StartsWith(url, "https://") && util::EndsWith(host, ":443"))
    return host.substr(0, host.size() - 4);
  if (util::StartsWith(url, "http://") && util::EndsWith(host, ":80"))
    return host.substr(0, host.size() - 3);
  return host;
}

}  // namespace

AwsError ParseJsonError(const HttpResponse& resp) {
  AwsError err;
  auto j = nlohmann::json::parse(resp.body, nullptr, /*allow_exceptions=*/false);
  auto clean = [](std::string code) {
    if (size_t c = code.find(':'); c != std::string::npos) code = code.substr(0, c);
    if (size_t h = code.rfind('#'); h != std::string::npos) code = code.substr(h + 1);
    return code;
  };
  if (j.is_object()) {
    if (auto it = j.find("__type"); it != j.end() && it->is_string()) err.code = clean(*it);
    for (const char* k : {"message", "Message"})
      if (auto it = j.find(k); it != j.end() && it->is_string() && err.message.empty())
        err.message = *it;
  }
  if (err.code.empty()) err.code = clean(resp.Header("x-amzn-ErrorType"));
  err.request_id = resp.Header("x-amzn-RequestId");
  return err;
}

StatusCode ClassifyAwsError(int http_status, const std::string& code, const std::string& message) {
  // Redshift Serverless can report a throttle as a 400 ValidationException whose message names
  // it: a throttle in disguise, refused before it ran, and retried like one.
  if (code == "ValidationException" && (message.find("ThrottlingException") != std::string::npos ||
                                        message.find("Rate exceeded") != std::string::npos))
    return StatusCode::kThrottled;
  // Back-pressure: the request was refused before it ran, so it is safe to retry later.
  // (ActiveWaitingRequestsExceededException is not: the caller stops waiting, and polls.)
  if (IsThrottlingErrorCode(code) || code == "ActiveStatementsExceededException" ||
      code == "ActiveSessionsExceededException")
    return StatusCode::kThrottled;
  if (code == "AccessDenied" || code == "AccessDeniedException" ||
      code == "UnauthorizedOperation" || code == "NotAuthorized")
    return StatusCode::kPermissionDenied;
  if (code == "InvalidClientTokenId" || code == "UnrecognizedClientException" ||
      code == "SignatureDoesNotMatch" || code == "InvalidSignatureException" ||
      code == "IncompleteSignature" || code == "MissingAuthenticationToken" ||
      code == "ExpiredToken" || code == "ExpiredTokenException" || code == "RequestExpired" ||
      code == "InvalidIdentityToken" || code == "AuthFailure")
    return StatusCode::kUnauthenticated;
  if (code == "ResourceNotFoundException" || code == "NoSuchEntity") return StatusCode::kNotFound;
  if (http_status >= 500 || IsTransientErrorCode(code)) return StatusCode::kUnavailable;
  if (http_status == 403) return StatusCode::kPermissionDenied;
  return StatusCode::kInvalidArgument;
}

AwsCaller::AwsCaller(std::shared_ptr<HttpClient> http,
                     std::shared_ptr<CredentialsProvider> credentials, RetryPolicy policy,
                     const Clock* clock, Sleeper sleeper)
    : http_(std::move(http)),
      credentials_(std::move(credentials)),
      policy_(policy),
      clock_(clock),
      sleeper_(std::move(sleeper)),
      rng_(std::random_device{}()) {}

Result<HttpRequest> AwsCaller::Sign(const AwsEndpoint& endpoint, const HttpRequest& req) {
  HttpRequest out = req;
  std::string host, base_path;
  SplitUrl(endpoint.url, &host, &base_path);
  std::string target = req.url.empty() ? "/" : req.url;  // path + query relative to endpoint
  std::string path = target, query;
  if (size_t q = target.find('?'); q != std::string::npos) {
    path = target.substr(0, q);
    query = target.substr(q + 1);
  }
  if (base_path != "/" && !base_path.empty()) {
    if (util::EndsWith(base_path, "/")) base_path.pop_back();
    path = base_path + path;
  }
  std::string scheme_host =
      endpoint.url.substr(0, endpoint.url.find('/', endpoint.url.find("://") + 3));
  out.url = scheme_host + path + (query.empty() ? "" : "?" + query);
  out.headers.emplace_back("Host", HostHeader(endpoint.url, host));
  if (!credentials_) return out;

  RSX_ASSIGN_OR_RETURN(Credentials creds, credentials_->Get());
  SigningRequest sreq;
  sreq.method = req.method;
  sreq.path = util::UriDecode(path);
  if (!query.empty()) {
    for (const auto& pair : util::Split(query, '&')) {
      size_t eq = pair.find('=');
      sreq.query.emplace_back(
          util::UriDecode(pair.substr(0, eq), true),
          eq == std::string::npos ? "" : util::UriDecode(pair.substr(eq + 1), true));
    }
  }
  sreq.headers = out.headers;
  sreq.body = out.body;
  SigningOptions opt{endpoint.signing_region, endpoint.signing_name, clock_->Now()};
  if (endpoint.signing_name == "s3") {  // S3 signs the path as sent, and the payload's hash
    opt.normalize_path = false;
    opt.add_content_sha256 = true;
  }
  RSX_ASSIGN_OR_RETURN(SignedRequest signed_req, SignV4(sreq, creds, opt));
  for (auto& h : signed_req.headers_to_add) out.headers.push_back(std::move(h));
  return out;
}

Result<HttpResponse> AwsCaller::Call(const AwsEndpoint& endpoint, HttpRequest req, bool idempotent,
                                     const AwsErrorParser& parse_error, AwsCallLog* log) {
  AwsCallLog local;
  if (!log) log = &local;
  Status last;
  for (int attempt = 1; attempt <= policy_.max_attempts; ++attempt) {
    log->attempts = attempt;
    RSX_ASSIGN_OR_RETURN(HttpRequest signed_req, Sign(endpoint, req));
    Result<HttpResponse> resp = http_->Send(signed_req);
    bool retryable = false;
    if (!resp.ok()) {
      last = resp.status();
      bool never_sent = last.detail("sent") == "no";
      retryable =
          (last.code() == StatusCode::kUnavailable || last.code() == StatusCode::kTimeout) &&
          (idempotent || never_sent);
    } else if (resp->status >= 200 && resp->status < 300) {
      return resp;
    } else {
      AwsError err = parse_error(*resp);
      if (err.request_id.empty()) err.request_id = resp->Header("x-amzn-RequestId");
      if (err.request_id.empty()) err.request_id = resp->Header("x-amz-request-id");
      StatusCode code = ClassifyAwsError(resp->status, err.code, err.message);
      std::string text = err.code.empty() ? "HTTP " + std::to_string(resp->status) : err.code;
      if (!err.message.empty()) text += ": " + err.message;
      last = Status(code, text);
      last.WithDetail("aws_error", err.code.empty() ? "(none)" : err.code)
          .WithDetail("http_status", std::to_string(resp->status));
      if (!err.request_id.empty()) last.WithDetail("request_id", err.request_id);
      // A throttled request was refused before it ran, so even non-idempotent calls retry.
      retryable =
          code == StatusCode::kThrottled || (code == StatusCode::kUnavailable && idempotent);
    }
    if (!retryable || attempt == policy_.max_attempts) break;
    std::chrono::milliseconds delay;
    {
      std::lock_guard<std::mutex> lock(rng_mu_);
      delay = policy_.Backoff(attempt, rng_);
    }
    log->delays.push_back(delay);
    sleeper_(delay);
  }
  last.WithDetail("attempts", std::to_string(log->attempts));
  return last;
}

}  // namespace rsx
