#include "service/cron.h"

#include <gtest/gtest.h>

#include "service/model.h"

namespace rsx::service {
namespace {

int64_t At(int y, int mo, int d, int h, int mi) {
  return DaysFromCivil(y, mo, d) * 86400 + h * 3600 + mi * 60;
}

int64_t Next(const std::string& expr, int64_t after) {
  auto c = ParseCron(expr);
  EXPECT_TRUE(c.ok()) << expr << ": " << c.status().ToString();
  auto n = NextCronTime(*c, after);
  EXPECT_TRUE(n.has_value()) << expr;
  return n.value_or(-1);
}

TEST(Cron, CivilDaysRoundTrip) {
  EXPECT_EQ(DaysFromCivil(1970, 1, 1), 0);
  EXPECT_EQ(DaysFromCivil(2000, 3, 1), 11017);
  for (int64_t z = -800000; z < 800000; z += 997) {
    int64_t y;
    unsigned m, d;
    CivilFromDays(z, &y, &m, &d);
    EXPECT_EQ(DaysFromCivil(y, m, d), z);
  }
}

TEST(Cron, NextTimes) {
  int64_t t = At(2026, 11, 29, 23, 51) + 17;  // a Sunday
  EXPECT_EQ(Next("* * * * *", t), At(2026, 11, 29, 23, 52));
  EXPECT_EQ(Next("*/15 * * * *", t), At(2026, 11, 30, 0, 0));
  EXPECT_EQ(Next("0 3 * * *", t), At(2026, 11, 30, 3, 0));
  EXPECT_EQ(Next("30 4 1 * *", t), At(2026, 12, 1, 4, 30));
  EXPECT_EQ(Next("0 0 29 2 *", t), At(2028, 2, 29, 0, 0));  // the next leap day
  EXPECT_EQ(Next("0 9 * * MON-FRI", t), At(2026, 11, 30, 9, 0));
  EXPECT_EQ(Next("0 9 * * 7", t), At(2026, 12, 6, 9, 0));  // 7 is Sunday too
  EXPECT_EQ(Next("0 0 1 JAN *", t), At(2027, 1, 1, 0, 0));
  EXPECT_EQ(Next("5/20 * * * *", t), At(2026, 11, 30, 0, 5));
  EXPECT_EQ(Next("0 12 13 * FRI", t), At(2026, 12, 4, 12, 0));                 // day 13 OR a Friday
  EXPECT_EQ(Next("0 0 * * *", At(2026, 12, 31, 0, 0)), At(2027, 1, 1, 0, 0));  // strictly after
}

TEST(Cron, ErrorsNameTheField) {
  struct Case {
    const char* expr;
    const char* says;
  } cases[] = {
      {"61 * * * *", "minute"},         {"* 24 * * *", "hour"},   {"* * 0 * *", "day-of-month"},
      {"* * 32 * *", "day-of-month"},   {"* * * 13 *", "month"},  {"* * * * 8", "day-of-week"},
      {"* * * *", "5 fields"},          {"*/0 * * * *", "step"},  {"5-1 * * * *", "backwards"},
      {"x * * * *", "minute"},          {"* * * FOO *", "month"}, {"", "5 fields"},
      {"99999999999 * * * *", "minute"}};
  for (const auto& c : cases) {
    auto r = ParseCron(c.expr);
    ASSERT_FALSE(r.ok()) << c.expr;
    EXPECT_NE(r.status().message().find(c.says), std::string::npos)
        << c.expr << ": " << r.status().message();
  }
  auto never = ParseCron("0 0 31 2 *");
  ASSERT_TRUE(never.ok());
  EXPECT_FALSE(NextCronTime(*never, 0).has_value());
}

TEST(DestinationPath, OnlyRelativeSafeNames) {
  for (const char* ok : {"a", "a/b", "sales-2026/v1.0", "A_b/C-d/e.f"})
    EXPECT_TRUE(CheckDestinationPath(ok).ok()) << ok;
  for (const char* bad :
       {"", "/abs", "..", "a/..", "../a", "a/./b", "a//b", "a/", "a b", "a\\b", "a%2e", "é"})
    EXPECT_FALSE(CheckDestinationPath(bad).ok()) << bad;
  EXPECT_FALSE(CheckDestinationPath(std::string(201, 'a')).ok());
  EXPECT_FALSE(CheckDestinationPath("1/2/3/4/5/6/7/8/9").ok());
}

TEST(Rfc3339, Utc) {
  EXPECT_EQ(Rfc3339(0), "");
  EXPECT_EQ(Rfc3339(At(2026, 11, 29, 23, 51) * 1000 + 29125), "2026-11-29T23:51:29.125Z");
}

}  // namespace
}  // namespace rsx::service
