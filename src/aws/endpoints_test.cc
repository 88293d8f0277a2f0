#include "rsx/endpoints.h"

#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "test_util.h"

namespace rsx {
namespace {

// Every region listed in the models' partitions.json resolves to its own partition.
TEST(Endpoints, EveryRegionInPartitionsJsonResolvesToItsPartition) {
  auto doc =
      nlohmann::json::parse(test::ReadFile(test::SharedDir() / "aws-models" / "partitions.json"));
  int checked = 0;
  for (const auto& part : doc["partitions"]) {
    for (const auto& [region, _] : part["regions"].items()) {
      auto p = PartitionForRegion(region);
      ASSERT_TRUE(p.ok()) << region << ": " << p.status().ToString();
      EXPECT_EQ(p->id, part["id"].get<std::string>()) << region;
      EXPECT_EQ(p->dns_suffix, part["outputs"]["dnsSuffix"].get<std::string>()) << region;
      ++checked;
    }
  }
  EXPECT_GT(checked, 40);
}

TEST(Endpoints, RegionNamesAreChecked) {
  for (const char* good : {"eu-west-1", "us-gov-west-1", "cn-north-1", "ap-southeast-5",
                           "aws-global", "aws-us-gov-global", "il-central-1", "us-isob-east-1"})
    EXPECT_TRUE(ValidateRegion(good).ok()) << good;
  for (const char* bad : {"", "eu", "eu-west", "EU-west-1", "e-west-1", "eu-west-1a", "eu--1",
                          "eu_west_1", "-eu-west-1", "eu-west-1-", "aws-1x-global", "eu-west-1 "})
    EXPECT_FALSE(ValidateRegion(bad).ok()) << bad;
}

TEST(Endpoints, RuleSetHosts) {
  MapEnvironment env;
  EXPECT_EQ(ResolveEndpoint("redshift-data", "eu-west-1", env)->url,
            "https://redshift-data.eu-west-1.amazonaws.com");
  EXPECT_EQ(ResolveEndpoint("redshift-data", "cn-north-1", env)->url,
            "https://redshift-data.cn-north-1.amazonaws.com.cn");
  EXPECT_EQ(ResolveEndpoint("sts", "us-gov-west-1", env)->url,
            "https://sts.us-gov-west-1.amazonaws.com");
  EXPECT_EQ(ResolveEndpoint("redshift-serverless", "ap-southeast-2", env)->url,
            "https://redshift-serverless.ap-southeast-2.amazonaws.com");
  auto global = ResolveEndpoint("sts", "aws-global", env);
  EXPECT_EQ(global->url, "https://sts.amazonaws.com");
  EXPECT_EQ(global->signing_region, "us-east-1");
}

TEST(Endpoints, OverridePrecedence) {
  MapEnvironment env(
      {{"AWS_ENDPOINT_URL", "http://127.0.0.1:1"}, {"AWS_ENDPOINT_URL_STS", "http://127.0.0.1:2"}});
  EXPECT_EQ(ResolveEndpoint("sts", "eu-west-1", env)->url, "http://127.0.0.1:2");
  EXPECT_EQ(ResolveEndpoint("sts", "eu-west-1", env)->source, "AWS_ENDPOINT_URL_STS");
  EXPECT_EQ(ResolveEndpoint("redshift-data", "eu-west-1", env)->url, "http://127.0.0.1:1");
  env.Set("AWS_ENDPOINT_URL_REDSHIFT_DATA", "http://127.0.0.1:3");
  EXPECT_EQ(ResolveEndpoint("redshift-data", "eu-west-1", env)->url, "http://127.0.0.1:3");
  EXPECT_EQ(ResolveEndpoint("redshift-data", "eu-west-1", env, "https://x.example")->url,
            "https://x.example");
  EXPECT_EQ(ResolveEndpoint("sts", "eu-west-1", env)->signing_region, "eu-west-1");
}

TEST(Endpoints, BadInputIsNamed) {
  MapEnvironment env;
  auto r = ResolveEndpoint("sts", "EU_WEST", env);
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.status().message().find("EU_WEST"), std::string::npos);
  env.Set("AWS_ENDPOINT_URL_STS", "localhost:4566");
  r = ResolveEndpoint("sts", "eu-west-1", env);
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.status().message().find("AWS_ENDPOINT_URL_STS"), std::string::npos);
}

TEST(Endpoints, PlainHttpOnlyToThisMachine) {
  for (const char* url : {"http://127.0.0.1:8080", "http://localhost", "http://LOCALHOST:1/x",
                          "http://[::1]:9000/", "http://127.255.0.1", "http://user@127.0.0.1:5/"})
    EXPECT_TRUE(IsLoopbackUrl(url)) << url;
  for (const char* url :
       {"http://10.1.2.3", "http://0.0.0.0:80", "http://127.0.0.1.evil.example",
        "http://localhost.evil.example", "http://127.0.0.1@evil.example/", "http://[::2]",
        "http://1270.0.0.1", "http://127.0.0.256", "http://evil.example/127.0.0.1"})
    EXPECT_FALSE(IsLoopbackUrl(url)) << url;
  MapEnvironment none;
  auto refused = ResolveEndpoint("redshift-data", "eu-west-1", none, "http://10.1.2.3:8080");
  ASSERT_FALSE(refused.ok());
  EXPECT_NE(refused.status().message().find("clear text"), std::string::npos);
  MapEnvironment via_env(std::map<std::string, std::string>{
      {"AWS_ENDPOINT_URL_REDSHIFT_DATA", "http://data.example"}});
  EXPECT_FALSE(ResolveEndpoint("redshift-data", "eu-west-1", via_env).ok());
  EXPECT_TRUE(ResolveEndpoint("redshift-data", "eu-west-1", none, "http://127.0.0.1:1").ok());
  EXPECT_TRUE(ResolveEndpoint("redshift-data", "eu-west-1", none, "https://10.1.2.3").ok());
  MapEnvironment opted_in(std::map<std::string, std::string>{{"RSX_ALLOW_INSECURE_HTTP", "1"}});
  EXPECT_TRUE(ResolveEndpoint("redshift-data", "eu-west-1", opted_in, "http://10.1.2.3:8080").ok());
}

}  // namespace
}  // namespace rsx
