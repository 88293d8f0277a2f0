#include "decode/super_json.h"

#include <gtest/gtest.h>

#include <nlohmann/json.hpp>
#include <random>

namespace rsx {
namespace {

// What rsx wrote for SUPER before the fast path, and still writes outside it; "" when nlohmann
// refuses the text (the fast path must then decline too).
std::string Reference(const std::string& text) {
  auto j = nlohmann::json::parse(text, nullptr, false);
  return j.is_discarded() ? "" : j.dump();
}

// Strings with every kind of escape: named, \u00xx control characters, \/ , \u escapes of
// ASCII, of 2- and 3-byte UTF-8 and of a surrogate pair, and lone surrogates (refused by both).
const char* kEscaped[] = {
    R"("\b\f\n\r\t")",   R"("\u0001\u001F\u001f")", R"("a\/b")",   R"("\u0041\u00e9")",
    R"("\u6771 \\ \"")", R"("\ud83d\ude00")",       R"("\ud800")", R"("x\udc00")",
    R"("\u007f\u0000")", "\"raw \x7f del\""};

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
      for (int n = pick(5); n > 0; --n) {
        std::string key(1, static_cast<char>('a' + pick(6)));
        int tail = pick(5);  // escapes in keys too; "\u0062" is "b", "\n" sorts first
        key += tail == 0 ? "k" : tail == 1 ? "\\u0062" : tail == 2 ? "\\n" : "";
        keys.push_back(key);
      }
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
      return pick(2) ? kStrings[pick(6)] : kEscaped[pick(sizeof kEscaped / sizeof *kEscaped)];
    }
    case 5:
      return pick(2) ? "true" : "false";
    default:
      return "null";
  }
}

TEST(SuperJson, EqualsNlohmannsCompactFormOrDeclines) {
  std::mt19937 rng(42);
  int fast = 0, fast_escaped = 0;
  for (int i = 0; i < 5000; ++i) {
    bool sorted = i % 2 == 0, spaces = i % 3 == 0;
    std::string text = Random(rng, 0, sorted, spaces);
    std::string out = "prefix";
    std::string want = Reference(text);
    if (AppendCanonicalSuperJson(text, &out)) {
      ++fast;
      fast_escaped += text.find('\\') != std::string::npos;
      ASSERT_FALSE(want.empty()) << "nlohmann refuses what the fast path wrote: " << text;
      ASSERT_EQ(out, "prefix" + want) << text;
    } else {
      ASSERT_EQ(out, "prefix") << text;  // declined: nothing written
    }
  }
  EXPECT_GT(fast, 1000);         // the usual shape does take the fast path
  EXPECT_GT(fast_escaped, 300);  // and so does text with escapes
}

TEST(SuperJson, DeclinesWhatItCannotReproduce) {
  for (const char* text :
       {"{\"b\":1,\"a\":2}", "{\"a\":1,\"a\":2}", "{\"a\\u0062\":1,\"ab\":2}", "1.5", "[1e2]",
        "\"\\ud800\"", "not json", "", "{\"a\":1", "123456789012345678901234"}) {
    std::string out;
    EXPECT_FALSE(AppendCanonicalSuperJson(text, &out)) << text;
    EXPECT_TRUE(out.empty());
  }
  std::string out;
  ASSERT_TRUE(AppendCanonicalSuperJson(" { \"a\" : [ 1 , true , null , \"x y\" ] } ", &out));
  EXPECT_EQ(out, "{\"a\":[1,true,null,\"x y\"]}");
  out.clear();
  ASSERT_TRUE(AppendCanonicalSuperJson(R"({"a":"\u0001","\u0062":"\u00e9\/\b"})", &out));
  EXPECT_EQ(out, "{\"a\":\"\\u0001\",\"b\":\"é/\\b\"}");  // keys compared once unescaped
}

}  // namespace
}  // namespace rsx
