// Refresh of expiring credentials, with an injected clock.

#include <gtest/gtest.h>

#include <atomic>
#include <thread>

#include "aws/credentials_internal.h"
#include "fake_http.h"
#include "rsx/strings.h"
#include "rsx/sts.h"

namespace rsx {
namespace {

using std::chrono::minutes;

TimePoint T0() { return *util::ParseTimestamp("2026-11-29T10:00:00Z"); }

TEST(CredentialsRefresh, RefreshesFiveMinutesBeforeExpiry) {
  ManualClock clock(T0());
  int fetches = 0;
  RefreshingProvider p(
      "test",
      [&]() -> Result<Credentials> {
        ++fetches;
        Credentials c{"AKID" + std::to_string(fetches), "s", "t", clock.Now() + minutes(60),
                      "test"};
        return c;
      },
      &clock, std::chrono::seconds(300));
  EXPECT_EQ(p.Get()->access_key_id, "AKID1");
  clock.Advance(minutes(50));  // 10 minutes left: still fresh
  EXPECT_EQ(p.Get()->access_key_id, "AKID1");
  clock.Advance(minutes(6));  // 4 minutes left: refreshed before use
  EXPECT_EQ(p.Get()->access_key_id, "AKID2");
  EXPECT_EQ(fetches, 2);
}

TEST(CredentialsRefresh, FailedRefreshKeepsStillValidCredentials) {
  ManualClock clock(T0());
  int fetches = 0;
  RefreshingProvider p(
      "test",
      [&]() -> Result<Credentials> {
        if (++fetches > 1) return Status::Unavailable("sts down");
        return Credentials{"AKID", "s", "t", clock.Now() + minutes(60), "test"};
      },
      &clock, std::chrono::seconds(300));
  ASSERT_TRUE(p.Get().ok());
  clock.Advance(minutes(57));
  EXPECT_TRUE(p.Get().ok());  // refresh failed, 3 minutes of validity left
  clock.Advance(minutes(4));
  auto r = p.Get();
  ASSERT_FALSE(r.ok());  // expired and no fresh ones
  EXPECT_NE(r.status().message().find("sts down"), std::string::npos);
}

// The assumed-role provider end to end over a fake STS: credentials expiring in 4 minutes are
// refreshed before use, and 8 threads asking at once cause exactly one AssumeRole.
TEST(CredentialsRefresh, EightThreadsCauseOneAssumeRole) {
  ManualClock clock(T0());
  auto http = std::make_shared<test::FakeHttpClient>();
  auto respond = [&](const std::string& key, TimePoint exp) {
    http->PushStatus(200,
                     "<AssumeRoleResponse><AssumeRoleResult><Credentials><AccessKeyId>" + key +
                         "</AccessKeyId><SecretAccessKey>x</SecretAccessKey><SessionToken>t"
                         "</SessionToken><Expiration>" +
                         util::FormatIso8601(exp) +
                         "</Expiration></Credentials></AssumeRoleResult></AssumeRoleResponse>");
  };
  MapEnvironment env;
  StsOptions so;
  so.region = "us-east-1";
  so.env = &env;
  so.clock = &clock;
  auto sts = *StsClient::Create(http, so);
  ChainOptions co;
  co.clock = &clock;
  auto base = NewStaticCredentialsProvider({"AKIDBASE", "secret", "", std::nullopt, "test"});
  auto role = NewAssumeRoleProvider(
      sts, base, {"arn:aws:iam::123456789012:role/r", "ext-id-1", "s1", 3600}, co);

  respond("ASIAFIRST", clock.Now() + minutes(4));  // expires in 4 minutes
  respond("ASIASECOND", clock.Now() + minutes(60));
  std::atomic<int> second{0};
  // The first Get fetches; its credentials expire in 4 minutes (< 5 minute margin), so every
  // later Get must refresh exactly once more.
  ASSERT_EQ(role->Get()->access_key_id, "ASIAFIRST");
  std::vector<std::thread> threads;
  for (int i = 0; i < 8; ++i)
    threads.emplace_back([&] {
      auto c = role->Get();
      if (c.ok() && c->access_key_id == "ASIASECOND") ++second;
    });
  for (auto& t : threads) t.join();
  EXPECT_EQ(second.load(), 8);
  EXPECT_EQ(http->requests().size(), 2u) << "one AssumeRole to start, one refresh for 8 threads";
}

}  // namespace
}  // namespace rsx
