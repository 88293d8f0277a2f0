// The S3 client against the emulator's S3: the files of a real UNLOAD listed, read whole and
// by byte ranges (in parallel), deleted; errors keep S3's code.

#include <gtest/gtest.h>

#include <thread>

#include "emulator_process.h"
#include "rsx/data_api.h"
#include "rsx/s3.h"

namespace rsx {
namespace {

StatementDescription WaitFor(DataApiClient& c, const std::string& id) {
  for (;;) {
    auto d = c.DescribeStatement(id, 5);
    if (!d.ok() || d->status == "FINISHED" || d->status == "FAILED" || d->status == "ABORTED")
      return d.ok() ? *d : StatementDescription{};
  }
}

TEST(S3Client, ParsesLocations) {
  auto loc = ParseS3Url("s3://rsx-stage/unload/run 1/");
  ASSERT_TRUE(loc.ok());
  EXPECT_EQ(loc->bucket, "rsx-stage");
  EXPECT_EQ(loc->key, "unload/run 1/");
  EXPECT_EQ(ParseS3Url("s3://only-bucket")->key, "");
  EXPECT_NE(ParseS3Url("https://x/y").status().message().find("s3://bucket/prefix"),
            std::string::npos);
  EXPECT_FALSE(ParseS3Url("s3:///key").ok());
}

TEST(S3Client, ReadsAndDeletesAnUnloadsFiles) {
  test::EmulatorProcess emu({"--sample", "tickit"});
  ASSERT_TRUE(emu.ok()) << emu.log();
  auto data = emu.Client();
  ASSERT_TRUE(data.ok()) << data.status().ToString();
  auto s3 = emu.S3();
  ASSERT_TRUE(s3.ok()) << s3.status().ToString();
  const std::string prefix = "unload/a b+c/ü/";
  ExecuteRequest req;
  req.sql = "UNLOAD ('select * from sales') TO 's3://rsx-stage/" + prefix +
            "' IAM_ROLE default MANIFEST VERBOSE";
  auto sub = (*data)->ExecuteStatement(req);
  ASSERT_TRUE(sub.ok()) << sub.status().ToString();
  auto d = WaitFor(**data, sub->id);
  ASSERT_EQ(d.status, "FINISHED") << d.error;

  auto listed = (*s3)->List("rsx-stage", prefix);
  ASSERT_TRUE(listed.ok()) << listed.status().ToString();
  ASSERT_EQ(listed->size(), 5u);  // four slices and the manifest
  EXPECT_EQ((*listed)[4].key, prefix + "manifest");
  for (const auto& o : *listed) {
    auto whole = (*s3)->Get("rsx-stage", o.key);
    ASSERT_TRUE(whole.ok()) << whole.status().ToString();
    ASSERT_EQ(static_cast<long long>(whole->size()), o.size);
    auto head = (*s3)->Head("rsx-stage", o.key);
    ASSERT_TRUE(head.ok());
    EXPECT_EQ(head->size, o.size);
    EXPECT_EQ(head->etag, o.etag);
    // The same bytes by ranges of 10,000, four at a time.
    std::vector<std::string> parts(static_cast<size_t>((o.size + 9999) / 10000));
    std::vector<std::thread> threads;
    for (size_t i = 0; i < parts.size(); ++i)
      threads.emplace_back([&, i] {
        long long first = static_cast<long long>(i) * 10000;
        auto r = (*s3)->Get("rsx-stage", o.key, first, std::min(first + 9999, o.size - 1));
        if (r.ok()) parts[i] = *r;
      });
    for (auto& t : threads) t.join();
    std::string joined;
    for (const auto& p : parts) joined += p;
    EXPECT_EQ(joined, *whole) << o.key;
  }

  auto missing = (*s3)->Head("rsx-stage", prefix + "nope");
  EXPECT_EQ(missing.status().code(), StatusCode::kNotFound);
  auto denied = (*s3)->Get("rsx-stage", "elsewhere/x");
  EXPECT_EQ(denied.status().code(), StatusCode::kPermissionDenied);
  EXPECT_EQ(denied.status().detail("aws_error"), "AccessDenied");
  auto gone = (*s3)->Get("rsx-stage", prefix + "nope");
  EXPECT_EQ(gone.status().detail("aws_error"), "NoSuchKey");
  auto region = (*s3)->BucketRegion("rsx-stage");
  ASSERT_TRUE(region.ok()) << region.status().ToString();
  EXPECT_EQ(*region, "us-east-1");

  std::vector<std::string> keys;
  for (const auto& o : *listed) keys.push_back(o.key);
  ASSERT_TRUE((*s3)->Delete("rsx-stage", keys).ok());
  EXPECT_TRUE((*s3)->List("rsx-stage", prefix)->empty());
  // Outside the role's prefix, S3's refusal is reported with the key.
  Status refused = (*s3)->Delete("rsx-stage", {"private/x"});
  EXPECT_EQ(refused.code(), StatusCode::kPermissionDenied);
  EXPECT_NE(refused.message().find("private/x"), std::string::npos) << refused.message();
}

}  // namespace
}  // namespace rsx
