// Retries against a local server that answers 503 and throttling errors before success.

#include "http/retry.h"

#include <gtest/gtest.h>

#include <atomic>
#include <set>
#include <thread>

#include "http/aws_call.h"
#include "local_server.h"
#include "test_util.h"

namespace rsx {
namespace {

struct Harness {
  test::LocalServer srv;
  std::atomic<int> hits{0};
  std::vector<std::chrono::milliseconds> sleeps;
  std::shared_ptr<HttpClient> http = NewCurlHttpClient();
  std::shared_ptr<CredentialsProvider> creds = NewStaticCredentialsProvider(
      {"AKIDTEST", "secret-never-shown", "token-never-shown", std::nullopt, "test"});
  RetryPolicy policy;
  Harness() { policy.base = std::chrono::milliseconds(100); }

  // answers[i] is (status, __type) for hit i; past the end: 200.
  void Script(std::vector<std::pair<int, std::string>> answers) {
    srv.server().Post("/", [this, answers](const httplib::Request&, httplib::Response& res) {
      int i = hits++;
      res.set_header("x-amzn-RequestId", "req-" + std::to_string(i + 1));
      if (i < static_cast<int>(answers.size())) {
        res.status = answers[i].first;
        res.set_content(R"({"__type":"com.amazonaws.redshiftdata#)" + answers[i].second +
                            R"(","message":"injected"})",
                        "application/x-amz-json-1.1");
        return;
      }
      res.set_content("{}", "application/x-amz-json-1.1");
    });
    srv.Start();
  }
  Result<HttpResponse> Call(bool idempotent, AwsCallLog* log, std::string url = "") {
    AwsCaller caller(http, creds, policy, &Clock::Real(),
                     [this](std::chrono::milliseconds d) { sleeps.push_back(d); });
    HttpRequest req;
    req.headers = {{"Content-Type", "application/x-amz-json-1.1"}};
    req.body = "{}";
    return caller.Call({url.empty() ? srv.url() : url, "us-east-1", "redshift-data"}, req,
                       idempotent, ParseJsonError, log);
  }
};

TEST(Retry, ServerErrorsAndThrottlingAreRetriedWithGrowingBackoff) {
  Harness h;
  h.Script({{503, "ServiceUnavailable"}, {400, "ThrottlingException"}});
  AwsCallLog log;
  auto r = h.Call(/*idempotent=*/true, &log);
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  EXPECT_EQ(h.hits.load(), 3);
  EXPECT_EQ(log.attempts, 3);
  ASSERT_EQ(h.sleeps.size(), 2u);
  EXPECT_LE(h.sleeps[0].count(), 100);  // ceiling base * 2^0
  EXPECT_LE(h.sleeps[1].count(), 200);  // ceiling base * 2^1
}

TEST(Retry, LastErrorNamesTheAwsCodeAndRequestId) {
  Harness h;
  h.Script({{503, "ServiceUnavailable"},
            {500, "InternalServerException"},
            {400, "ThrottlingException"}});
  AwsCallLog log;
  auto r = h.Call(true, &log);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(h.hits.load(), 3);
  EXPECT_EQ(r.status().code(), StatusCode::kThrottled);
  EXPECT_EQ(r.status().detail("aws_error"), "ThrottlingException");
  EXPECT_EQ(r.status().detail("request_id"), "req-3");
  EXPECT_EQ(r.status().detail("attempts"), "3");
  std::string all = r.status().ToString();
  EXPECT_NE(all.find("ThrottlingException"), std::string::npos);
  EXPECT_NE(all.find("req-3"), std::string::npos);
  EXPECT_EQ(all.find("secret-never-shown"), std::string::npos);
  EXPECT_EQ(all.find("token-never-shown"), std::string::npos);
}

TEST(Retry, ClientErrorsAreNotRetried) {
  Harness h;
  h.Script({{400, "ValidationException"}});
  auto r = h.Call(true, nullptr);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(h.hits.load(), 1);
  EXPECT_EQ(r.status().code(), StatusCode::kInvalidArgument);
}

TEST(Retry, NonIdempotentCallIsNotResentAfterA5xx) {
  Harness h;
  h.Script({{500, "InternalServerException"}});
  auto r = h.Call(/*idempotent=*/false, nullptr);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(h.hits.load(), 1) << "the first attempt may have run";
}

TEST(Retry, NonIdempotentCallIsRetriedWhenThrottled) {
  Harness h;
  h.Script({{400, "ThrottlingException"}});
  auto r = h.Call(/*idempotent=*/false, nullptr);
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  EXPECT_EQ(h.hits.load(), 2);
}

TEST(Retry, ConnectionRefusedIsRetriedEvenWhenNotIdempotent) {
  Harness h;
  AwsCallLog log;
  int port = test::FreePort();  // nothing listens there
  auto r = h.Call(false, &log, "http://127.0.0.1:" + std::to_string(port));
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().code(), StatusCode::kUnavailable);
  EXPECT_EQ(log.attempts, 3);
  EXPECT_EQ(r.status().detail("sent"), "no");
}

TEST(Retry, MaxAttemptsFromEnvironment) {
  MapEnvironment env(std::map<std::string, std::string>{{"AWS_MAX_ATTEMPTS", "5"}});
  EXPECT_EQ(RetryPolicy::FromEnvironment(env)->max_attempts, 5);
  env.Set("AWS_MAX_ATTEMPTS", "many");
  auto bad = RetryPolicy::FromEnvironment(env);
  ASSERT_FALSE(bad.ok());
  EXPECT_NE(bad.status().message().find("AWS_MAX_ATTEMPTS"), std::string::npos);
  Harness h;
  h.policy.max_attempts = 5;
  h.Script({{503, "A"}, {503, "B"}, {503, "C"}, {503, "D"}, {503, "E"}, {503, "F"}});
  auto r = h.Call(true, nullptr);
  EXPECT_FALSE(r.ok());
  EXPECT_EQ(h.hits.load(), 5);
}

TEST(Retry, FullJitterBackoffGrowsAndIsCapped) {
  RetryPolicy p;  // base 1 s, cap 20 s
  std::mt19937_64 rng(42);
  auto mean = [&](int attempt) {
    double sum = 0;
    for (int i = 0; i < 4000; ++i) {
      auto d = p.Backoff(attempt, rng).count();
      EXPECT_LE(d, std::min<long long>(20000, 1000LL << (attempt - 1)));
      EXPECT_GE(d, 0);
      sum += static_cast<double>(d);
    }
    return sum / 4000;
  };
  double m1 = mean(1), m2 = mean(2), m3 = mean(3), m10 = mean(10);
  EXPECT_NEAR(m1, 500, 50);
  EXPECT_NEAR(m2, 1000, 100);
  EXPECT_NEAR(m3, 2000, 200);
  EXPECT_NEAR(m10, 10000, 1000);  // capped at 20 s: uniform in [0, 20 s]
}

// A server that sends without end (or lies in Content-Length) costs a bounded amount of memory:
// past max_response_bytes the transfer stops with kDataLoss, which is not retried.
TEST(Http, AResponseOverTheCapIsAnErrorNotMemory) {
  test::LocalServer srv;
  srv.server().Get("/big", [](const httplib::Request&, httplib::Response& res) {
    res.set_content(std::string(50000, 'x'), "text/plain");
  });
  srv.server().Get("/small", [](const httplib::Request&, httplib::Response& res) {
    res.set_content(std::string(900, 'y'), "text/plain");
  });
  srv.Start();
  HttpOptions o;
  o.max_response_bytes = 1000;
  std::shared_ptr<HttpClient> http = NewCurlHttpClient(o);
  HttpRequest req;
  req.method = "GET";
  req.url = srv.url() + "/big";
  auto big = http->Send(req);
  ASSERT_FALSE(big.ok());
  EXPECT_EQ(big.status().code(), StatusCode::kDataLoss);
  EXPECT_NE(big.status().message().find("larger than 1000 bytes"), std::string::npos)
      << big.status().ToString();
  req.url = srv.url() + "/small";
  auto small = http->Send(req);  // the same client, and its connection, still serve
  ASSERT_TRUE(small.ok()) << small.status().ToString();
  EXPECT_EQ(small->body, std::string(900, 'y'));
}

TEST(Http, ConnectionsAreReused) {
  test::LocalServer srv;
  std::mutex mu;
  std::set<int> ports;
  srv.server().Post("/", [&](const httplib::Request& req, httplib::Response& res) {
    std::lock_guard<std::mutex> lock(mu);
    ports.insert(req.remote_port);
    res.set_content("{}", "application/json");
  });
  srv.server().set_keep_alive_max_count(100);  // httplib's default closes after 5 requests
  srv.Start();
  auto http = NewCurlHttpClient();
  for (int i = 0; i < 10; ++i) {
    HttpRequest req;
    req.url = srv.url() + "/";
    req.body = "{}";
    auto r = http->Send(req);
    ASSERT_TRUE(r.ok()) << r.status().ToString();
    EXPECT_EQ(r->status, 200);
  }
  EXPECT_EQ(ports.size(), 1u) << "10 sequential requests should share one connection";
}

TEST(Http, ConnectionsAreReusedAcrossThreads) {
  test::LocalServer srv;
  std::mutex mu;
  std::set<int> ports;
  std::atomic<int> served{0};
  srv.server().Post("/", [&](const httplib::Request& req, httplib::Response& res) {
    std::lock_guard<std::mutex> lock(mu);
    ports.insert(req.remote_port);
    ++served;
    res.set_content("{}", "application/json");
  });
  srv.server().set_keep_alive_max_count(1000);
  srv.Start();
  auto http = NewCurlHttpClient();
  std::vector<std::thread> threads;
  std::atomic<int> failures{0};
  for (int t = 0; t < 4; ++t)
    threads.emplace_back([&] {
      for (int i = 0; i < 25; ++i) {
        HttpRequest req;
        req.url = srv.url() + "/";
        req.body = "{}";
        auto r = http->Send(req);
        if (!r.ok() || r->status != 200) ++failures;
      }
    });
  for (auto& t : threads) t.join();
  EXPECT_EQ(failures.load(), 0);
  EXPECT_EQ(served.load(), 100);
  EXPECT_LE(ports.size(), 4u) << "100 requests on 4 threads should need at most 4 connections";
}

// TLS is always verified: a self-signed server is refused with the system store and accepted
// once its certificate is given through AWS_CA_BUNDLE.
TEST(Http, TlsIsVerifiedAndAwsCaBundleIsHonoured) {
  test::TempDir dir;
  auto key = (dir.path() / "key.pem").string(), cert = (dir.path() / "cert.pem").string();
  auto gen = test::RunProcess(
      {"openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", key, "-out", cert,
       "-days", "1", "-subj", "/CN=127.0.0.1", "-addext", "subjectAltName=IP:127.0.0.1"},
      {"PATH=" + std::string(getenv("PATH"))});
  ASSERT_EQ(gen.exit_code, 0) << gen.err;
  int port = test::FreePort();
  test::ChildProcess server({"openssl", "s_server", "-quiet", "-accept", std::to_string(port),
                             "-cert", cert, "-key", key, "-www"},
                            (dir.path() / "server.log").string());
  ASSERT_TRUE(test::WaitForPort(port, 10000));
  HttpRequest req{"GET", "https://127.0.0.1:" + std::to_string(port) + "/", {}, ""};

  MapEnvironment no_bundle;
  auto refused = NewCurlHttpClient({}, no_bundle)->Send(req);
  ASSERT_FALSE(refused.ok()) << "a self-signed certificate must not be trusted";
  EXPECT_NE(refused.status().message().find("AWS_CA_BUNDLE"), std::string::npos)
      << refused.status().message();

  MapEnvironment with_bundle(std::map<std::string, std::string>{{"AWS_CA_BUNDLE", cert}});
  auto accepted = NewCurlHttpClient({}, with_bundle)->Send(req);
  ASSERT_TRUE(accepted.ok()) << accepted.status().ToString();
  EXPECT_EQ(accepted->status, 200);
}

}  // namespace
}  // namespace rsx

namespace rsx {
namespace {

// Redshift Serverless sometimes reports a throttle as a 400 ValidationException naming it.
TEST(Retry, ThrottleInDisguiseIsAThrottle) {
  EXPECT_EQ(ClassifyAwsError(400, "ValidationException", "ThrottlingException: Rate exceeded"),
            StatusCode::kThrottled);
  EXPECT_EQ(ClassifyAwsError(400, "ValidationException", "Rate exceeded"), StatusCode::kThrottled);
  EXPECT_EQ(ClassifyAwsError(400, "ValidationException", "Sql must not be empty."),
            StatusCode::kInvalidArgument);
  // Too many long polls on one statement is not back-pressure to retry: the caller polls.
  EXPECT_EQ(ClassifyAwsError(400, "ActiveWaitingRequestsExceededException", "limit"),
            StatusCode::kInvalidArgument);
}

}  // namespace
}  // namespace rsx
