// The UNLOAD JSON-lines decoder: each type gives the cell the Data API path gives (so one
// encoder writes both alike), a left-out key or null is NULL, and a damaged line is an error
// naming the line and column.

#include "decode/unload_json.h"

#include <gtest/gtest.h>

#include "output/row_encoder.h"

namespace rsx {
namespace {

std::vector<ColumnInfo> Cols(std::vector<std::pair<std::string, std::string>> spec) {
  std::vector<ColumnInfo> out;
  for (auto& [name, type] : spec) {
    ColumnInfo c;
    c.name = name;
    c.type_name = type;
    out.push_back(c);
  }
  return out;
}

std::string Encode(const std::vector<ColumnInfo>& cols, const DecodedPage& p, size_t r,
                   RowEncoder::Form form = RowEncoder::Form::kJsonObject) {
  util::OutBuf buf(1 << 12);
  RowEncoder(cols, form).Encode(p, r, &buf);
  return std::string(buf.data(), buf.size());
}

TEST(UnloadJsonDecoder, EveryTypeAsTheDataApiGivesIt) {
  auto cols = Cols({{"i", "int8"},
                    {"n", "numeric"},
                    {"d", "float8"},
                    {"b", "bool"},
                    {"s", "varchar"},
                    {"t", "timestamptz"},
                    {"j", "super"},
                    {"v", "varbyte"},
                    {"f", "float4"}});
  std::string lines =
      R"({"c0":-9223372036854775808,"c1":12345678901234567890123456.1234567890,"c2":1.5e+300,)"
      R"("c3":true,"c4":"a\"b\\c\n\u00e9,;|","c5":"2008-01-01 19:30:00+00","c6":{"a":[1,"x"]},)"
      R"("c7":"00ff10","c8":"NaN"})"
      "\n"
      R"({"c4":"","c6":"str","c2":null})"
      "\n";
  UnloadJsonDecoder d(cols);
  DecodedPage p;
  ASSERT_TRUE(d.Decode(lines, &p).ok());
  ASSERT_EQ(p.num_rows, 2u);
  ASSERT_EQ(p.num_cols, 9u);
  EXPECT_EQ(p.at(0, 0).kind, CellKind::kLong);
  EXPECT_EQ(p.at(0, 0).l, INT64_MIN);
  EXPECT_EQ(p.at(0, 1).kind, CellKind::kString);  // exact digits, never a double
  EXPECT_EQ(p.at(0, 1).text, "12345678901234567890123456.1234567890");
  EXPECT_EQ(p.at(0, 2).kind, CellKind::kDouble);
  EXPECT_EQ(p.at(0, 2).text, "1.5e+300");
  EXPECT_TRUE(p.at(0, 3).b);
  EXPECT_EQ(p.at(0, 4).text, "a\"b\\c\n\xc3\xa9,;|");
  EXPECT_EQ(p.at(0, 5).text, "2008-01-01 19:30:00+00");
  EXPECT_EQ(p.at(0, 6).text, R"({"a":[1,"x"]})");
  EXPECT_EQ(p.at(0, 7).kind, CellKind::kBlob);
  EXPECT_EQ(p.at(0, 7).text, "AP8Q");  // base64, as blobValue
  EXPECT_EQ(p.at(0, 8).kind, CellKind::kString);
  EXPECT_EQ(p.at(0, 8).text, "NaN");
  // A left-out key and null are NULL; the empty string is not.
  EXPECT_EQ(p.at(1, 0).kind, CellKind::kNull);
  EXPECT_EQ(p.at(1, 2).kind, CellKind::kNull);
  EXPECT_EQ(p.at(1, 4).kind, CellKind::kString);
  EXPECT_EQ(p.at(1, 4).text, "");
  EXPECT_EQ(p.at(1, 6).text, R"("str")");  // a SUPER string stays JSON text
  EXPECT_EQ(Encode(cols, p, 1),
            R"({"i":null,"n":null,"d":null,"b":null,"s":"","t":null,"j":"str","v":null,"f":null})");
  EXPECT_EQ(Encode(cols, p, 1, RowEncoder::Form::kCsv), R"(,,,,"",,"""str""",,)");
}

TEST(UnloadJsonDecoder, DamagedLinesNameTheLineAndColumn) {
  auto cols = Cols({{"id", "int4"}, {"name", "varchar"}, {"ok", "bool"}});
  struct Case {
    std::string lines, expect;
  } cases[] = {
      {"{\"c0\":1}\n{\"c0\":\"x\"}\n", "line 2: column id: expected an integer"},
      {"{\"c0\":1,\"c3\":2}\n", "unexpected key \"c3\""},
      {"{\"c0\":1,\"c00\":2}\n", "unexpected key \"c00\""},
      {"{\"id\":1}\n", "unexpected key \"id\""},
      {"{\"c0\":1,\"c0\":2}\n", "occurs twice"},
      {"{\"c1\":5}\n", "column name: expected a string"},
      {"{\"c2\":\"t\"}\n", "column ok: expected true or false"},
      {"{\"c0\":1} x\n", "line 1: "},
      {"{\"c0\":1\n", "not a JSON object"},
      {"[1,2]\n", "not a JSON object"},
      {"\n", "not a JSON object"},
  };
  for (const auto& c : cases) {
    UnloadJsonDecoder d(cols);
    DecodedPage p;
    Status st = d.Decode(c.lines, &p);
    EXPECT_EQ(st.code(), StatusCode::kDataLoss) << c.lines;
    EXPECT_NE(st.message().find(c.expect), std::string::npos) << c.lines << " -> " << st.message();
  }
}

TEST(UnloadJsonDecoder, CellsStayValidAcrossManyStringsInOneCall) {
  auto cols = Cols({{"s", "varchar"}, {"v", "varbyte"}});
  std::string lines;
  for (int i = 0; i < 5000; ++i)
    lines += "{\"c0\":\"\\u00e9" + std::to_string(i) + "\",\"c1\":\"0a\"}\n";
  UnloadJsonDecoder d(cols);
  DecodedPage p;
  ASSERT_TRUE(d.Decode(lines, &p).ok());
  ASSERT_EQ(p.num_rows, 5000u);
  for (size_t r = 0; r < p.num_rows; ++r) {
    ASSERT_EQ(p.at(r, 0).text, "\xc3\xa9" + std::to_string(r));
    ASSERT_EQ(p.at(r, 1).text, "Cg==");
  }
}

}  // namespace
}  // namespace rsx
