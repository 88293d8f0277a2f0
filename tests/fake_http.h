#pragma once
// FakeHttpClient replays scripted responses and records requests, without sockets.

#include <deque>
#include <mutex>

#include "rsx/http.h"

namespace rsx::test {

class FakeHttpClient : public HttpClient {
 public:
  void Push(Result<HttpResponse> r) {
    std::lock_guard<std::mutex> lock(mu_);
    script_.push_back(std::move(r));
  }
  void PushStatus(int status, std::string body, HeaderList headers = {}) {
    HttpResponse r;
    r.status = status;
    r.body = std::move(body);
    r.headers = std::move(headers);
    Push(std::move(r));
  }
  Result<HttpResponse> Send(const HttpRequest& req) override {
    std::lock_guard<std::mutex> lock(mu_);
    requests_.push_back(req);
    if (script_.empty()) return Status::Internal("FakeHttpClient: no scripted response left");
    auto r = std::move(script_.front());
    script_.pop_front();
    return r;
  }
  std::vector<HttpRequest> requests() const {
    std::lock_guard<std::mutex> lock(mu_);
    return requests_;
  }

 private:
  mutable std::mutex mu_;
  std::deque<Result<HttpResponse>> script_;
  std::vector<HttpRequest> requests_;
};

}  // namespace rsx::test
