// The query box's read-only guard: what it lets through and what it refuses, by name.

#include "service/model.h"

#include <gtest/gtest.h>

namespace rsx::service {
namespace {

TEST(ReadOnlySql, StatementsThatReadPass) {
  for (const char* sql :
       {"select 1", "  SELECT * FROM sales;  ", "with x as (select 1) select * from x",
        "explain select 1", "show search_path", "values (1)", "-- note\nselect 1 -- end",
        "/* a /* nested */ comment */ select 1", "select 'insert into x' as s",
        "select \"delete\" from t", "select last_update, updated_at from t",
        "select 'it''s' ;  -- trailing comment"})
    EXPECT_TRUE(CheckReadOnlySql(sql).ok()) << sql << ": " << CheckReadOnlySql(sql).ToString();
}

TEST(ReadOnlySql, WritesAndSecondStatementsAreRefusedByName) {
  auto msg = [](const char* sql) { return CheckReadOnlySql(sql).message(); };
  EXPECT_EQ(msg("delete from sales"),
            "sql: only a statement that reads may run here (SELECT, WITH, SHOW, EXPLAIN or "
            "VALUES), not DELETE");
  EXPECT_EQ(msg("select * into t2 from t"),
            "sql: INTO writes: only a statement that reads may run here");
  EXPECT_EQ(msg("with d as (delete from t returning *) select * from d"),
            "sql: DELETE writes: only a statement that reads may run here");
  EXPECT_EQ(msg("explain analyze insert into t values (1)"),
            "sql: INSERT writes: only a statement that reads may run here");
  EXPECT_EQ(msg("select 1; drop table t"),
            "sql: only one statement may run here (found text after ';')");
  EXPECT_EQ(msg("select 'unclosed"), "sql: a string is not closed");
  EXPECT_EQ(msg("select \"unclosed"), "sql: a quoted name is not closed");
  EXPECT_EQ(msg("select 1 /* open"), "sql: a /* comment is not closed");
  EXPECT_EQ(msg("  -- only a comment"), "sql: the statement is empty");
  EXPECT_EQ(CheckReadOnlySql("select 1; drop table t").code(), StatusCode::kInvalidArgument);
}

}  // namespace
}  // namespace rsx::service
