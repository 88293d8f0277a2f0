// The workspace without services: external ID, saved connections, file modes, corrupt files.

#include "rsx/workspace.h"

#include <gtest/gtest.h>
#include <sys/stat.h>

#include <filesystem>
#include <fstream>
#include <sstream>

namespace rsx {
namespace {

namespace fs = std::filesystem;

class WorkspaceTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = fs::temp_directory_path() /
           ("rsx-ws-" + std::to_string(::getpid()) + "-" +
            ::testing::UnitTest::GetInstance()->current_test_info()->name());
    fs::remove_all(dir_);
    fs::create_directories(dir_);
    env_.Set("RSX_HOME", (dir_ / "home").string());
  }
  void TearDown() override { fs::remove_all(dir_); }

  static ConnectionConfig Conn(const std::string& name) {
    ConnectionConfig c;
    c.name = name;
    c.region = "eu-west-1";
    c.workgroup = "analytics";
    c.database = "dev";
    c.role_arn = "arn:aws:iam::123456789012:role/rsx-reader";
    c.schemas = {"public", "sales"};
    return c;
  }

  fs::path dir_;
  MapEnvironment env_;
};

TEST_F(WorkspaceTest, ExternalIdIsCreatedOnceAndKept) {
  auto ws = Workspace::Open(env_);
  ASSERT_TRUE(ws.ok()) << ws.status().ToString();
  auto a = ws->ExternalId();
  ASSERT_TRUE(a.ok());
  EXPECT_EQ(a->size(), 36u);
  auto again = Workspace::Open(env_);
  ASSERT_TRUE(again.ok());
  EXPECT_EQ(*again->ExternalId(), *a);
  struct stat sb;
  ASSERT_EQ(stat(ws->dir().c_str(), &sb), 0);
  EXPECT_EQ(sb.st_mode & 0777, 0700u);
}

TEST_F(WorkspaceTest, ConnectionsRoundTripAndRefuseDuplicates) {
  auto ws = Workspace::Open(env_);
  ASSERT_TRUE(ws.ok()) << ws.status().ToString();
  ASSERT_TRUE(ws->AddConnection(Conn("prod")).ok());
  auto dup = ws->AddConnection(Conn("prod"));
  EXPECT_EQ(dup.code(), StatusCode::kInvalidArgument);
  EXPECT_TRUE(ws->AddConnection(Conn("prod"), /*replace=*/true).ok());
  auto got = ws->GetConnection("prod");
  ASSERT_TRUE(got.ok());
  EXPECT_EQ(got->workgroup, "analytics");
  EXPECT_EQ(got->schemas, (std::vector<std::string>{"public", "sales"}));
  EXPECT_EQ(ws->GetConnection("nope").status().code(), StatusCode::kNotFound);
  struct stat sb;
  ASSERT_EQ(stat((ws->dir() + "/connections.json").c_str(), &sb), 0);
  EXPECT_EQ(sb.st_mode & 0777, 0600u);
  ASSERT_TRUE(ws->RemoveConnection("prod").ok());
  EXPECT_EQ(ws->ListConnections()->size(), 0u);
}

TEST_F(WorkspaceTest, ACorruptConnectionsFileIsBadInputAndLeftUntouched) {
  auto ws = Workspace::Open(env_);
  ASSERT_TRUE(ws.ok()) << ws.status().ToString();
  const std::string bad = "{\"connections\": [1, 2]}";
  { std::ofstream(ws->dir() + "/connections.json") << bad; }
  auto list = ws->ListConnections();
  ASSERT_FALSE(list.ok());
  EXPECT_EQ(list.status().code(), StatusCode::kInvalidArgument);
  EXPECT_NE(list.status().message().find("connections: expected an object, found a list"),
            std::string::npos)
      << list.status().message();
  EXPECT_FALSE(ws->AddConnection(Conn("prod")).ok());
  std::ifstream in(ws->dir() + "/connections.json");
  std::stringstream ss;
  ss << in.rdbuf();
  EXPECT_EQ(ss.str(), bad);
}

TEST_F(WorkspaceTest, TextThatIsNotUtf8IsRefusedNotWritten) {
  auto ws = Workspace::Open(env_);
  ASSERT_TRUE(ws.ok()) << ws.status().ToString();
  ConnectionConfig c = Conn("prod");
  c.schemas = {"sales\xff"};
  Status st = ws->AddConnection(c);
  EXPECT_EQ(st.code(), StatusCode::kInvalidArgument);
  EXPECT_NE(st.message().find("UTF-8"), std::string::npos) << st.message();
  EXPECT_FALSE(fs::exists(ws->dir() + "/connections.json"));
}

TEST_F(WorkspaceTest, ConfigObjectsAreParsedStrictly) {
  EXPECT_EQ(ConnectionConfig::FromJson(R"({"regoin": "x"})", "c").status().code(),
            StatusCode::kInvalidArgument);
  EXPECT_EQ(ConnectionConfig::FromJson(R"({"schemas": "public"})", "c").status().code(),
            StatusCode::kInvalidArgument);
  EXPECT_EQ(ConnectionConfig::FromJson("[1]", "c").status().code(), StatusCode::kInvalidArgument);
  auto c = ConnectionConfig::FromJson(Conn("x").ToJson(), "x");
  ASSERT_TRUE(c.ok());
  EXPECT_TRUE(ValidateConnection(*c).ok());
  c->max_concurrent_statements = 0;
  EXPECT_FALSE(ValidateConnection(*c).ok());
}

}  // namespace
}  // namespace rsx
