#include <chrono>

#include "rsx/http.h"

namespace rsx {
namespace {

class TimedHttpClient : public HttpClient {
 public:
  TimedHttpClient(std::shared_ptr<HttpClient> inner, std::shared_ptr<HttpCallStats> stats)
      : inner_(std::move(inner)), stats_(std::move(stats)) {}

  Result<HttpResponse> Send(const HttpRequest& req) override {
    auto t0 = std::chrono::steady_clock::now();
    auto r = inner_->Send(req);
    auto ns =
        std::chrono::duration_cast<std::chrono::nanoseconds>(std::chrono::steady_clock::now() - t0);
    stats_->calls.fetch_add(1, std::memory_order_relaxed);
    stats_->nanos.fetch_add(ns.count(), std::memory_order_relaxed);
    return r;
  }

 private:
  std::shared_ptr<HttpClient> inner_;
  std::shared_ptr<HttpCallStats> stats_;
};

}  // namespace

std::shared_ptr<HttpClient> NewTimedHttpClient(std::shared_ptr<HttpClient> inner,
                                               std::shared_ptr<HttpCallStats> stats) {
  return std::make_shared<TimedHttpClient>(std::move(inner), std::move(stats));
}

}  // namespace rsx
