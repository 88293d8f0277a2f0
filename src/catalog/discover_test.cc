// Discovery on a fake Data API: streams, columns, keys, estimates and cursor candidates; an
// unknown schema; the primary-key lookup retried, then failing the run.

#include <gtest/gtest.h>

#include "fake_data_api.h"
#include "rsx/catalog.h"

namespace rsx {
namespace {

TEST(DiscoverFake, StreamsColumnsKeysAndEstimates) {
  auto api = std::make_shared<test::FakeDataApi>(42);
  auto streams = Discover(*test::FakeDataApi::Client(api), {});
  ASSERT_TRUE(streams.ok()) << streams.status().ToString();
  // Every schema but the system ones; "pub_ic" listed under "public" by LIKE is not public's.
  ASSERT_EQ(streams->size(), 2u);
  const Stream& items = (*streams)[1].table == "items" ? (*streams)[1] : (*streams)[0];
  EXPECT_EQ(items.schema, "public");
  EXPECT_EQ(items.name, "items");
  ASSERT_EQ(items.columns.size(), 3u);
  EXPECT_EQ(items.columns[2].type_name, "timestamp");
  EXPECT_EQ(items.primary_key, (std::vector<std::string>{"id"}));
  EXPECT_EQ(items.row_estimate, 42);
  EXPECT_TRUE(items.readable);
  EXPECT_EQ(items.db_user, "IAMR:fake-reader");
  ASSERT_FALSE(items.cursor_candidates.empty());
  EXPECT_EQ(items.cursor_candidates[0], "added");  // timestamps first, then integer keys
  for (const auto& s : *streams)
    if (s.table == "other") {
      EXPECT_EQ(s.schema, "pub_ic");
    }
}

TEST(DiscoverFake, ATableTheDatabaseUserCannotReadIsListedAndMarked) {
  auto api = std::make_shared<test::FakeDataApi>(3);
  api->items_unreadable = true;
  DiscoverOptions o;
  o.schemas = {"public"};
  auto streams = Discover(*test::FakeDataApi::Client(api), o);
  ASSERT_TRUE(streams.ok()) << streams.status().ToString();
  ASSERT_EQ(streams->size(), 1u);
  EXPECT_FALSE((*streams)[0].readable);
  EXPECT_NE(AirbyteCatalogJson(*streams).find("\"readable\": false"), std::string::npos);
}

TEST(DiscoverFake, AnUnknownSchemaIsNotFoundNamingIt) {
  DiscoverOptions o;
  o.schemas = {"public", "nope"};
  auto streams = Discover(*test::FakeDataApi::Client(std::make_shared<test::FakeDataApi>(1)), o);
  ASSERT_FALSE(streams.ok());
  EXPECT_EQ(streams.status().code(), StatusCode::kNotFound);
  EXPECT_NE(streams.status().message().find("schema 'nope'"), std::string::npos);
}

TEST(DiscoverFake, OnlyTheNamedTablesAndAnUnknownOneIsNotFound) {
  auto api = std::make_shared<test::FakeDataApi>(7);
  DiscoverOptions o;
  o.tables = {"other"};  // in pub_ic only
  auto streams = Discover(*test::FakeDataApi::Client(api), o);
  ASSERT_TRUE(streams.ok()) << streams.status().ToString();
  ASSERT_EQ(streams->size(), 1u);
  EXPECT_EQ((*streams)[0].schema, "pub_ic");
  EXPECT_FALSE((*streams)[0].columns.empty());
  o.schemas = {"public"};
  auto missing = Discover(*test::FakeDataApi::Client(api), o);
  ASSERT_FALSE(missing.ok());
  EXPECT_EQ(missing.status().code(), StatusCode::kNotFound);
  EXPECT_EQ(missing.status().message(), "table 'other' does not exist in schema 'public'");
}

TEST(DiscoverFake, ThePrimaryKeyLookupIsRetriedThenFailsTheRun) {
  int failures = 2;
  auto api = std::make_shared<test::FakeDataApi>(5);
  api->fail_execute = [&](int, const std::string& sql) {
    return sql.find("contype = 'p'") != std::string::npos && failures-- > 0;
  };
  DiscoverOptions o;
  o.schemas = {"public"};
  auto streams = Discover(*test::FakeDataApi::Client(api), o);
  ASSERT_TRUE(streams.ok()) << streams.status().ToString();
  EXPECT_EQ((*streams)[0].primary_key, (std::vector<std::string>{"id"}));  // the third attempt

  failures = 3;
  auto failed = Discover(*test::FakeDataApi::Client(api), o);
  ASSERT_FALSE(failed.ok());
  EXPECT_NE(failed.status().message().find("reading the primary keys (3 attempts)"),
            std::string::npos)
      << failed.status().ToString();
}

}  // namespace
}  // namespace rsx
