// How fast rsx-emulator serves a stored result through GetStatementResult on loopback to one
// client. Runs a 1M-row statement (8 mixed columns), waits for it, then fetches every page
// (signed requests over one keep-alive connection), several times; prints MB/s of response
// JSON per run and the median. Usage: emulator_serve_bench URL [ROWS] [RUNS]
// (credentials: AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY/AWS_SESSION_TOKEN of a role session).

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <nlohmann/json.hpp>
#include <thread>

#include "http/aws_call.h"
#include "rsx/credentials.h"
#include "rsx/http.h"

using namespace rsx;

int main(int argc, char** argv) {
  if (argc < 2) {
    std::fprintf(stderr, "usage: %s URL [ROWS] [RUNS]\n", argv[0]);
    return 2;
  }
  std::string url = argv[1];
  long rows = argc > 2 ? std::atol(argv[2]) : 1000000;
  int runs = argc > 3 ? std::atoi(argv[3]) : 5;
  auto http = NewCurlHttpClient();
  ChainOptions co;
  auto creds = NewDefaultCredentialsChain(http, co);
  AwsCaller caller(http, creds, RetryPolicy{});
  AwsEndpoint ep{url, "us-east-1", "redshift-data"};
  auto call = [&](const std::string& op, const nlohmann::json& body) -> Result<HttpResponse> {
    HttpRequest req;
    req.headers = {{"Content-Type", "application/x-amz-json-1.1"},
                   {"X-Amz-Target", "RedshiftData." + op}};
    req.body = body.dump();
    return caller.Call(ep, req, true, ParseJsonError);
  };
  std::string sql =
      "select g as id, (g * 7) % 1000 as small, g::numeric(18,4) / 3 as amount, "
      "'name ' || g || ' ü' as name, timestamp '2020-01-01' + g * interval '1 second' as ts, "
      "g % 2 = 0 as flag, (g * 1.5)::float8 as ratio, case when g % 10 = 0 then null else "
      "date '2020-01-01' + (g % 1000) end as day from generate_series(1, " +
      std::to_string(rows) + ") g";
  auto exec =
      call("ExecuteStatement", {{"WorkgroupName", "default"}, {"Database", "dev"}, {"Sql", sql}});
  if (!exec.ok()) {
    std::fprintf(stderr, "ExecuteStatement: %s\n", exec.status().ToString().c_str());
    return 1;
  }
  std::string id = nlohmann::json::parse(exec->body)["Id"];
  while (true) {
    auto d = call("DescribeStatement", {{"Id", id}});
    if (!d.ok()) return 1;
    auto j = nlohmann::json::parse(d->body);
    if (j["Status"] == "FINISHED") break;
    if (j["Status"] == "FAILED" || j["Status"] == "ABORTED") {
      std::fprintf(stderr, "statement %s: %s\n", j["Status"].get<std::string>().c_str(),
                   j.value("Error", "").c_str());
      return 1;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  std::vector<double> rates;
  for (int run = 0; run < runs; ++run) {
    size_t bytes = 0, pages = 0;
    long long total_rows = 0;
    std::string token;
    auto t0 = std::chrono::steady_clock::now();
    do {
      nlohmann::json body = {{"Id", id}};
      if (!token.empty()) body["NextToken"] = token;
      auto page = call("GetStatementResult", body);
      if (!page.ok()) {
        std::fprintf(stderr, "GetStatementResult: %s\n", page.status().ToString().c_str());
        return 1;
      }
      bytes += page->body.size();
      ++pages;
      // Find NextToken without a full parse: it is the last member the emulator writes.
      size_t pos = page->body.rfind("\"NextToken\":\"");
      token = pos == std::string::npos
                  ? ""
                  : page->body.substr(pos + 13, page->body.find('"', pos + 13) - pos - 13);
      if (total_rows == 0) {
        size_t t = page->body.rfind("\"TotalNumRows\":");
        total_rows = std::atoll(page->body.c_str() + t + 15);
      }
    } while (!token.empty());
    double secs = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    double mbs = static_cast<double>(bytes) / 1e6 / secs;
    rates.push_back(mbs);
    std::printf("run %d: %lld rows, %zu pages, %.1f MB in %.3f s = %.1f MB/s\n", run + 1,
                total_rows, pages, static_cast<double>(bytes) / 1e6, secs, mbs);
  }
  std::sort(rates.begin(), rates.end());
  std::printf("median: %.1f MB/s of response JSON\n", rates[rates.size() / 2]);
  return 0;
}
