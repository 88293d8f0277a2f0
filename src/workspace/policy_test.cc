// The database side of a connection: the user Redshift maps a role to, and the GRANT lines.

#include "rsx/policy.h"

#include <gtest/gtest.h>

namespace rsx {
namespace {

TEST(DatabaseUser, RolesAndUsersMapAsRedshiftDoes) {
  EXPECT_EQ(*DatabaseUserFor("arn:aws:iam::222222222222:role/rsx-reader"), "IAMR:rsx-reader");
  EXPECT_EQ(*DatabaseUserFor("arn:aws-cn:iam::222222222222:role/team/etl/reader"), "IAMR:reader");
  EXPECT_EQ(*DatabaseUserFor("arn:aws:iam::111111111111:user/alice"), "IAM:alice");
  for (const char* bad : {"", "rsx-reader", "arn:aws:iam::1:role/", "arn:aws:s3:::bucket/x",
                          "arn:aws:iam::1:group/g"}) {
    auto u = DatabaseUserFor(bad);
    ASSERT_FALSE(u.ok()) << bad;
    EXPECT_EQ(u.status().code(), StatusCode::kInvalidArgument);
    EXPECT_NE(u.status().message().find("is not an IAM role or user ARN"), std::string::npos);
  }
}

TEST(GrantSql, EveryNameIsQuoted) {
  EXPECT_EQ(GrantSql("IAMR:rsx-reader", {"public"}),
            "GRANT USAGE ON SCHEMA \"public\" TO \"IAMR:rsx-reader\";\n"
            "GRANT SELECT ON ALL TABLES IN SCHEMA \"public\" TO \"IAMR:rsx-reader\";\n"
            "ALTER DEFAULT PRIVILEGES IN SCHEMA \"public\" GRANT SELECT ON TABLES TO "
            "\"IAMR:rsx-reader\";\n");
  std::string sql = GrantSql("IAMR:x", {"we \"ird\" one"});
  EXPECT_NE(sql.find("SCHEMA \"we \"\"ird\"\" one\" TO"), std::string::npos) << sql;
  EXPECT_EQ(GrantSql("IAMR:x", {}), "");
}

}  // namespace
}  // namespace rsx
