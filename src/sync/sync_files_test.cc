// Unit tests of the sync engine's file handling and state parsing: no server needed.

#include <gtest/gtest.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <set>

#include "rsx/sync.h"
#include "sync/output_files.h"
#include "sync/stream_state.h"

namespace rsx {
namespace {

namespace fs = std::filesystem;

std::string Slurp(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  return std::string(std::istreambuf_iterator<char>(in), {});
}

void Spit(const std::string& path, const std::string& text) {
  std::ofstream(path, std::ios::binary) << text;
}

struct TempDir {
  TempDir() {
    char tmpl[] = "/tmp/rsx-sync-test-XXXXXX";
    path = mkdtemp(tmpl);
  }
  ~TempDir() { fs::remove_all(path); }
  std::string path;
};

TEST(StreamFileName, PlainNamesAreKept) {
  EXPECT_EQ(StreamFileName("public", "sales", "jsonl"), "public.sales.jsonl");
  EXPECT_EQ(StreamFileName("my_schema-1", "Tâble", "csv"), "my_schema-1.Tâble.csv");
}

TEST(StreamFileName, NothingCanLeaveTheFolderOrCollide) {
  const std::vector<std::pair<std::string, std::string>> names = {
      {"../../../../escaped", "t"},
      {"..", ".."},
      {".", "."},
      {"a", "b.c"},
      {"a.b", "c"},
      {"sub/dir", "x"},
      {"a", "b%2Ec"},
      {"a", std::string("nul\0byte", 8)},
      {"ctl\n\r\t", "x"},
      {"a", "\xff\xfe"},
      {"a", "\xc3"},
      {"", "t"},
      {"x", std::string(300, 'y')},
      {"x", std::string(300, 'y') + "z"},
      {"x", std::string(120, '/')}};
  std::set<std::string> seen;
  for (const auto& [schema, table] : names) {
    std::string f = StreamFileName(schema, table, "jsonl");
    EXPECT_EQ(f.find('/'), std::string::npos) << f;
    EXPECT_EQ(f.find('\0'), std::string::npos) << f;
    EXPECT_NE(f[0], '.') << f;
    EXPECT_LE(f.size(), 255u) << f;
    for (unsigned char c : f) EXPECT_GE(c, 0x20) << f;
    EXPECT_TRUE(seen.insert(f).second) << "collision: " << f;
    EXPECT_TRUE(PathUnder("/out", f).ok()) << f;
  }
  EXPECT_EQ(StreamFileName("../x", "t", "jsonl"), "%2E%2E%2Fx.t.jsonl");
}

TEST(PathUnder, RefusesNamesThatLeave) {
  for (const char* bad : {"", ".", "..", "a/b", "../x"})
    EXPECT_FALSE(PathUnder("/out", bad).ok()) << bad;
  EXPECT_EQ(*PathUnder("/out", "a.b.jsonl"), "/out/a.b.jsonl");
}

TEST(TruncateToCheckpoint, CutsATornTailAndRefusesAShorterFile) {
  TempDir d;
  std::string f = d.path + "/s.jsonl";
  Spit(f, "{\"id\":1}\n{\"id\":2}\n{\"id\":59860");
  ASSERT_TRUE(TruncateToCheckpoint(f, 18).ok());
  EXPECT_EQ(Slurp(f), "{\"id\":1}\n{\"id\":2}\n");
  ASSERT_TRUE(TruncateToCheckpoint(f, 18).ok());  // already there: unchanged
  EXPECT_EQ(Slurp(f), "{\"id\":1}\n{\"id\":2}\n");
  Status shorter = TruncateToCheckpoint(f, 100);
  EXPECT_EQ(shorter.code(), StatusCode::kInvalidArgument);
  EXPECT_NE(shorter.message().find("shorter than the 100 bytes"), std::string::npos)
      << shorter.message();
  EXPECT_EQ(Slurp(f), "{\"id\":1}\n{\"id\":2}\n");
  EXPECT_FALSE(TruncateToCheckpoint(d.path + "/missing.jsonl", 10).ok());
  EXPECT_TRUE(TruncateToCheckpoint(d.path + "/missing.jsonl", 0).ok());
  // A state from before lengths were recorded: cut after the last newline.
  Spit(f, "a\nb\nhalf a li");
  ASSERT_TRUE(TruncateToCheckpoint(f, -1).ok());
  EXPECT_EQ(Slurp(f), "a\nb\n");
  Spit(f, "no newline at all");
  ASSERT_TRUE(TruncateToCheckpoint(f, -1).ok());
  EXPECT_EQ(Slurp(f), "");
}

// A link, FIFO or directory planted where a stream file goes is refused, and what it points to
// is left as it was: neither emptied, appended to, nor cut to a checkpoint.
TEST(OpenOutputFile, WritesRegularFilesAndRefusesLinksAndFifos) {
  TempDir d;
  std::string f = d.path + "/s.jsonl", victim = d.path + "/victim";
  Spit(f, "old\n");
  auto w = OpenOutputFile(f, true);
  ASSERT_TRUE(w.ok()) << w.status().ToString();
  std::fputs("more\n", *w);
  std::fclose(*w);
  EXPECT_EQ(Slurp(f), "old\nmore\n");
  w = OpenOutputFile(f, false);
  ASSERT_TRUE(w.ok()) << w.status().ToString();
  std::fputs("new\n", *w);
  std::fclose(*w);
  EXPECT_EQ(Slurp(f), "new\n");

  Spit(victim, "keep me\n");
  std::string link = d.path + "/link.jsonl", fifo = d.path + "/fifo.jsonl", dir = d.path + "/dir";
  ASSERT_EQ(symlink(victim.c_str(), link.c_str()), 0);
  ASSERT_EQ(mkfifo(fifo.c_str(), 0600), 0);
  ASSERT_EQ(mkdir(dir.c_str(), 0700), 0);
  for (bool append : {false, true}) {
    for (const auto& [path, what] : {std::pair<std::string, std::string>{link, "a symbolic link"},
                                     {fifo, "a FIFO"},
                                     {dir, "a directory"}}) {
      auto r = OpenOutputFile(path, append);  // a FIFO without a reader must not block
      ASSERT_FALSE(r.ok()) << path;
      EXPECT_EQ(r.status().code(), StatusCode::kInvalidArgument) << r.status().ToString();
      EXPECT_NE(r.status().message().find(path + " is " + what), std::string::npos)
          << r.status().ToString();
    }
  }
  // A dangling link is refused too, and creates nothing where it points.
  std::string dangling = d.path + "/dangling.jsonl", target = d.path + "/made-by-link";
  ASSERT_EQ(symlink(target.c_str(), dangling.c_str()), 0);
  EXPECT_FALSE(OpenOutputFile(dangling, false).ok());
  EXPECT_FALSE(fs::exists(target));
  // Cutting a stream file back to its checkpoint does not follow a link either.
  Status cut = TruncateToCheckpoint(link, 2);
  EXPECT_EQ(cut.code(), StatusCode::kInvalidArgument) << cut.ToString();
  EXPECT_NE(cut.message().find("symbolic link"), std::string::npos) << cut.ToString();
  EXPECT_FALSE(TruncateToCheckpoint(link, -1).ok());
  EXPECT_EQ(Slurp(victim), "keep me\n");
}

TEST(WriteFileAtomic, ReplacesWholeWithTheModeAsked) {
  TempDir d;
  std::string f = d.path + "/state.json";
  Spit(f, "old");
  ASSERT_TRUE(WriteFileAtomic(f, "new contents", 0600).ok());
  EXPECT_EQ(Slurp(f), "new contents");
  struct stat sb;
  ASSERT_EQ(stat(f.c_str(), &sb), 0);
  EXPECT_EQ(sb.st_mode & 0777, 0600u);
  EXPECT_EQ(std::distance(fs::directory_iterator(d.path), fs::directory_iterator()),
            1);  // no temporary left
  EXPECT_FALSE(WriteFileAtomic(d.path + "/no/such/dir/x", "x", 0600).ok());
}

TEST(FileLock, SecondHolderIsRefusedWithThePid) {
  TempDir d;
  std::string lock = d.path + "/.lock";
  auto first = FileLock::Acquire(lock, "the folder");
  ASSERT_TRUE(first.ok()) << first.status().ToString();
  pid_t child = fork();
  if (child == 0) {  // another process: flock locks are per open file, so test across processes
    auto second = FileLock::Acquire(lock, "the folder");
    bool ok =
        !second.ok() && second.status().code() == StatusCode::kUnavailable &&
        second.status().message().find("PID " + std::to_string(getppid())) != std::string::npos;
    _exit(ok ? 0 : 1);
  }
  int status = 0;
  waitpid(child, &status, 0);
  EXPECT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0);
  { FileLock released = std::move(*first); }
  EXPECT_TRUE(FileLock::Acquire(lock, "the folder").ok());
}

TEST(StreamState, RoundTrips) {
  StreamState s;
  s.incremental = true;
  s.cursor = "ts";
  s.key_columns = std::vector<std::string>{"ts", "a", "b"};
  s.columns = std::vector<std::string>{"ts", "a", "b", "v"};
  s.complete = true;
  s.rows = 42;
  s.key = {"2024-01-01 00:00:00", "x\x1f", "y"};
  s.boundary_cursor = "2024-01-01 00:00:00";
  s.boundary_keys = {{"x\x1f", "y"}, {"x", "\x1fy"}};
  s.file_bytes = 1234;
  auto back = ParseStreamState(StreamStateJson(s), "s");
  ASSERT_TRUE(back.ok()) << back.status().ToString();
  EXPECT_EQ(StreamStateJson(*back), StreamStateJson(s));
  EXPECT_EQ(back->boundary_keys.size(), 2u);
}

TEST(StreamState, ReadsTheOlderJoinedBoundaryKeys) {
  auto s =
      ParseStreamState(nlohmann::json::parse(R"({"mode":"incremental","cursor":"ts","complete":true,
      "boundary_cursor":"5","boundary_keys":["1\u001f","2\u001f"]})"),
                       "s");
  ASSERT_TRUE(s.ok()) << s.status().ToString();
  EXPECT_EQ(s->boundary_keys, (std::vector<std::vector<std::string>>{{"1"}, {"2"}}));
}

TEST(StreamState, WrongShapesNameTheField) {
  const std::vector<std::pair<const char*, const char*>> cases = {
      {R"({"complete":"yes"})", "s.complete: expected true or false, found a string (\"yes\")"},
      {R"({"key":[5]})", "s.key[0]: expected a string, found a number (5)"},
      {R"({"key":[null]})", "s.key[0]: expected a string, found null"},
      {R"({"key":"8000"})", "s.key: expected a list of strings, found a string"},
      {R"({"rows":1.5})", "s.rows: expected a whole number, found a number (1.5)"},
      {R"({"rows":-3})", "s.rows: expected a count of 0 or more"},
      {R"({"rows":99999999999999999999})", "s.rows: expected a whole number"},
      {R"({"mode":5})", "s.mode: expected a string, found a number (5)"},
      {R"({"mode":"x"})", "s.mode: expected \"full_refresh\" or \"incremental\""},
      {R"({"boundary_cursor":{}})", "s.boundary_cursor: expected a string, found an object"},
      {R"({"boundary_keys":[["a"],"b"]})",
       "s.boundary_keys[1]: expected a list of strings, found a string"},
      {R"({"boundary_keys":["a",["b"]]})", "s.boundary_keys[1]: expected a string like the others"},
      {R"({"boundary_keys":[[1]]})",
       "s.boundary_keys[0][0]: expected a string, found a number (1)"},
      {R"({"key_columns":["a","b"],"key":["1"]})", "s.key: holds 1 values for 2 key columns"},
      {R"({"file_bytes":-7})", "s.file_bytes: expected a length of 0 or more"},
      {R"([1,2])", "s: expected an object, found a list"},
  };
  for (const auto& [text, want] : cases) {
    auto s = ParseStreamState(nlohmann::json::parse(text), "s");
    ASSERT_FALSE(s.ok()) << text;
    EXPECT_EQ(s.status().code(), StatusCode::kInvalidArgument) << text;
    EXPECT_NE(s.status().message().find(want), std::string::npos)
        << text << " -> " << s.status().message();
  }
}

TEST(SyncState, MalformedFilesAreErrorsNotCrashes) {
  const std::vector<std::pair<std::string, const char*>> cases = {
      {"{not json", "F is not valid JSON (at byte "},
      {"", "is not valid JSON"},
      {"[]", "expected an object, found a list"},
      {"{}", "missing \"streams\""},
      {R"({"streams":[]})", "F.streams: expected an object, found a list"},
      {R"({"streams":{"public.t":{"key":{"a":1}}}})",
       "F.streams[\"public.t\"].key: expected a list of strings"},
      {std::string(100000, '[') + std::string(100000, ']'), "F"},
      {"{\"streams\":{\"\xff\":{}}}", "is not valid JSON"},
  };
  for (const auto& [text, want] : cases) {
    auto s = ParseSyncState(text, "F");
    ASSERT_FALSE(s.ok()) << text.substr(0, 40);
    EXPECT_NE(s.status().message().find(want), std::string::npos)
        << text.substr(0, 40) << " -> " << s.status().message();
  }
}

}  // namespace
}  // namespace rsx
