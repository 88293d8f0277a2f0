#include "rsx/sql_script.h"

#include <gtest/gtest.h>

namespace rsx {
namespace {

std::vector<std::string> Split(std::string_view s) {
  auto r = SplitSqlScript(s);
  EXPECT_TRUE(r.ok()) << r.status().ToString();
  return r.ok() ? *r : std::vector<std::string>{};
}

TEST(SqlScript, SplitsOnSemicolonsOutsideQuotesAndComments) {
  EXPECT_EQ(Split("select 1; select 2;\n"), (std::vector<std::string>{"select 1", "select 2"}));
  EXPECT_EQ(Split("select 1"), (std::vector<std::string>{"select 1"}));
  EXPECT_EQ(Split("select 'a;b', \"c;d\" from t; select 'it''s;'"),
            (std::vector<std::string>{"select 'a;b', \"c;d\" from t", "select 'it''s;'"}));
  EXPECT_EQ(
      Split("select 1 -- a; comment\n; select /* x; /* nested; */ y; */ 2"),
      (std::vector<std::string>{"select 1 -- a; comment", "select /* x; /* nested; */ y; */ 2"}));
  EXPECT_EQ(Split("create procedure p() as $body$ begin x := 1; end; $body$ language plpgsql;"
                  " select $$a;b$$"),
            (std::vector<std::string>{
                "create procedure p() as $body$ begin x := 1; end; $body$ language plpgsql",
                "select $$a;b$$"}));
  EXPECT_EQ(Split("select E'a\\';b'; select 2"),
            (std::vector<std::string>{"select E'a\\';b'", "select 2"}));
  // $1-style and names with $ are not dollar quotes.
  EXPECT_EQ(Split("select a$b$c from t; select 2"),
            (std::vector<std::string>{"select a$b$c from t", "select 2"}));
}

TEST(SqlScript, DropsEmptyStatements) {
  EXPECT_EQ(Split(";;  ; -- only a comment\n; /* and this */ ;"), std::vector<std::string>{});
  EXPECT_EQ(Split("\n\n  select 1  ;\n\n"), (std::vector<std::string>{"select 1"}));
}

TEST(SqlScript, UnterminatedTextNamesItsLine) {
  for (auto [sql, what] : std::vector<std::pair<std::string, std::string>>{
           {"select 1;\nselect 'abc", "string starting on line 2"},
           {"select \"x", "quoted identifier starting on line 1"},
           {"select 1;\n\n/* open", "block comment starting on line 3"},
           {"select $q$ never closed", "dollar-quoted text starting on line 1"}}) {
    auto r = SplitSqlScript(sql);
    ASSERT_FALSE(r.ok()) << sql;
    EXPECT_EQ(r.status().code(), StatusCode::kInvalidArgument);
    EXPECT_NE(r.status().message().find(what), std::string::npos) << r.status().message();
  }
}

}  // namespace
}  // namespace rsx
