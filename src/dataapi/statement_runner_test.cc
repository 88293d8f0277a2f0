// The statement runner on a fake Data API: rows and parameters reach the consumer, a refused
// statement is an error naming it, AddParam checks what a command line hands it.

#include "rsx/statement_runner.h"

#include <gtest/gtest.h>

#include "fake_data_api.h"

namespace rsx {
namespace {

std::shared_ptr<DataApiClient> Client(std::shared_ptr<test::FakeDataApi> api) {
  return test::FakeDataApi::Client(std::move(api));
}

TEST(StatementRunnerFake, RowsAndParametersReachTheConsumer) {
  auto api = std::make_shared<test::FakeDataApi>(20);
  RunOptions o;
  ASSERT_TRUE(AddParam("k0=15", &o).ok());
  TextRows rows;
  auto run = RunStatement(
      *Client(api), "select id, name from items where id > :k0 order by id limit 3", o, &rows);
  ASSERT_TRUE(run.ok()) << run.status().ToString();
  EXPECT_EQ(run->rows_delivered, 3);
  ASSERT_EQ(rows.rows.size(), 3u);
  EXPECT_EQ(rows.rows[0], (std::vector<std::string>{"16", "item-16"}));
  EXPECT_EQ(rows.rows[2], (std::vector<std::string>{"18", "item-18"}));
}

TEST(StatementRunnerFake, ARefusedStatementIsAnErrorWithAwsCode) {
  auto api = std::make_shared<test::FakeDataApi>(5);
  api->fail_execute = [](int, const std::string&) { return true; };
  TextRows rows;
  auto run = RunStatement(*Client(api), "select id from items order by id limit 1", {}, &rows);
  ASSERT_FALSE(run.ok());
  EXPECT_EQ(run.status().detail("aws_error"), "ValidationException") << run.status().ToString();
  EXPECT_TRUE(rows.rows.empty());
}

TEST(StatementRunnerFake, AddParamChecksNameValueAndRepeats) {
  RunOptions o;
  EXPECT_TRUE(AddParam("day=2008-01-05", &o).ok());
  EXPECT_EQ(o.params.back(), (std::pair<std::string, std::string>{"day", "2008-01-05"}));
  EXPECT_TRUE(AddParam("expr=a=b", &o).ok());  // the value may hold '='
  EXPECT_EQ(o.params.back().second, "a=b");
  for (const char* bad : {"novalue", "=x", "bad-name=1", "empty=", "day=again"}) {
    Status st = AddParam(bad, &o);
    EXPECT_EQ(st.code(), StatusCode::kInvalidArgument) << bad;
    EXPECT_NE(st.message().find("--param"), std::string::npos) << st.message();
  }
  EXPECT_EQ(o.params.size(), 2u);
}

}  // namespace
}  // namespace rsx
