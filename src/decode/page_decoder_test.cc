// Golden pages for the decoder: JSON unions (every Field member, unknown page members ignored)
// and CSV (quoting, NULL vs empty string, trailing empty fields, embedded newlines).

#include "decode/page_decoder.h"

#include <gtest/gtest.h>

#include <random>
#include <regex>

namespace rsx {
namespace {

TEST(PageDecoder, JsonFieldUnions) {
  std::string body =
      R"({"Records":[[{"longValue":-9223372036854775808},{"stringValue":"a\"b\u00e9"},
    {"isNull":true},{"doubleValue":1.5e+300},{"booleanValue":true},{"blobValue":"AP8Q"}]],
    "ColumnMetadata":[{"name":"a","typeName":"int8","nullable":0},{"name":"b","typeName":"varchar"},
    {"name":"c","typeName":"int4"},{"name":"d","typeName":"float8"},{"name":"e","typeName":"bool"},
    {"name":"f","typeName":"varbyte","someNewMember":1}],
    "TotalNumRows":1,"NextToken":"tok","AFutureMember":{"x":[1,2]}})";
  PageDecoder d;
  DecodedPage p;
  ASSERT_TRUE(d.DecodeJson(body, &p).ok());
  ASSERT_EQ(p.num_rows, 1u);
  ASSERT_EQ(p.num_cols, 6u);
  EXPECT_EQ(p.at(0, 0).l, INT64_MIN);
  EXPECT_EQ(p.at(0, 1).text, "a\"bé");
  EXPECT_EQ(p.at(0, 2).kind, CellKind::kNull);
  EXPECT_EQ(p.at(0, 3).text, "1.5e+300");
  EXPECT_TRUE(p.at(0, 4).b);
  EXPECT_EQ(p.at(0, 5).text, "AP8Q");
  EXPECT_EQ(p.columns.size(), 6u);
  EXPECT_EQ(p.columns[0].nullable, 0);
  EXPECT_EQ(p.total_rows, 1);
  EXPECT_EQ(p.next_token, "tok");
}

// A string is `plain` (written to JSON as it is) only when the page held it without escapes;
// a raw control byte is refused by the parser, never copied into JSON output.
TEST(PageDecoder, PlainStringsAreThoseWithoutEscapes) {
  std::string body =
      R"({"Records":[[{"stringValue":"abc"},{"stringValue":"a\"b"},{"stringValue":"\u00e9"},)"
      R"({"stringValue":""},{"stringValue":"ü日 , x" },{"stringValue":"\\\""},)"
      R"({"blobValue":"AP8Q"},{"stringValue":"\/"},{"stringValue":"\"\""}]]})";
  PageDecoder d;
  DecodedPage p;
  ASSERT_TRUE(d.DecodeJson(body, &p).ok());
  ASSERT_EQ(p.num_cols, 9u);
  std::vector<bool> plain;
  for (size_t c = 0; c < p.num_cols; ++c) plain.push_back(p.at(0, c).plain);
  EXPECT_EQ(plain, (std::vector<bool>{true, false, false, true, true, false, true, false, false}));
  EXPECT_EQ(p.at(0, 4).text, "ü日 , x");
  EXPECT_EQ(p.at(0, 5).text, "\\\"");
  std::string json;
  for (size_t c = 0; c < p.num_cols; ++c) {
    AppendJsonValue(&json, RedshiftType::kVarchar, p.at(0, c));
    json += ' ';
  }
  EXPECT_EQ(json, R"("abc" "a\"b" "é" "" "ü日 , x" "\\\"" "AP8Q" "/" "\"\"" )");

  for (char control : {'\x01', '\n', '\x1f'}) {
    std::string raw = std::string(R"({"Records":[[{"stringValue":"a)") + control + R"(b"}]]})";
    DecodedPage q;
    Status st = d.DecodeJson(raw, &q);
    if (st.ok()) {  // if the parser ever let it through, JSON output must still escape it
      std::string out;
      AppendJsonValue(&out, RedshiftType::kVarchar, q.at(0, 0));
      EXPECT_EQ(out.find(control), std::string::npos) << static_cast<int>(control);
    }
  }
}

// The same ColumnMetadata on every page is parsed once; a page with other metadata is read anew.
TEST(PageDecoder, ColumnMetadataOfEachPage) {
  PageDecoder d;
  auto page = [](const std::string& meta) {
    return R"({"Records":[[{"longValue":1}]],"ColumnMetadata":)" + meta + "}";
  };
  std::string a = R"([{"name":"a","typeName":"int8"}])";
  std::string b = R"([{"name":"b","typeName":"varchar","length":12}])";
  for (const std::string& meta : {a, a, b, a, std::string("[]"), a}) {
    std::string body = page(meta);
    DecodedPage p;
    ASSERT_TRUE(d.DecodeJson(body, &p).ok());
    EXPECT_TRUE(p.has_columns);
    if (meta == "[]") {
      EXPECT_TRUE(p.columns.empty());
      continue;
    }
    ASSERT_EQ(p.columns.size(), 1u);
    EXPECT_EQ(p.columns[0].name, meta == a ? "a" : "b");
    EXPECT_EQ(p.columns[0].type_name, meta == a ? "int8" : "varchar");
  }
}

// An integer's JSON text is the token as the page sent it, and JSON output copies it; tokens
// JSON's grammar or int64 refuse are errors, and "-0" is written as 0.
TEST(PageDecoder, IntegersAreCopiedOnlyAsJsonIntegers) {
  auto json_of = [](const std::string& token) -> std::string {
    std::string body = R"({"Records":[[{"longValue":)" + token + R"( }]]})";
    PageDecoder d;
    DecodedPage p;
    if (!d.DecodeJson(body, &p).ok()) return "error";
    std::string out;
    AppendJsonValue(&out, RedshiftType::kBigInt, p.at(0, 0));
    return out + (p.at(0, 0).text.empty() ? " (formatted)" : "");
  };
  EXPECT_EQ(json_of("0"), "0");
  EXPECT_EQ(json_of("42"), "42");
  EXPECT_EQ(json_of("-17"), "-17");
  EXPECT_EQ(json_of("9223372036854775807"), "9223372036854775807");
  EXPECT_EQ(json_of("-9223372036854775808"), "-9223372036854775808");
  EXPECT_EQ(json_of("-0"), "0 (formatted)");
  for (const char* bad : {"007", "-01", "+1", "1.0", "1e2", "9223372036854775808",
                          "-9223372036854775809", "--1", "1-", "0x10", "\"1\""}) {
    EXPECT_EQ(json_of(bad), "error") << bad;
  }
  // Other decoders leave the text empty: the number is formatted.
  Cell c{CellKind::kLong, false, false, false, -123, {}};
  std::string out;
  AppendJsonValue(&out, RedshiftType::kInteger, c);
  EXPECT_EQ(out, "-123");
}

TEST(PageDecoder, RaggedRowsAreDataLoss) {
  std::string body = R"({"Records":[[{"longValue":1},{"longValue":2}],[{"longValue":3}]]})";
  PageDecoder d;
  DecodedPage p;
  EXPECT_EQ(d.DecodeJson(body, &p).code(), StatusCode::kDataLoss);
}

TEST(PageDecoder, CsvQuotingNullsAndTrailingEmptyFields) {
  std::vector<ColumnInfo> cols(3);
  cols[0].type_name = "int4";
  cols[1].type_name = "varchar";
  cols[2].type_name = "varchar";
  std::string body =
      R"({"Records":[{"CSVRecords":"1,\"a,\"\"b\"\"\nc\",\n2,,\"\"\n3,x,y\n"}],"TotalNumRows":3})";
  PageDecoder d;
  DecodedPage p;
  auto st = d.DecodeCsv(body, cols, &p);
  ASSERT_TRUE(st.ok()) << st.ToString();
  ASSERT_EQ(p.num_rows, 3u);
  EXPECT_EQ(p.at(0, 0).l, 1);
  EXPECT_EQ(p.at(0, 1).text, "a,\"b\"\nc");
  EXPECT_EQ(p.at(0, 2).kind, CellKind::kNull);  // empty unquoted: NULL
  EXPECT_EQ(p.at(1, 1).kind, CellKind::kNull);
  EXPECT_EQ(p.at(1, 2).kind, CellKind::kString);  // "": the empty string
  EXPECT_EQ(p.at(1, 2).text, "");
  EXPECT_EQ(p.at(2, 2).text, "y");
}

// Found by fuzz_csv_page: a varbyte field that is not hexadecimal threw from std::stoi.
// Quoted CSV fields: without doubled quotes they are the page's own bytes, with them an unescaped
// copy; both kinds side by side in one row, and a field left open is an error.
TEST(PageDecoder, CsvQuotedFieldsWithAndWithoutDoubledQuotes) {
  std::vector<ColumnInfo> cols(6);
  for (auto& c : cols) c.type_name = "varchar";
  std::string body =
      R"({"Records":[{"CSVRecords":"\"\"\"\",\"x\"\"\",\"\"\"y\",\"a\"\"b\"\"c\",\"p,q\r\nr\",plain\n)"
      R"(\"\",\"\",\"\"\"\"\"\",\"z\",,\"\"\"\"\n"}]})";
  PageDecoder d;
  DecodedPage p;
  auto st = d.DecodeCsv(body, cols, &p);
  ASSERT_TRUE(st.ok()) << st.ToString();
  ASSERT_EQ(p.num_rows, 2u);
  std::vector<std::string> got;
  for (size_t r = 0; r < 2; ++r)
    for (size_t c = 0; c < 6; ++c)
      got.push_back(p.at(r, c).kind == CellKind::kNull ? "NULL" : std::string(p.at(r, c).text));
  EXPECT_EQ(got, (std::vector<std::string>{"\"", "x\"", "\"y", "a\"b\"c", "p,q\r\nr", "plain", "",
                                           "", "\"\"", "z", "NULL", "\""}));
  std::string open = R"({"Records":[{"CSVRecords":"a,\"b\"\"c\n"}]})";
  std::vector<ColumnInfo> two(2);
  for (auto& c : two) c.type_name = "varchar";
  EXPECT_EQ(d.DecodeCsv(open, two, &p).code(), StatusCode::kDataLoss);
}

// Random CSV pages (fields dense in commas, quotes, CR and LF, some quoted, some NULL) split back
// into exactly the fields they were made of.
TEST(PageDecoder, CsvRandomPagesRoundTrip) {
  std::mt19937 rng(7);
  const std::vector<std::string> alphabet = {"a", "b", ",", "\"", "\r", "\n", " ", "x", "\xc3\xbc"};
  PageDecoder d;
  for (int page = 0; page < 300; ++page) {
    size_t ncols = 1 + rng() % 5, nrows = 1 + rng() % 8;
    std::vector<ColumnInfo> cols(ncols);
    for (auto& c : cols) c.type_name = "varchar";
    std::string csv;
    std::vector<std::string> want;
    for (size_t r = 0; r < nrows; ++r) {
      for (size_t c = 0; c < ncols; ++c) {
        std::string v;
        for (int n = static_cast<int>(rng() % 24); n > 0; --n)
          v += alphabet[rng() % alphabet.size()];
        bool null = rng() % 6 == 0;
        bool special = v.find_first_of(",\"\r\n") != std::string::npos;
        if (c) csv += ',';
        if (null) {
          want.push_back("NULL");
          continue;
        }
        want.push_back(v);
        if (!special && !v.empty() && rng() % 2) {
          csv += v;
          continue;
        }
        csv += '"';
        for (char ch : v) csv += ch == '"' ? std::string("\"\"") : std::string(1, ch);
        csv += '"';
      }
      csv += rng() % 2 ? "\n" : "\r\n";
    }
    std::string body = R"({"Records":[{"CSVRecords":)";
    AppendJsonString(&body, csv);
    body += "}]}";
    DecodedPage p;
    Status st = d.DecodeCsv(body, cols, &p);
    ASSERT_TRUE(st.ok()) << st.ToString() << "\n" << csv;
    ASSERT_EQ(p.num_rows, nrows);
    std::vector<std::string> got;
    for (const Cell& cell : p.cells)
      got.push_back(cell.kind == CellKind::kNull ? "NULL" : std::string(cell.text));
    ASSERT_EQ(got, want) << csv;
  }
}

TEST(PageDecoder, CsvVarbyteThatIsNotHexIsAnError) {
  std::vector<ColumnInfo> cols(1);
  cols[0].type_name = "varbyte";
  PageDecoder d;
  DecodedPage p;
  std::string good = R"({"Records":[{"CSVRecords":"\\x00ff\n"}],"TotalNumRows":1})";
  ASSERT_TRUE(d.DecodeCsv(good, cols, &p).ok());
  EXPECT_EQ(p.at(0, 0).text, "AP8=");
  std::string bad = R"({"Records":[{"CSVRecords":"zz\n"}],"TotalNumRows":1})";
  Status st = d.DecodeCsv(bad, cols, &p);
  EXPECT_EQ(st.code(), StatusCode::kInternal);
  EXPECT_NE(st.message().find("not hexadecimal"), std::string::npos) << st.ToString();
}

TEST(TypeMap, JsonValuesNeverLoseDecimalDigits) {
  std::string out;
  Cell c{CellKind::kString, false, false, false, 0, "12345678901234567890.123456789012345678"};
  AppendJsonValue(&out, RedshiftType::kDecimal, c);
  EXPECT_EQ(out, "12345678901234567890.123456789012345678");
  out.clear();
  AppendJsonValue(&out, RedshiftType::kTimestampTz,
                  {CellKind::kString, false, false, false, 0, "2024-06-30 18:29:59+05"});
  EXPECT_EQ(out, "\"2024-06-30T18:29:59+05:00\"");
  out.clear();
  AppendJsonValue(&out, RedshiftType::kDecimal, {CellKind::kString, false, false, false, 0, "NaN"});
  EXPECT_EQ(out, "\"NaN\"");
}

// Numeric text is written as a JSON number only when it is one (RFC 8259); anything else the
// server sends becomes a JSON string, so the line stays valid JSON.
TEST(TypeMap, NumbersAreWrittenBareOnlyWhenTheyAreJsonNumbers) {
  for (const char* number : {"0", "-0", "7", "-12.5", "0.0001", "1e10", "1E+10", "-2.5e-3",
                             "12345678901234567890123456789012345678", "123456789.123456789",
                             "99999999999999999999999999.999999999999"}) {
    std::string out;
    AppendJsonValue(&out, RedshiftType::kDecimal,
                    {CellKind::kString, false, true, false, 0, number});
    EXPECT_EQ(out, number);
    out.clear();
    AppendJsonValue(&out, RedshiftType::kBigInt,
                    {CellKind::kString, false, false, false, 0, number});
    EXPECT_EQ(out, number);
  }
  for (const char* text :
       {"",          "-",   "+1",        ".5",         "5.",          "1.2.3", "1e",
        "1e+",       "007", "0x10",      "1 ",         " 1",          "NaN",   "Infinity",
        "-Infinity", "1,5", "12345678a", "123456789-", "1.23456789e", "--1"}) {
    std::string out;
    AppendJsonValue(&out, RedshiftType::kDecimal, {CellKind::kString, false, true, false, 0, text});
    EXPECT_EQ(out, "\"" + std::string(text) + "\"") << text;
  }
}

// Random texts, dense in what a number's grammar turns on, are written bare exactly when they
// match RFC 8259's number grammar (a regular expression here, not rsx's code).
TEST(TypeMap, NumbersMatchJsonsGrammarOnRandomTexts) {
  const std::regex number(R"(-?(0|[1-9][0-9]*)(\.[0-9]+)?([eE][+-]?[0-9]+)?)");
  const std::string alphabet = "0123456789012345678901234567890-.-.eE+ a";
  std::mt19937 rng(17);
  int bare = 0;
  for (int i = 0; i < 200000; ++i) {
    std::string text(rng() % 36, ' ');
    if (i % 2 == 0) {  // digits, a sign and a point, then perhaps one byte from the alphabet
      for (char& c : text) c = static_cast<char>('0' + rng() % 10);
      if (rng() % 2 && text.size() > 1) text[0] = '-';
      if (rng() % 4 && text.size() > 2) text[1 + rng() % (text.size() - 1)] = '.';
      if (rng() % 2 && !text.empty()) text[rng() % text.size()] = alphabet[rng() % alphabet.size()];
    } else {
      for (char& c : text) c = alphabet[rng() % alphabet.size()];
      if (i % 3 == 0 && text.size() > 2) text[rng() % 2] = '-';
      if (text.size() > 3) text[1 + rng() % (text.size() - 2)] = '.';
    }
    std::string out;
    AppendJsonValue(&out, RedshiftType::kDecimal, {CellKind::kString, false, true, false, 0, text});
    bool want = std::regex_match(text, number);
    ASSERT_EQ(out, want ? text : "\"" + text + "\"") << text;
    bare += want;
  }
  EXPECT_GT(bare, 20000);  // the texts reach the bare side often enough to mean something
}

TEST(TypeMap, SchemasCarryAirbyteTypes) {
  ColumnInfo ts;
  ts.type_name = "timestamp";
  ts.nullable = 1;
  EXPECT_EQ(
      JsonSchemaFor(ts),
      R"({"airbyte_type":"timestamp_without_timezone","format":"date-time","type":["null","string"]})");
  ColumnInfo id;
  id.type_name = "int8";
  id.nullable = 0;
  EXPECT_EQ(JsonSchemaFor(id), R"({"type":"integer"})");
}

}  // namespace
}  // namespace rsx
