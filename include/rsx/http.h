#pragma once
// HttpClient: the transport seam. The libcurl client reuses connections across requests and
// threads, always verifies TLS (custom CA bundle from AWS_CA_BUNDLE or options), and applies
// connect and whole-request timeouts. Retries are NOT done here (see AwsCaller).
// Implementations are safe for concurrent use.

#include <atomic>
#include <chrono>
#include <memory>
#include <string>

#include "rsx/result.h"
#include "rsx/sigv4.h"

namespace rsx {

struct HttpRequest {
  std::string method = "POST";
  std::string url;  // absolute, percent-encoded as sent
  HeaderList headers;
  std::string body;
  std::chrono::milliseconds timeout{0};  // whole request; 0 = the client's default
};

struct HttpResponse {
  int status = 0;
  HeaderList headers;  // names as received
  std::string body;
  // The first header of that name (case-insensitive), or "".
  std::string Header(const std::string& name) const;
};

struct HttpOptions {
  std::chrono::milliseconds connect_timeout{10000};  // default 10 s
  std::chrono::milliseconds request_timeout{60000};  // whole request; default 60 s
  std::string ca_bundle;                             // empty: AWS_CA_BUNDLE, else system store
  // A longer response body is an error (kDataLoss, not retried) instead of memory without end.
  size_t max_response_bytes = size_t{1} << 30;  // 1 GiB
};

class HttpClient {
 public:
  virtual ~HttpClient() = default;
  // Sends the request and returns any HTTP response (4xx/5xx included). Transport failures
  // are kUnavailable or kTimeout with detail "sent" = "no" when the request surely never
  // reached the server (connection refused, name not resolved), "maybe" otherwise.
  virtual Result<HttpResponse> Send(const HttpRequest& req) = 0;
};

// Requests sent through a timed client and the wall time spent inside them.
struct HttpCallStats {
  std::atomic<long long> calls{0};
  std::atomic<long long> nanos{0};
};

// Wraps `inner`, adding each request's count and wall time to *stats (for `--timings`).
std::shared_ptr<HttpClient> NewTimedHttpClient(std::shared_ptr<HttpClient> inner,
                                               std::shared_ptr<HttpCallStats> stats);

std::shared_ptr<HttpClient> NewCurlHttpClient(HttpOptions options = {},
                                              const Environment& env = Environment::Process());

}  // namespace rsx
