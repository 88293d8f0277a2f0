#include "decode/super_json.h"

#include <gtest/gtest.h>

#include <nlohmann/json.hpp>
#include <random>

namespace rsx {
namespace {

// What rsx wrote for SUPER before the fast path, and still writes outside it.
std::string Reference(const std::string& text) { return nlohmann::json::parse(text).dump(); }

// Random JSON text: nested objects and arrays, keys in random order (sometimes sorted),
// integers (some beyond 32 bits), doubles, strings with and without escapes and UTF-8,
// booleans, nulls, and optional whitespace.
std::string Random(std::mt19937& rng, int depth, bool sorted_keys, bool spaces) {
  auto pick = [&](int n) { return static_cast<int>(rng() % static_cast<unsigned>(n)); };
  std::string ws = spaces && pick(3) == 0 ? " " : "";
  int kind = depth > 3 ? 2 + pick(5) : pick(7);
  switch (kind) {
    case 0: {
      std::vector<std::string> keys;
      for (int n = pick(5); n > 0; --n)
        keys.push_back(std::string(1, static_cast<char>('a' + pick(6))) + (pick(2) ? "k" : ""));
      if (sorted_keys) {
        std::sort(keys.begin(), keys.end());
        keys.erase(std::unique(keys.begin(), keys.end()), keys.end());
      }
      std::string s = "{" + ws;
      for (size_t i = 0; i < keys.size(); ++i)
        s += (i ? "," + ws : "") + "\"" + keys[i] + "\":" + ws +
             Random(rng, depth + 1, sorted_keys, spaces);
      return s + ws + "}";
    }
    case 1: {
      std::string s = "[" + ws;
      for (int n = pick(4), i = 0; i < n; ++i)
        s += (i ? "," + ws : "") + Random(rng, depth + 1, sorted_keys, spaces);
      return s + "]";
    }
    case 2:
      // Up to 31 bits, shifted past 32 bits half the time: beyond int32, within int64.
      return std::to_string(static_cast<long long>(rng() % 2147483648U) * (pick(2) ? 1 : -1) *
                            (pick(2) ? 4294967296LL : 1));
    case 3:
      return pick(2) ? "1.5" : (pick(2) ? "-0.25e3" : "100.0");
    case 4: {
      static const char* kStrings[] = {"\"plain\"",   "\"Z\xc3\xbcrich \xe6\x9d\xb1\"",
                                       "\"\"",        "\"quote \\\" inside\"",
                                       "\"\\u0041\"", "\"tab\\t\""};
      return kStrings[pick(6)];
    }
    case 5:
      return pick(2) ? "true" : "false";
    default:
      return "null";
  }
}

TEST(SuperJson, EqualsNlohmannsCompactFormOrDeclines) {
  std::mt19937 rng(42);
  int fast = 0;
  for (int i = 0; i < 5000; ++i) {
    bool sorted = i % 2 == 0, spaces = i % 3 == 0;
    std::string text = Random(rng, 0, sorted, spaces);
    std::string out = "prefix";
    if (AppendCanonicalSuperJson(text, &out)) {
      ++fast;
      ASSERT_EQ(out, "prefix" + Reference(text)) << text;
    } else {
      ASSERT_EQ(out, "prefix") << text;  // declined: nothing written
    }
  }
  EXPECT_GT(fast, 1000);  // the usual shape does take the fast path
}

TEST(SuperJson, DeclinesWhatItCannotReproduce) {
  for (const char* text : {"{\"b\":1,\"a\":2}", "{\"a\":1,\"a\":2}", "1.5", "[1e2]", "\"\\u00e9\"",
                           "not json", "", "{\"a\":1", "123456789012345678901234"}) {
    std::string out;
    EXPECT_FALSE(AppendCanonicalSuperJson(text, &out)) << text;
    EXPECT_TRUE(out.empty());
  }
  std::string out;
  ASSERT_TRUE(AppendCanonicalSuperJson(" { \"a\" : [ 1 , true , null , \"x y\" ] } ", &out));
  EXPECT_EQ(out, "{\"a\":[1,true,null,\"x y\"]}");
}

}  // namespace
}  // namespace rsx
