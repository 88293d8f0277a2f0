// The sync engine on a fake Data API (tests/fake_data_api.h): chunking, resuming from every
// checkpoint after a failed chunk, a cancelled run, and the Connection-free RunSync API.

#include <gtest/gtest.h>

#include <algorithm>
#include <atomic>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>

#include "fake_data_api.h"
#include "rsx/data_api.h"
#include "rsx/sync.h"

namespace rsx {
namespace {

namespace fs = std::filesystem;

class SyncEngineTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = fs::temp_directory_path() /
           ("rsx-sync-engine-" + std::to_string(::getpid()) + "-" +
            ::testing::UnitTest::GetInstance()->current_test_info()->name());
    fs::remove_all(dir_);
    fs::create_directories(dir_);
  }
  void TearDown() override { fs::remove_all(dir_); }

  std::shared_ptr<DataApiClient> Client(std::shared_ptr<test::FakeDataApi> api) {
    auto client = test::FakeDataApi::Client(std::move(api));
    EXPECT_TRUE(client);
    return client;
  }

  static std::vector<StreamSyncConfig> Items() {
    Stream s;
    s.schema = "public";
    s.table = s.name = "items";
    s.type = "TABLE";
    ColumnInfo id, name;
    id.name = "id";
    id.type_name = "int8";
    name.name = "name";
    name.type_name = "varchar";
    s.columns = {id, name};
    s.primary_key = {"id"};
    StreamSyncConfig c;
    c.stream = s;
    return {c};
  }

  SyncOptions Options(long long chunk_rows) const {
    SyncOptions o;
    o.out_dir = dir_.string();
    o.chunk_rows = chunk_rows;
    o.warn = [](const std::string&) {};
    return o;
  }

  static std::string Expected(long long rows) {
    std::string out;
    for (long long i = 1; i <= rows; ++i)
      out += "{\"id\":" + std::to_string(i) + ",\"name\":\"item-" + std::to_string(i) + "\"}\n";
    return out;
  }

  std::string Read(const std::string& name) const {
    std::ifstream in(dir_ / name, std::ios::binary);
    std::stringstream ss;
    ss << in.rdbuf();
    return ss.str();
  }

  nlohmann::json State() const {
    return nlohmann::json::parse(Read(".rsx-state.json"))["streams"]["public.items"];
  }

  fs::path dir_;
};

TEST_F(SyncEngineTest, ReadsInChunksAndCheckpointsEachOne) {
  auto api = std::make_shared<test::FakeDataApi>(55);
  auto result = RunSync(*Client(api), Items(), Options(10));
  ASSERT_TRUE(result.ok()) << result.status().ToString();
  ASSERT_EQ(result->size(), 1u);
  EXPECT_EQ((*result)[0].rows, 55);
  EXPECT_EQ(api->reads(), 6);                 // 10 x 5, then 5: the short chunk ends the stream
  EXPECT_EQ((*result)[0].statements, 1 + 6);  // the key check, then the reads
  EXPECT_EQ(Read("public.items.jsonl"), Expected(55));
  nlohmann::json st = State();
  EXPECT_EQ(st["complete"], true);
  EXPECT_EQ(st["rows"], 55);
  EXPECT_EQ(st["key"], nlohmann::json::array({"55"}));
  EXPECT_EQ(st["file_bytes"], static_cast<long long>(Expected(55).size()));
}

TEST_F(SyncEngineTest, AStreamTheDatabaseUserCannotReadFailsBeforeAnyStatement) {
  auto api = std::make_shared<test::FakeDataApi>(5);
  auto streams = Items();
  streams[0].stream.readable = false;
  streams[0].stream.db_user = "IAMR:fake-reader";
  auto result = RunSync(*Client(api), streams, Options(10));
  ASSERT_FALSE(result.ok());
  EXPECT_EQ(result.status().code(), StatusCode::kPermissionDenied);
  EXPECT_NE(result.status().message().find("the database user IAMR:fake-reader cannot read "
                                           "public.items"),
            std::string::npos)
      << result.status().message();
  EXPECT_NE(result.status().message().find(
                "GRANT SELECT ON \"public\".\"items\" TO \"IAMR:fake-reader\";"),
            std::string::npos);
  EXPECT_EQ(api->reads(), 0);
  EXPECT_FALSE(fs::exists(dir_ / "public.items.jsonl"));
}

TEST_F(SyncEngineTest, ResumesFromEveryCheckpointAfterAFailedChunk) {
  // Chunk k+1 fails, for every k: the state stays at checkpoint k, and the next run reads from
  // there, so the file ends with every row once, in order.
  for (int k = 0; k <= 5; ++k) {
    SCOPED_TRACE("failing chunk " + std::to_string(k + 1));
    fs::remove_all(dir_);
    fs::create_directories(dir_);
    auto api = std::make_shared<test::FakeDataApi>(55);
    int reads = 0;
    api->fail_execute = [&](int, const std::string& sql) {
      return sql.find(" limit ") != std::string::npos && ++reads == k + 1;
    };
    auto failed = RunSync(*Client(api), Items(), Options(10));
    ASSERT_FALSE(failed.ok());
    EXPECT_NE(failed.status().message().find("statement " + std::to_string(k + 2) + " failed"),
              std::string::npos)
        << failed.status().ToString();
    if (k > 0) {
      nlohmann::json st = State();
      EXPECT_EQ(st["rows"], 10 * k);
      EXPECT_EQ(st["key"], nlohmann::json::array({std::to_string(10 * k)}));
      EXPECT_EQ(st["complete"], false);
      EXPECT_EQ(Read("public.items.jsonl"), Expected(10 * k));
    }
    auto resumed_api = std::make_shared<test::FakeDataApi>(55);
    auto resumed = RunSync(*Client(resumed_api), Items(), Options(10));
    ASSERT_TRUE(resumed.ok()) << resumed.status().ToString();
    EXPECT_EQ(resumed_api->reads(), 6 - k);  // only what was not checkpointed
    EXPECT_EQ(Read("public.items.jsonl"), Expected(55));
    EXPECT_EQ(State()["rows"], 55);
  }
}

TEST_F(SyncEngineTest, ATornLastLineIsCutOnResume) {
  auto api = std::make_shared<test::FakeDataApi>(30);
  int reads = 0;
  api->fail_execute = [&](int, const std::string& sql) {
    return sql.find(" limit ") != std::string::npos && ++reads == 2;
  };
  ASSERT_FALSE(RunSync(*Client(api), Items(), Options(10)).ok());
  {  // a crash mid-write: half a record after the checkpoint
    std::ofstream out(dir_ / "public.items.jsonl", std::ios::app | std::ios::binary);
    out << "{\"id\":11,\"na";
  }
  auto resumed = RunSync(*Client(std::make_shared<test::FakeDataApi>(30)), Items(), Options(10));
  ASSERT_TRUE(resumed.ok()) << resumed.status().ToString();
  EXPECT_EQ(Read("public.items.jsonl"), Expected(30));
}

TEST_F(SyncEngineTest, ACancelledRunStopsAtItsLastCheckpoint) {
  auto api = std::make_shared<test::FakeDataApi>(100);
  std::atomic<bool> interrupted{false};
  api->on_read = [&](const std::string&) {
    if (api->reads() == 4) interrupted = true;  // Ctrl-C while the 4th chunk runs
  };
  SyncOptions o = Options(10);
  o.interrupted = &interrupted;
  auto run = RunSync(*Client(api), Items(), o);
  ASSERT_FALSE(run.ok());
  EXPECT_EQ(run.status().code(), StatusCode::kCancelled) << run.status().ToString();
  EXPECT_EQ(State()["rows"], 30);
  EXPECT_EQ(Read("public.items.jsonl"), Expected(30));
  auto resumed = RunSync(*Client(std::make_shared<test::FakeDataApi>(100)), Items(), Options(10));
  ASSERT_TRUE(resumed.ok()) << resumed.status().ToString();
  EXPECT_EQ(Read("public.items.jsonl"), Expected(100));
}

TEST_F(SyncEngineTest, FilesWithAStateStoreLeaveNoStateFile) {
  MemoryStateStore store;
  SyncOptions o = Options(10);
  o.out_dir = (dir_ / "new" / "folder").string();  // created by the sync
  o.state_store = &store;
  auto run = RunSync(*Client(std::make_shared<test::FakeDataApi>(15)), Items(), o);
  ASSERT_TRUE(run.ok()) << run.status().ToString();
  EXPECT_TRUE(fs::exists(dir_ / "new" / "folder" / "public.items.jsonl"));
  EXPECT_FALSE(fs::exists(dir_ / "new" / "folder" / ".rsx-state.json"));
  EXPECT_FALSE(fs::exists(dir_ / "new" / "folder" / ".rsx-state.json.lock"));
  EXPECT_EQ(nlohmann::json::parse(store.state())["streams"]["public.items"]["rows"], 15);
}

TEST_F(SyncEngineTest, BadOptionsAreRefusedBeforeAnyStatement) {
  auto api = std::make_shared<test::FakeDataApi>(10);
  SyncOptions o = Options(0);
  EXPECT_NE(RunSync(*Client(api), Items(), o).status().message().find("--chunk-rows"),
            std::string::npos);
  o = Options(10);
  o.format = "parquet";
  EXPECT_NE(RunSync(*Client(api), Items(), o).status().message().find("'parquet'"),
            std::string::npos);
  for (int parallel : {0, -1, 201, 100000}) {  // 100000 threads aborted the process
    o = Options(10);
    o.parallel = parallel;
    Status st = RunSync(*Client(api), Items(), o).status();
    EXPECT_EQ(st.code(), StatusCode::kInvalidArgument) << parallel;
    EXPECT_NE(st.message().find("--parallel must be from 1 to 200"), std::string::npos)
        << st.ToString();
  }
  o = Options(10);
  o.out_dir.clear();
  EXPECT_EQ(ValidateSyncOptions(o).code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(api->executes(), 0);
  EXPECT_TRUE(fs::is_empty(dir_));
}

TEST_F(SyncEngineTest, AMalformedStateIsRefusedAndLeftUntouched) {
  const std::string bad =
      R"({"streams": {"public.items": {"mode": "full_refresh", "key": "8000"}}})";
  { std::ofstream(dir_ / ".rsx-state.json") << bad; }
  auto api = std::make_shared<test::FakeDataApi>(10);
  auto run = RunSync(*Client(api), Items(), Options(10));
  ASSERT_FALSE(run.ok());
  EXPECT_EQ(run.status().code(), StatusCode::kInvalidArgument);
  EXPECT_NE(run.status().message().find("key"), std::string::npos) << run.status().message();
  EXPECT_EQ(Read(".rsx-state.json"), bad);
  EXPECT_EQ(api->executes(), 0);  // nothing was asked of the workgroup
}

// A RecordSink and a StateStore in place of files: what the protocols and a service plug in.
class CollectingSink : public RecordSink {
 public:
  CollectingSink() : out_(open_memstream(&buf_, &len_)) {}
  ~CollectingSink() override {
    std::fclose(out_);
    std::free(buf_);
  }
  FILE* Output() override { return out_; }
  std::string RecordPrefix(const Stream& s) override { return "<" + s.name + " "; }
  std::string RecordSuffix() override { return ">\n"; }
  Status StreamStatus(const Stream&, const std::string& status) override {
    events.push_back(status);
    return Status::OK();
  }
  Status Checkpoint(const Stream&, const std::string& state, long long records) override {
    std::fflush(out_);
    events.push_back("checkpoint " + std::to_string(records) + " after " + std::to_string(len_) +
                     " bytes");
    last_state = state;
    return Status::OK();
  }
  std::string text() {
    std::fflush(out_);
    return std::string(buf_, len_);
  }
  std::vector<std::string> events;
  std::string last_state;

 private:
  char* buf_ = nullptr;
  size_t len_ = 0;
  FILE* out_;
};

TEST_F(SyncEngineTest, ARecordSinkAndAStateStoreReplaceFilesAndTheStateFile) {
  MemoryStateStore store;
  auto api = std::make_shared<test::FakeDataApi>(25);
  int reads = 0;
  api->fail_execute = [&](int, const std::string& sql) {
    return sql.find(" limit ") != std::string::npos && ++reads == 3;
  };
  CollectingSink first;
  SyncOptions o = Options(10);
  o.sink = &first;
  o.state_store = &store;
  ASSERT_FALSE(RunSync(*Client(api), Items(), o).ok());
  EXPECT_EQ(first.events,
            (std::vector<std::string>{"STARTED", "RUNNING", "checkpoint 10 after 332 bytes",
                                      "checkpoint 10 after 682 bytes"}));
  EXPECT_EQ(first.text().substr(0, 33), "<items {\"id\":1,\"name\":\"item-1\"}>\n");
  EXPECT_EQ(nlohmann::json::parse(first.last_state)["key"], nlohmann::json::array({"20"}));
  EXPECT_EQ(nlohmann::json::parse(store.state())["streams"]["public.items"]["rows"], 20);
  EXPECT_TRUE(fs::is_empty(dir_));  // no stream file, no state file, no lock

  CollectingSink second;
  o.sink = &second;
  ASSERT_TRUE(RunSync(*Client(std::make_shared<test::FakeDataApi>(25)), Items(), o).ok());
  std::string text = second.text();
  EXPECT_EQ(text.substr(0, 35), "<items {\"id\":21,\"name\":\"item-21\"}>\n");
  EXPECT_EQ(std::count(text.begin(), text.end(), '\n'), 5);
  EXPECT_EQ(second.events.back(), "COMPLETE");
  EXPECT_EQ(nlohmann::json::parse(store.state())["streams"]["public.items"]["complete"], true);
}

}  // namespace
}  // namespace rsx
