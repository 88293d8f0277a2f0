// The S3 client against the emulator's S3: the files of a real UNLOAD listed, read whole and
// by byte ranges (in parallel), deleted; errors keep S3's code.

#include <gtest/gtest.h>

#include <nlohmann/json.hpp>
#include <set>
#include <thread>

#include "emulator_process.h"
#include "rsx/compression.h"
#include "rsx/data_api.h"
#include "rsx/s3.h"
#include "rsx/unload.h"

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

TEST(UnloadSql, LiteralsHoldNoBackslash) {
  EXPECT_EQ(*UnloadSafeLiteral("it's a\\b"), "'it''s a' || CHR(92) || 'b'");
  EXPECT_EQ(*UnloadSafeLiteral(""), "''");
  EXPECT_FALSE(UnloadSafeLiteral(std::string("a\0b", 3)).ok());
  auto sql = UnloadStatement("select 'x' from t", "s3://b/p/", {});
  ASSERT_TRUE(sql.ok());
  EXPECT_EQ(*sql,
            "UNLOAD ('select ''x'' from t') TO 's3://b/p/' IAM_ROLE default FORMAT JSON GZIP "
            "MANIFEST VERBOSE CLEANPATH");
  EXPECT_NE(UnloadStatement("select \"a\\b\" from t", "s3://b/p/", {})
                .status()
                .message()
                .find("backslash"),
            std::string::npos);
  EXPECT_FALSE(UnloadStatement("select 1", "s3://b/p", {}).ok());
  EXPECT_FALSE(UnloadStatement("select 1", "s3://b/p'/", {}).ok());
}

// Hostile values as UNLOAD literals select exactly the row holding them, and run nothing else.
TEST(UnloadSql, HostileValuesSurviveBothQuotings) {
  test::EmulatorProcess emu({"--sample", "tickit"});
  ASSERT_TRUE(emu.ok()) << emu.log();
  auto data = emu.Client();
  ASSERT_TRUE(data.ok()) << data.status().ToString();
  auto s3 = emu.S3();
  ASSERT_TRUE(s3.ok());
  DataApiClient& c = **data;
  const std::vector<std::string> values = {"it's",
                                           "a\\b",
                                           "\\'",
                                           "''",
                                           "\\",
                                           "$$x$$",
                                           "-- c",
                                           "/* c",
                                           "x'); drop table hostile; --",
                                           "ü日本",
                                           "line\nbreak",
                                           "tab\there",
                                           "\\\\'\\'",
                                           "' || CHR(92) || '",
                                           "end\\"};
  auto run = [&](const std::string& sql,
                 std::vector<std::pair<std::string, std::string>> params = {}) {
    ExecuteRequest req;
    req.sql = sql;
    req.params = std::move(params);
    auto sub = c.ExecuteStatement(req);
    EXPECT_TRUE(sub.ok()) << sub.status().ToString();
    return sub.ok() ? WaitFor(c, sub->id) : StatementDescription{};
  };
  ASSERT_EQ(run("create table hostile (c varchar(200), n int)").status, "FINISHED");
  for (size_t i = 0; i < values.size(); ++i)
    ASSERT_EQ(run("insert into hostile values (:c, " + std::to_string(i) + ")", {{"c", values[i]}})
                  .status,
              "FINISHED");
  for (size_t i = 0; i < values.size(); ++i) {
    auto lit = UnloadSafeLiteral(values[i]);
    ASSERT_TRUE(lit.ok());
    std::string prefix = "s3://rsx-stage/unload/hostile/" + std::to_string(i) + "/";
    UnloadOptions opt;
    opt.parallel = false;
    auto sql = UnloadStatement("select n, c from hostile where c = " + *lit, prefix, opt);
    ASSERT_TRUE(sql.ok()) << sql.status().ToString();
    auto d = run(*sql);
    ASSERT_EQ(d.status, "FINISHED") << values[i] << ": " << d.error;
    auto body = (*s3)->Get("rsx-stage", "unload/hostile/" + std::to_string(i) + "/000.gz");
    ASSERT_TRUE(body.ok()) << body.status().ToString();
    std::string text;
    auto gz = Decompressor::Make(Compression::kGzip);
    ASSERT_TRUE(gz->Write(*body, &text).ok());
    ASSERT_TRUE(gz->Finish().ok());
    auto row = nlohmann::json::parse(text);
    EXPECT_EQ(row["n"], static_cast<int>(i)) << values[i];
    EXPECT_EQ(row["c"], values[i]);
  }
  EXPECT_EQ(run("select count(*) from hostile").status, "FINISHED");  // still there
}

TEST(UnloadReader, ManifestIsReadAsUntrustedJson) {
  auto m = ParseUnloadManifest(
      R"({"entries":[{"url":"s3://b/p/0000_part_00.gz","meta":{"content_length":10,"record_count":2}}],
          "schema":{"elements":[{"name":"a","type":{"base":"integer"}}]}})");
  ASSERT_TRUE(m.ok()) << m.status().ToString();
  EXPECT_EQ(m->entries[0].key, "p/0000_part_00.gz");
  EXPECT_EQ(m->entries[0].record_count, 2);
  EXPECT_EQ(m->columns, std::vector<std::string>{"a"});
  for (const char* bad : {"[]", "{}", R"({"entries":{}})", R"({"entries":[{"url":5,"meta":{}}]})",
                          R"({"entries":[{"url":"https://x","meta":{"content_length":1}}]})",
                          R"({"entries":[{"url":"s3://b/k","meta":{"content_length":"ten"}}]})",
                          R"({"entries":[{"url":"s3://b/k"}]})", "{"}) {
    auto r = ParseUnloadManifest(bad);
    EXPECT_FALSE(r.ok()) << bad;
  }
}

TEST(UnloadReader, ReadsEveryLineInOrderInParallelRanges) {
  test::EmulatorProcess emu({"--sample", "tickit"});
  ASSERT_TRUE(emu.ok()) << emu.log();
  auto data = emu.Client();
  ASSERT_TRUE(data.ok());
  auto s3 = emu.S3();
  ASSERT_TRUE(s3.ok());
  DataApiClient& c = **data;
  auto run = [&](const std::string& sql) {
    ExecuteRequest req;
    req.sql = sql;
    auto sub = c.ExecuteStatement(req);
    return sub.ok() ? WaitFor(c, sub->id) : StatementDescription{};
  };
  auto count = run("select count(*) from sales");
  ASSERT_EQ(count.status, "FINISHED");
  for (Compression comp : {Compression::kNone, Compression::kGzip, Compression::kZstd}) {
    std::string prefix = std::string("unload/reader/") + CompressionName(comp) + "/";
    UnloadOptions opt;
    opt.compression = comp;
    auto sql =
        UnloadStatement("select salesid, pricepaid from sales", "s3://rsx-stage/" + prefix, opt);
    ASSERT_TRUE(sql.ok());
    auto d = run(*sql);
    ASSERT_EQ(d.status, "FINISHED") << d.error;
    auto text = (*s3)->Get("rsx-stage", prefix + "manifest");
    ASSERT_TRUE(text.ok());
    auto manifest = ParseUnloadManifest(*text);
    ASSERT_TRUE(manifest.ok()) << manifest.status().ToString();
    ASSERT_EQ(manifest->entries.size(), 4u);
    UnloadReadOptions ro;
    ro.connections = 3;
    ro.range_bytes = 1;  // the smallest allowed: 64 KiB ranges, several per file
    ro.compression = comp;
    std::vector<size_t> order;
    std::set<long long> ids;
    long long lines = 0;
    Status st = ReadUnloadFiles(
        **s3, *manifest, ro,
        [&](size_t index, std::string_view block) {
          if (order.empty() || order.back() != index) order.push_back(index);
          size_t at = 0;
          while (at < block.size()) {
            size_t end = block.find('\n', at);
            auto row = nlohmann::json::parse(block.substr(at, end - at));
            ids.insert(row["salesid"].get<long long>());
            ++lines;
            at = end + 1;
          }
          return Status::OK();
        },
        [&](size_t) { return Status::OK(); });
    ASSERT_TRUE(st.ok()) << st.ToString();
    EXPECT_EQ(order, (std::vector<size_t>{0, 1, 2, 3}));
    EXPECT_EQ(static_cast<size_t>(lines), ids.size());
    EXPECT_EQ(lines, d.result_rows);
    EXPECT_GT(lines, 10000);
  }
  // A manifest that promises more than a file holds, or other line counts, is an error.
  auto text = (*s3)->Get("rsx-stage", "unload/reader/gzip/manifest");
  auto manifest = *ParseUnloadManifest(*text);
  UnloadReadOptions ro;
  auto ignore = [](size_t, std::string_view) { return Status::OK(); };
  auto done = [](size_t) { return Status::OK(); };
  auto wrong = manifest;
  wrong.entries[2].record_count += 1;
  Status st = ReadUnloadFiles(**s3, wrong, ro, ignore, done);
  EXPECT_NE(st.message().find("its manifest says"), std::string::npos) << st.ToString();
  wrong = manifest;
  wrong.entries[1].content_length += 100;
  st = ReadUnloadFiles(**s3, wrong, ro, ignore, done);
  EXPECT_FALSE(st.ok());
  // A callback's error stops the read and is returned as it is.
  st = ReadUnloadFiles(
      **s3, manifest, ro, [](size_t, std::string_view) { return Status::Cancelled("enough"); },
      done);
  EXPECT_EQ(st.code(), StatusCode::kCancelled);
}

}  // namespace
}  // namespace rsx
