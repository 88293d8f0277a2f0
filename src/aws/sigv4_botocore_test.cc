// 500 randomized requests signed by rsx and by botocore's SigV4Auth (python3 on this machine):
// the Authorization headers must be identical byte for byte.

#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "rsx/sigv4.h"
#include "rsx/strings.h"
#include "test_util.h"

namespace rsx {
namespace {

TEST(SigV4Botocore, FiveHundredRandomRequestsMatchByteForByte) {
  const int kCount = 500;
  auto script = test::SourceDir() / "tests" / "sigv4" / "botocore_sign.py";
  auto run = test::RunProcess({"python3", script.string(), std::to_string(kCount), "20261129"},
                              {"PATH=" + std::string(getenv("PATH")), "PYTHONHASHSEED=0"});
  ASSERT_EQ(run.exit_code, 0) << run.err;
  int compared = 0, differences = 0, with_token = 0, with_repeats = 0;
  for (const auto& line : util::Split(run.out, '\n')) {
    if (line.empty()) continue;
    auto j = nlohmann::json::parse(line);
    SigningRequest req;
    req.method = j["method"];
    req.path = j["path"];
    for (const auto& q : j["query"]) req.query.emplace_back(q[0], q[1]);
    for (const auto& h : j["headers"]) req.headers.emplace_back(h[0], h[1]);
    std::string body = *util::Base64Decode(j["body_b64"].get<std::string>());
    req.body = body;
    Credentials creds{j["access_key_id"], j["secret_access_key"], j["session_token"], std::nullopt,
                      "test"};
    SigningOptions opt{j["region"], j["service"],
                       *util::ParseTimestamp(j["time"].get<std::string>())};
    auto signed_req = SignV4(req, creds, opt);
    ASSERT_TRUE(signed_req.ok()) << signed_req.status().ToString();
    if (signed_req->authorization != j["authorization"].get<std::string>()) {
      ++differences;
      ADD_FAILURE() << "request " << compared << ": " << line << "\nrsx canonical request:\n"
                    << signed_req->canonical_request;
    }
    with_token += !creds.session_token.empty();
    std::set<std::string> names;
    for (const auto& h : req.headers) with_repeats += !names.insert(util::ToLower(h.first)).second;
    ++compared;
  }
  EXPECT_EQ(compared, kCount);
  EXPECT_EQ(differences, 0);
  // The generator really covered the cases it claims to.
  EXPECT_GT(with_token, kCount / 4);
  EXPECT_GT(with_repeats, 10);
}

}  // namespace
}  // namespace rsx
