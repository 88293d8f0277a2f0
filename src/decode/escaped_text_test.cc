// String cells that keep their JSON escapes (PageDecoder::set_keep_escapes, Cell::escaped): only
// rsx's own escapes are kept, and every reader (JSON, CSV, CellText) sees what it would have
// seen with the text unescaped.

#include <gtest/gtest.h>

#include <nlohmann/json.hpp>
#include <random>

#include "decode/page_decoder.h"

namespace rsx {
namespace {

// A page of one row whose string values are these JSON string tokens.
std::string Page(const std::vector<std::string>& tokens) {
  std::string body = R"({"Records":[[)";
  for (size_t i = 0; i < tokens.size(); ++i)
    body += std::string(i ? "," : "") + R"({"stringValue":)" + tokens[i] + "}";
  return body + "]]}";
}

// A decoded page with its decoder and body (the cells' views point into both).
struct Decoded {
  PageDecoder decoder;
  std::string body;
  DecodedPage page;
  Status status;
  Decoded(std::string b, bool keep) : body(std::move(b)) {
    decoder.set_keep_escapes(keep);
    status = decoder.DecodeJson(body, &page);
  }
};

TEST(EscapedText, OnlyRsxsOwnEscapesAreKept) {
  std::vector<std::string> tokens = {
      R"("plain")",  R"("a\"b")",   R"("\\")",    R"("x\n\r\ty")",    R"("\u0001\u001f")",
      R"("\u00e9")", R"("\/")",     R"("\b\f")",  R"("\u000a")",      R"("\u001F")",
      R"("\u0009")", R"("\u000d")", R"("é\"日")", R"("\ud83d\ude00")"};
  std::vector<bool> kept = {false, true,  true,  true,  true,  false, false,
                            false, false, false, false, false, true,  false};
  Decoded with(Page(tokens), true), without(Page(tokens), false);
  ASSERT_TRUE(with.status.ok() && without.status.ok()) << with.status.ToString();
  ASSERT_EQ(with.page.num_cols, tokens.size());
  for (size_t c = 0; c < tokens.size(); ++c) {
    const Cell& k = with.page.at(0, c);
    const Cell& u = without.page.at(0, c);
    EXPECT_EQ(k.escaped, kept[c]) << tokens[c];
    EXPECT_FALSE(u.escaped);
    std::string scratch;
    std::string text = nlohmann::json::parse(tokens[c]).get<std::string>();  // test's own literal
    EXPECT_EQ(CellText(k, &scratch), text) << tokens[c];
    EXPECT_EQ(u.text, text) << tokens[c];
    for (RedshiftType t : {RedshiftType::kVarchar, RedshiftType::kChar}) {
      std::string a, b;
      AppendJsonValue(&a, t, k);
      AppendJsonValue(&b, t, u);
      EXPECT_EQ(a, b) << tokens[c];
      a.clear();
      b.clear();
      AppendCsvValue(&a, t, k);
      AppendCsvValue(&b, t, u);
      EXPECT_EQ(a, b) << tokens[c];
      EXPECT_EQ(DisplayText(t, k), DisplayText(t, u)) << tokens[c];
    }
  }
}

// A raw control byte in a string is refused by the parser or escaped in JSON output, never
// copied, whether escapes are kept or not.
TEST(EscapedText, RawControlBytesNeverReachJsonOutput) {
  for (bool keep : {true, false})
    for (char control : {'\x01', '\n', '\x1f'})
      for (const char* around : {"", "\\\"", "\\n"}) {
        std::string token = std::string("\"a") + around + control + "b\"";
        Decoded d(Page({token}), keep);
        if (d.page.num_rows == 1) {
          std::string out;
          AppendJsonValue(&out, RedshiftType::kVarchar, d.page.at(0, 0));
          EXPECT_EQ(out.find(control), std::string::npos) << token << " keep " << keep;
        }
      }
}

// Random texts (controls, quotes, backslashes, multi-byte UTF-8), escaped three ways: as rsx
// writes them, as nlohmann writes them (\b, \f) and with every byte below 0x20 as upper-case
// \u00XX. Kept or not, each cell reads back the same text and writes the same JSON and CSV, for
// string types and for types whose JSON form is not a string of the text.
TEST(EscapedText, RandomTextsReadAndWriteTheSameKeptOrNot) {
  const std::vector<std::string> pieces = {"a",
                                           "b",
                                           "7",
                                           ".",
                                           "-",
                                           " ",
                                           ",",
                                           "\"",
                                           "\\",
                                           "\n",
                                           "\r",
                                           "\t",
                                           "\x01",
                                           "\x08",
                                           "\x0c",
                                           "\x1f",
                                           "é",
                                           "日",
                                           "😀",
                                           "{",
                                           "}",
                                           ":",
                                           "2024-01-01 00:00:00",
                                           "t",
                                           "1.5"};
  std::mt19937 rng(23);
  int kept = 0;
  for (int i = 0; i < 3000; ++i) {
    std::string text;
    for (size_t n = rng() % 12; n > 0; --n) text += pieces[rng() % pieces.size()];
    std::string token;
    switch (i % 3) {
      case 0:
        AppendJsonString(&token, text);
        break;
      case 1:
        token = nlohmann::json(text).dump();
        break;
      default:
        token = "\"";
        for (unsigned char ch : text) {
          char buf[8];
          std::snprintf(buf, sizeof buf, "\\u%04X", ch);
          token += ch < 0x20    ? buf
                   : ch == '"'  ? "\\\""
                   : ch == '\\' ? "\\\\"
                                : std::string(1, static_cast<char>(ch));
        }
        token += "\"";
    }
    Decoded with(Page({token}), true), without(Page({token}), false);
    ASSERT_TRUE(with.status.ok() && without.status.ok()) << token;
    const Cell& k = with.page.at(0, 0);
    const Cell& u = without.page.at(0, 0);
    kept += k.escaped;
    std::string scratch;
    ASSERT_EQ(CellText(k, &scratch), text) << token;
    ASSERT_EQ(u.text, text) << token;
    for (RedshiftType t : {RedshiftType::kVarchar, RedshiftType::kDecimal, RedshiftType::kBoolean,
                           RedshiftType::kTimestamp, RedshiftType::kSuper, RedshiftType::kDate}) {
      std::string a, b;
      AppendJsonValue(&a, t, k);
      AppendJsonValue(&b, t, u);
      ASSERT_EQ(a, b) << token << " as " << TypeName(t);
      a.clear();
      b.clear();
      AppendCsvValue(&a, t, k);
      AppendCsvValue(&b, t, u);
      ASSERT_EQ(a, b) << token << " as " << TypeName(t);
    }
  }
  EXPECT_GT(kept, 500);  // rsx's own escapes (a third of the texts) are kept when they have any
}

}  // namespace
}  // namespace rsx
