// libcurl transport. A pool of easy handles (each keeps its connections alive) plus a share
// handle for DNS, TLS sessions and the connection cache, so connections are reused across
// requests and threads.

#include <curl/curl.h>

#include <algorithm>
#include <mutex>
#include <vector>

#include "rsx/http.h"
#include "rsx/strings.h"

namespace rsx {
namespace {

using EasyHandle = std::unique_ptr<CURL, decltype(&curl_easy_cleanup)>;
using HeaderSlist = std::unique_ptr<curl_slist, decltype(&curl_slist_free_all)>;

void GlobalInit() {
  static std::once_flag once;
  std::call_once(once, [] { curl_global_init(CURL_GLOBAL_DEFAULT); });
}

// Where a response body goes, up to `max` bytes; past that the transfer stops (curl sees a
// write error) and `too_large` says why.
struct BodySink {
  std::string* body;
  size_t max;
  bool too_large = false;
};

size_t OnBody(char* data, size_t size, size_t n, void* user) {
  auto* sink = static_cast<BodySink*>(user);
  if (size * n > sink->max - std::min(sink->max, sink->body->size())) {
    sink->too_large = true;
    return 0;
  }
  sink->body->append(data, size * n);
  return size * n;
}

// Extra capacity after each body, so parsers that need padding (simdjson: 64 bytes) can use
// the body in place instead of copying it.
constexpr size_t kBodyPadding = 64;
// What a Content-Length may make rsx reserve before any byte arrives: a server's word is not
// memory (the body still grows past it, to max_response_bytes).
constexpr long long kMaxReserve = 256LL << 20;

size_t OnHeader(char* data, size_t size, size_t n, void* user) {
  auto* resp = static_cast<HttpResponse*>(user);
  std::string_view line(data, size * n);
  if (line.size() > 15 && util::ToLower(line.substr(0, 15)) == "content-length:") {
    long long len = std::atoll(std::string(line.substr(15)).c_str());
    if (len > 0 && len <= kMaxReserve) resp->body.reserve(static_cast<size_t>(len) + kBodyPadding);
  }
  if (util::StartsWith(line, "HTTP/")) {
    resp->headers.clear();  // a new response (e.g. after 100-continue)
    return size * n;
  }
  size_t colon = line.find(':');
  if (colon != std::string_view::npos)
    resp->headers.emplace_back(util::Trim(line.substr(0, colon)),
                               util::Trim(line.substr(colon + 1)));
  return size * n;
}

class CurlHttpClient : public HttpClient {
 public:
  CurlHttpClient(HttpOptions options, const Environment& env) : options_(std::move(options)) {
    GlobalInit();
    if (options_.ca_bundle.empty()) options_.ca_bundle = env.Get("AWS_CA_BUNDLE").value_or("");
    share_ = curl_share_init();
    curl_share_setopt(share_, CURLSHOPT_LOCKFUNC, &CurlHttpClient::Lock);
    curl_share_setopt(share_, CURLSHOPT_UNLOCKFUNC, &CurlHttpClient::Unlock);
    curl_share_setopt(share_, CURLSHOPT_USERDATA, this);
    curl_share_setopt(share_, CURLSHOPT_SHARE, CURL_LOCK_DATA_DNS);
    curl_share_setopt(share_, CURLSHOPT_SHARE, CURL_LOCK_DATA_SSL_SESSION);
    curl_share_setopt(share_, CURLSHOPT_SHARE, CURL_LOCK_DATA_CONNECT);
  }
  ~CurlHttpClient() override {
    pool_.clear();
    curl_share_cleanup(share_);
  }

  Result<HttpResponse> Send(const HttpRequest& req) override {
    EasyHandle h = Acquire();
    CURL* c = h.get();
    curl_easy_reset(c);
    HttpResponse resp;
    HeaderSlist headers(nullptr, &curl_slist_free_all);
    for (const auto& [n, v] : req.headers) {
      std::string line = n + ": " + v;
      if (v.empty()) line = n + ";";  // curl's way to send an empty header
      headers.reset(curl_slist_append(headers.release(), line.c_str()));
    }
    // Never let curl add "Expect: 100-continue" (an extra round trip).
    headers.reset(curl_slist_append(headers.release(), "Expect:"));
    curl_easy_setopt(c, CURLOPT_SHARE, share_);
    curl_easy_setopt(c, CURLOPT_URL, req.url.c_str());
    curl_easy_setopt(c, CURLOPT_CUSTOMREQUEST, req.method.c_str());
    if (req.method == "HEAD") curl_easy_setopt(c, CURLOPT_NOBODY, 1L);
    if (!req.body.empty() || req.method == "POST" || req.method == "PUT") {
      curl_easy_setopt(c, CURLOPT_POSTFIELDS, req.body.data());
      curl_easy_setopt(c, CURLOPT_POSTFIELDSIZE_LARGE, static_cast<curl_off_t>(req.body.size()));
    }
    curl_easy_setopt(c, CURLOPT_HTTPHEADER, headers.get());
    BodySink sink{&resp.body, options_.max_response_bytes};
    curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, &OnBody);
    curl_easy_setopt(c, CURLOPT_WRITEDATA, &sink);
    curl_easy_setopt(c, CURLOPT_HEADERFUNCTION, &OnHeader);
    curl_easy_setopt(c, CURLOPT_HEADERDATA, &resp);
    curl_easy_setopt(c, CURLOPT_CONNECTTIMEOUT_MS,
                     static_cast<long>(options_.connect_timeout.count()));
    auto timeout = req.timeout.count() > 0 ? req.timeout : options_.request_timeout;
    curl_easy_setopt(c, CURLOPT_TIMEOUT_MS, static_cast<long>(timeout.count()));
    if (req.timeout.count() > 0 && req.timeout < options_.connect_timeout)
      curl_easy_setopt(c, CURLOPT_CONNECTTIMEOUT_MS, static_cast<long>(req.timeout.count()));
    curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt(c, CURLOPT_SSL_VERIFYPEER, 1L);
    curl_easy_setopt(c, CURLOPT_SSL_VERIFYHOST, 2L);
    curl_easy_setopt(c, CURLOPT_PROTOCOLS_STR, "http,https");
    curl_easy_setopt(c, CURLOPT_ACCEPT_ENCODING, "");  // gzip when the server offers it
    curl_easy_setopt(c, CURLOPT_TCP_KEEPALIVE, 1L);
    if (!options_.ca_bundle.empty())
      curl_easy_setopt(c, CURLOPT_CAINFO, options_.ca_bundle.c_str());
    char errbuf[CURL_ERROR_SIZE] = {0};
    curl_easy_setopt(c, CURLOPT_ERRORBUFFER, errbuf);

    CURLcode rc = curl_easy_perform(c);
    if (rc == CURLE_WRITE_ERROR && sink.too_large) {
      Release(std::move(h));
      return Status(StatusCode::kDataLoss, "the response from " + req.url + " is larger than " +
                                               std::to_string(options_.max_response_bytes) +
                                               " bytes, more than rsx reads in one response")
          .WithDetail("sent", "yes");
    }
    if (rc != CURLE_OK) {
      std::string what =
          std::string(curl_easy_strerror(rc)) + (errbuf[0] ? std::string(": ") + errbuf : "");
      Release(std::move(h));
      return TransportError(rc, req, what);
    }
    long code = 0;
    curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &code);
    resp.status = static_cast<int>(code);
    Release(std::move(h));
    return resp;
  }

 private:
  static Status TransportError(CURLcode rc, const HttpRequest& req, const std::string& what) {
    std::string host = req.url;
    bool never_sent = rc == CURLE_COULDNT_CONNECT || rc == CURLE_COULDNT_RESOLVE_HOST ||
                      rc == CURLE_COULDNT_RESOLVE_PROXY || rc == CURLE_UNSUPPORTED_PROTOCOL ||
                      rc == CURLE_URL_MALFORMAT;
    Status st = rc == CURLE_OPERATION_TIMEDOUT
                    ? Status::Timeout("HTTP request to " + host + " timed out (" + what + ")")
                    : Status::Unavailable("HTTP request to " + host + " failed: " + what);
    if (rc == CURLE_SSL_CACERT_BADFILE || rc == CURLE_PEER_FAILED_VERIFICATION ||
        rc == CURLE_SSL_CONNECT_ERROR)
      st = Status::Unavailable("TLS with " + host + " failed: " + what +
                               " (set AWS_CA_BUNDLE to a PEM bundle if a proxy re-signs TLS)");
    if (rc == CURLE_URL_MALFORMAT || rc == CURLE_UNSUPPORTED_PROTOCOL)
      st = Status::InvalidArgument("bad endpoint URL '" + host + "': " + what);
    st.WithDetail("sent", never_sent ? "no" : "maybe");
    return st;
  }

  EasyHandle Acquire() {
    std::lock_guard<std::mutex> lock(pool_mu_);
    if (!pool_.empty()) {
      EasyHandle h = std::move(pool_.back());
      pool_.pop_back();
      return h;
    }
    return EasyHandle(curl_easy_init(), &curl_easy_cleanup);
  }
  void Release(EasyHandle h) {
    std::lock_guard<std::mutex> lock(pool_mu_);
    if (pool_.size() < 64) pool_.push_back(std::move(h));
  }

  static void Lock(CURL*, curl_lock_data data, curl_lock_access, void* user) {
    auto* self = static_cast<CurlHttpClient*>(user);
    self->share_mu_[static_cast<size_t>(data) % kLocks].lock();
  }
  static void Unlock(CURL*, curl_lock_data data, void* user) {
    auto* self = static_cast<CurlHttpClient*>(user);
    self->share_mu_[static_cast<size_t>(data) % kLocks].unlock();
  }

  static constexpr size_t kLocks = 8;
  HttpOptions options_;
  CURLSH* share_ = nullptr;
  std::mutex share_mu_[kLocks];
  std::mutex pool_mu_;
  std::vector<EasyHandle> pool_;
};

}  // namespace

std::string HttpResponse::Header(const std::string& name) const {
  std::string lname = util::ToLower(name);
  for (const auto& [n, v] : headers)
    if (util::ToLower(n) == lname) return v;
  return "";
}

std::shared_ptr<HttpClient> NewCurlHttpClient(HttpOptions options, const Environment& env) {
  return std::make_shared<CurlHttpClient>(std::move(options), env);
}

}  // namespace rsx
