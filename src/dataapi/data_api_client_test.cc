// DataApiClient and RunStatement against rsx-emulator: batches, sessions, ListStatements,
// the concurrent-statement cap, early stop by the consumer.

#include <gtest/gtest.h>

#include <atomic>
#include <thread>

#include "decode/page_decoder.h"
#include "emulator_process.h"
#include "rsx/statement_runner.h"

namespace rsx {
namespace {

class Collect : public ResultConsumer {
 public:
  Status OnColumns(const std::vector<ColumnInfo>& c) override {
    columns = c;
    return Status::OK();
  }
  Status OnPage(const DecodedPage& p) override {
    for (size_t r = 0; r < p.num_rows; ++r) {
      std::vector<std::string> row;
      for (size_t c = 0; c < p.num_cols; ++c) {
        const Cell& cell = p.at(r, c);
        row.push_back(cell.kind == CellKind::kLong ? std::to_string(cell.l)
                                                   : std::string(cell.text));
      }
      rows.push_back(row);
      if (stop_after > 0 && static_cast<long long>(rows.size()) >= stop_after)
        return Status::Cancelled("enough");
    }
    return Status::OK();
  }
  std::vector<ColumnInfo> columns;
  std::vector<std::vector<std::string>> rows;
  long long stop_after = 0;
};

StatementDescription Wait(DataApiClient& c, const std::string& id) {
  for (int i = 0; i < 1000; ++i) {
    auto d = c.DescribeStatement(id);
    EXPECT_TRUE(d.ok()) << d.status().ToString();
    if (!d.ok() || d->finished()) return d.ok() ? *d : StatementDescription{};
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  ADD_FAILURE() << "statement did not finish";
  return {};
}

TEST(DataApiClient, BatchSessionsAndListStatements) {
  test::EmulatorProcess emu({"--sample", "tickit"});
  ASSERT_TRUE(emu.ok()) << emu.log();
  auto client = emu.Client();
  ASSERT_TRUE(client.ok()) << client.status().ToString();
  DataApiClient& c = **client;

  auto batch = c.BatchExecuteStatement(
      {"create table b_t (n int)", "insert into b_t values (1), (2)", "select count(*) from b_t"},
      "batch-token-1");
  ASSERT_TRUE(batch.ok()) << batch.status().ToString();
  auto d = Wait(c, batch->id);
  EXPECT_EQ(d.status, "FINISHED");
  ASSERT_EQ(d.sub_statements.size(), 3u);
  EXPECT_EQ(d.sub_statements[1].result_rows, 2);
  std::string page_body = *c.GetStatementResultPage(batch->id + ":3", "", false);
  PageDecoder dec;
  DecodedPage page;
  ASSERT_TRUE(dec.DecodeJson(page_body, &page).ok());
  EXPECT_EQ(page.at(0, 0).l, 2);

  ExecuteRequest open;
  open.sql = "create temp table s_t as select 7 as x";
  open.session_keep_alive_seconds = 60;
  auto first = c.ExecuteStatement(open);
  ASSERT_TRUE(first.ok()) << first.status().ToString();
  ASSERT_FALSE(first->session_id.empty());
  Wait(c, first->id);
  ExecuteRequest in_session;
  in_session.sql = "select x from s_t";
  in_session.session_id = first->session_id;
  auto second = c.ExecuteStatement(in_session);
  ASSERT_TRUE(second.ok()) << second.status().ToString();
  EXPECT_EQ(Wait(c, second->id).status, "FINISHED");

  auto listed = c.ListStatements();
  ASSERT_TRUE(listed.ok()) << listed.status().ToString();
  int batches = 0;
  for (const auto& s : *listed) batches += s.is_batch;
  EXPECT_EQ(batches, 1);
  EXPECT_GE(listed->size(), 3u);

  auto tables = c.ListTables("public", "s%");
  ASSERT_TRUE(tables.ok());
  ASSERT_EQ(tables->size(), 1u);
  EXPECT_EQ((*tables)[0].name, "sales");
}

TEST(StatementRunner, ConsumerStoppingEarlyIsNotAnError) {
  test::EmulatorProcess emu({"--sample", "tickit"});
  ASSERT_TRUE(emu.ok()) << emu.log();
  auto client = emu.Client();
  ASSERT_TRUE(client.ok());
  Collect sink;
  sink.stop_after = 10;
  auto r =
      RunStatement(**client, "select salesid from sales order by salesid", RunOptions{}, &sink);
  ASSERT_TRUE(r.ok()) << r.status().ToString() << "\nemulator log:\n" << emu.log();
  EXPECT_TRUE(r->stopped_early);
  EXPECT_EQ(sink.rows.size(), 10u);
}

TEST(StatementRunner, ConcurrentStatementsAreCapped) {
  test::EmulatorProcess emu;
  ASSERT_TRUE(emu.ok()) << emu.log();
  auto client = emu.Client();
  ASSERT_TRUE(client.ok());
  (*client)->set_max_concurrent_statements(2);
  std::atomic<int> ok{0};
  auto t0 = std::chrono::steady_clock::now();
  std::vector<std::thread> threads;
  for (int i = 0; i < 6; ++i)
    threads.emplace_back([&] {
      Collect sink;
      auto r = RunStatement(**client, "select pg_sleep(0.4)", RunOptions{}, &sink);
      if (r.ok()) ++ok;
    });
  for (auto& t : threads) t.join();
  double secs = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  EXPECT_EQ(ok.load(), 6);
  EXPECT_GE(secs, 1.2) << "6 statements of 0.4 s, 2 at a time, take at least 3 rounds";
}

}  // namespace
}  // namespace rsx
