#include "sql_params.h"

#include <gtest/gtest.h>

namespace rsx::emu {
namespace {

TEST(SqlParams, RewritesNamesToPositions) {
  auto b = BindNamedParams("select * from t where a = :a and b = :b or c = :a",
                           {{"a", "1"}, {"b", "x"}});
  ASSERT_TRUE(b.ok()) << b.status().ToString();
  EXPECT_EQ(b->sql, "select * from t where a = $1 and b = $2 or c = $1");
  EXPECT_EQ(b->values, (std::vector<std::string>{"1", "x"}));
}

TEST(SqlParams, SkipsLiteralsCommentsIdentifiersAndCasts) {
  auto b = BindNamedParams("select ':a', \"col:a\", '1'::int, x -- :a\n, /* :a */ :a, 'it''s :a'",
                           {{"a", "v"}});
  ASSERT_TRUE(b.ok()) << b.status().ToString();
  EXPECT_EQ(b->sql, "select ':a', \"col:a\", '1'::int, x -- :a\n, /* :a */ $1, 'it''s :a'");
}

TEST(SqlParams, MissingAndUnusedParametersAreErrors) {
  auto missing = BindNamedParams("select :a, :b", {{"a", "1"}});
  ASSERT_FALSE(missing.ok());
  EXPECT_NE(missing.status().message().find("'b'"), std::string::npos);
  auto unused = BindNamedParams("select :a", {{"a", "1"}, {"zz", "2"}});
  ASSERT_FALSE(unused.ok());
  EXPECT_NE(unused.status().message().find("'zz'"), std::string::npos);
  // Without parameters, text that looks like one is left alone (e.g. Redshift's :: or a
  // colon in a JSON path) rather than failing the statement.
  EXPECT_EQ(BindNamedParams("select :x", {})->sql, "select :x");
}

}  // namespace
}  // namespace rsx::emu
