#include "output/row_encoder.h"

#include <gtest/gtest.h>

#include <random>

#include "rsx/strings.h"
#include "rsx/writers.h"

namespace rsx {
namespace {

ColumnInfo Col(const char* name, const char* type) {
  ColumnInfo c;
  c.name = name;
  c.type_name = type;
  return c;
}

Cell S(std::string_view text) { return {CellKind::kString, false, false, false, 0, text}; }

struct Fixture {
  std::vector<ColumnInfo> cols = {
      Col("id", "int8"),        Col("gone", "varchar"),       Col("ok", "bool"),
      Col("ratio", "float8"),   Col("say \"hi\"", "varchar"), Col("amount", "numeric"),
      Col("ts", "timestamptz"), Col("doc", "super"),          Col("bytes", "varbyte"),
      Col("flag", "bool")};
  DecodedPage page;
  Fixture() {
    page.num_rows = 1;
    page.num_cols = cols.size();
    page.cells = {{CellKind::kLong, false, false, false, -9223372036854775807LL - 1, {}},
                  {CellKind::kNull, false, false, false, 0, {}},
                  {CellKind::kBool, true, false, false, 0, {}},
                  {CellKind::kDouble, false, false, false, 0, "1.25e-7"},
                  S("a \"q\" \\ b\nc\x01 ü,"),
                  S("12345678901234567890.1234"),
                  S("2024-06-30 18:29:59.5+05"),
                  S("{\"a\": [1, 2.5, \"x\"], \"b\": null}"),
                  {CellKind::kBlob, false, false, false, 0, "AP8Q"},
                  S("f")};
  }
};

TEST(RowEncoder, JsonObjectRow) {
  Fixture f;
  RowEncoder enc(f.cols, RowEncoder::Form::kJsonObject);
  util::OutBuf out(8);  // grows on the first row
  enc.Encode(f.page, 0, &out);
  EXPECT_EQ(out.view(),
            "{\"id\":-9223372036854775808,\"gone\":null,\"ok\":true,\"ratio\":1.25e-7,"
            "\"say \\\"hi\\\"\":\"a \\\"q\\\" \\\\ b\\nc\\u0001 "
            "ü,\",\"amount\":12345678901234567890.1234,"
            "\"ts\":\"2024-06-30T18:29:59.5+05:00\",\"doc\":{\"a\":[1,2.5,\"x\"],\"b\":null},"
            "\"bytes\":\"AP8Q\",\"flag\":false}");
}

// A query may name two columns alike (`select * from a join b`): each JSON key stays distinct, so
// a reader that keeps one of two equal keys loses nothing; CSV keeps the names as they are.
TEST(RowEncoder, RepeatedColumnNamesGetDistinctJsonKeys) {
  std::vector<ColumnInfo> cols = {Col("id", "int4"), Col("id", "int4"), Col("id_2", "int4"),
                                  Col("id", "int4"), Col("ID", "int4")};
  EXPECT_EQ(JsonFieldNames(cols), (std::vector<std::string>{"id", "id_3", "id_2", "id_4", "ID"}));
  DecodedPage page;
  page.num_rows = 1;
  page.num_cols = cols.size();
  for (const char* v : {"1", "2", "3", "4", "5"})
    page.cells.push_back({CellKind::kLong, false, false, false, 0, v});
  util::OutBuf out;
  RowEncoder(cols, RowEncoder::Form::kJsonObject).Encode(page, 0, &out);
  EXPECT_EQ(out.view(), "{\"id\":1,\"id_3\":2,\"id_2\":3,\"id_4\":4,\"ID\":5}");
  EXPECT_EQ(RowEncoder(cols, RowEncoder::Form::kCsv).CsvHeader(), "id,id,id_2,id,ID\n");
  std::vector<ColumnInfo> unique = {Col("a", "int4"), Col("b", "int4")};
  EXPECT_EQ(JsonFieldNames(unique), (std::vector<std::string>{"a", "b"}));
}

// Keys are copied in fixed-size blocks whose tail the next value overwrites: every key length
// around the block size, with values of every length after them, in a buffer sized exactly.
TEST(RowEncoder, KeysOfEveryLengthAreWrittenExactly) {
  std::vector<ColumnInfo> cols;
  std::vector<std::string> names, values;
  for (int n = 1; n <= 40; ++n) names.push_back(std::string(static_cast<size_t>(n), 'k') + "\"");
  for (const auto& name : names) cols.push_back(Col(name.c_str(), "varchar"));
  DecodedPage page;
  page.num_rows = 1;
  page.num_cols = cols.size();
  for (size_t i = 0; i < cols.size(); ++i) values.push_back(std::string(i % 5, 'v'));
  for (const auto& v : values) page.cells.push_back(S(v));
  page.cells.back() = {};  // a NULL last: the shortest value after the longest key
  std::string want = "{";
  for (size_t i = 0; i < cols.size(); ++i) {
    if (i) want += ",";
    want += "\"" + names[i].substr(0, names[i].size() - 1) + "\\\"\":";
    want += i + 1 == cols.size() ? "null" : "\"" + values[i] + "\"";
  }
  want += "}";
  RowEncoder enc(cols, RowEncoder::Form::kJsonObject);
  util::OutBuf out(1);
  enc.Encode(page, 0, &out);
  EXPECT_EQ(out.view(), want);

  RowEncoder none({}, RowEncoder::Form::kJsonObject);
  DecodedPage empty;
  empty.num_rows = 1;
  util::OutBuf o(1);
  none.Encode(empty, 0, &o);
  EXPECT_EQ(o.view(), "{}");
}

// The row encoder writes common cells itself and the rest through WriteJsonValue: for random
// cells of every type and kind, each value in its row is what AppendJsonValue writes alone.
TEST(RowEncoder, RowsAreTheValuesAppendJsonValueWrites) {
  const std::vector<const char*> types = {
      "int2",     "int4",   "int8",    "numeric",  "float4",    "float8",    "bool",
      "varchar",  "bpchar", "date",    "time",     "timetz",    "timestamp", "timestamptz",
      "interval", "super",  "varbyte", "geometry", "hllsketch", "mystery"};
  const std::vector<std::string> texts = {"",
                                          "0",
                                          "-0",
                                          "12",
                                          "-1234.5678",
                                          "0.000001",
                                          "1e5",
                                          "007",
                                          "12345678901234567890.12345",
                                          "-.5",
                                          "t",
                                          "f",
                                          "true",
                                          "2024-06-30 18:29:59.5+05",
                                          "2024-06-30 18:29:59",
                                          "18:29:59-07",
                                          "{\"a\":[1,2]}",
                                          "[1, 2.50]",
                                          "plain text",
                                          "a\\\"b",
                                          "x\\ny",
                                          "\\u0001z",
                                          "AP8Q",
                                          "\\x0aff",
                                          "NaN"};
  std::mt19937 rng(41);
  for (int round = 0; round < 300; ++round) {
    std::vector<ColumnInfo> cols;
    for (size_t c = 0; c < 12; ++c)
      cols.push_back(Col(("c" + std::to_string(c)).c_str(), types[rng() % types.size()]));
    DecodedPage page;
    page.num_rows = 1;
    page.num_cols = cols.size();
    for (size_t c = 0; c < cols.size(); ++c) {
      Cell cell;
      cell.kind = static_cast<CellKind>(rng() % 6);
      cell.b = rng() % 2;
      cell.l = static_cast<int64_t>(rng()) - (1LL << 31);
      const std::string& t = texts[rng() % texts.size()];
      cell.text = t;
      if (cell.kind == CellKind::kLong) cell.text = rng() % 2 ? std::string_view("42") : "";
      bool special = t.find('\\') != std::string::npos;
      bool rsx_escapes = special && t[1] != 'x';  // all but the hex text are rsx's own escapes
      cell.escaped = cell.kind == CellKind::kString && rsx_escapes && rng() % 2;
      cell.plain = !special && t.find('"') == std::string::npos && rng() % 2;
      page.cells.push_back(cell);
    }
    std::string want = "{";
    for (size_t c = 0; c < cols.size(); ++c) {
      want += (c ? ",\"" : "\"") + cols[c].name + "\":";
      AppendJsonValue(&want, TypeFromName(cols[c].type_name), page.cells[c]);
    }
    want += "}";
    RowEncoder enc(cols, RowEncoder::Form::kJsonObject);
    util::OutBuf out(1);
    enc.Encode(page, 0, &out);
    ASSERT_EQ(out.view(), want) << "round " << round;
  }
}

TEST(RowEncoder, CsvRowAndHeader) {
  Fixture f;
  RowEncoder enc(f.cols, RowEncoder::Form::kCsv);
  EXPECT_EQ(enc.CsvHeader(), "id,gone,ok,ratio,\"say \"\"hi\"\"\",amount,ts,doc,bytes,flag\n");
  util::OutBuf out(8);
  enc.Encode(f.page, 0, &out);
  EXPECT_EQ(
      out.view(),
      "-9223372036854775808,,t,1.25e-7,\"a \"\"q\"\" \\ b\nc\x01 ü,\",12345678901234567890.1234,"
      "2024-06-30 18:29:59.5+05,\"{\"\"a\"\": [1, 2.5, \"\"x\"\"], \"\"b\"\": null}\",00ff10,f");
}

TEST(RowEncoder, WorstCaseEscapingFitsTheReservedRoom) {
  // Every byte of a control-character string becomes six ("\u0001"); quotes double in CSV.
  std::string controls(10000, '\x01'), quotes(10000, '"');
  std::vector<ColumnInfo> cols = {Col("a", "varchar"), Col("b", "varchar")};
  DecodedPage page;
  page.num_rows = 2;
  page.num_cols = 2;
  page.cells = {S(controls), S(quotes), S(quotes), S(controls)};
  util::OutBuf json(1), csv(1);
  RowEncoder j(cols, RowEncoder::Form::kJsonObject), c(cols, RowEncoder::Form::kCsv);
  for (size_t r = 0; r < 2; ++r) {
    j.Encode(page, r, &json);
    c.Encode(page, r, &csv);
  }
  // {"a":"...","b":"..."} twice: 60,000 + 20,000 bytes of escapes per row plus 15 of frame.
  EXPECT_EQ(json.size(), 2 * (60000 + 20000 + 15));
  EXPECT_EQ(json.view().substr(0, 12), "{\"a\":\"\\u0001");
  // controls need no CSV quoting; 10,000 quotes become 20,000 inside quotes, plus one comma.
  EXPECT_EQ(csv.size(), 2 * (10000 + 20002 + 1));
}

TEST(OutBuf, CopyBytesWritesExactlyTheBytes) {
  std::string src;
  for (int i = 0; i < 40; ++i) src += static_cast<char>('A' + i);
  for (size_t n = 0; n <= 40; ++n) {
    std::string dst(64, '.');
    char* end = util::CopyBytes(dst.data() + 8, src.data(), n);
    EXPECT_EQ(end, dst.data() + 8 + n);
    EXPECT_EQ(dst, std::string(8, '.') + src.substr(0, n) + std::string(56 - n, '.')) << n;
  }
}

TEST(OutBuf, KeepsContentWhenItGrows) {
  util::OutBuf b(4);
  b.Append("abc");
  b.Append(std::string(1000, 'x'));
  char* p = b.Reserve(3);
  p[0] = 'y';
  b.Commit(p + 1);
  EXPECT_EQ(b.size(), 1004u);
  EXPECT_EQ(b.view().substr(0, 5), "abcxx");
  EXPECT_EQ(b.view().back(), 'y');
  b.clear();
  EXPECT_TRUE(b.empty());
}

}  // namespace
}  // namespace rsx

namespace rsx {
namespace {

// The fast CSV paths (quoting by runs, hex straight from base64) against the plain definitions,
// on random values full of the characters that matter.
TEST(CsvValue, FastPathsEqualThePlainDefinitions) {
  std::mt19937 rng(7);
  const std::string alphabet = "ab,\"\r\n x\xc3\xbc";
  for (int i = 0; i < 2000; ++i) {
    std::string v;
    for (int n = static_cast<int>(rng() % 40); n > 0; --n) v += alphabet[rng() % alphabet.size()];
    std::string want = v;  // RFC 4180: quote when needed, '"' doubled
    bool quote = v.empty() || v.find_first_of(",\"\r\n") != std::string::npos;
    if (quote) {
      want.clear();
      for (char c : v) want += c == '"' ? std::string("\"\"") : std::string(1, c);
      want = "\"" + want + "\"";
    }
    std::string got;
    AppendCsvText(&got, v);
    ASSERT_EQ(got, want) << v;

    std::string bytes;
    for (int n = static_cast<int>(rng() % 20); n > 0; --n) bytes += static_cast<char>(rng() % 256);
    std::string b64 = util::Base64Encode(bytes);
    Cell blob{CellKind::kBlob, false, false, false, 0, b64};
    std::string hex;
    AppendCsvValue(&hex, RedshiftType::kVarbyte, blob);
    ASSERT_EQ(hex, util::HexEncode(bytes)) << b64;
  }
  // Text that is not well-formed base64 is written as it came, as before.
  for (std::string odd : {"abc", "a=bc", "====", "ab\ncd=="}) {
    Cell blob{CellKind::kBlob, false, false, false, 0, odd};
    std::string out;
    AppendCsvValue(&out, RedshiftType::kVarbyte, blob);
    auto decoded = util::Base64Decode(odd);
    EXPECT_EQ(out, decoded.ok() ? util::HexEncode(*decoded) : odd) << odd;
  }
}

}  // namespace
}  // namespace rsx

namespace rsx {
namespace {

// JSON string escaping against its definition, on random text dense in the bytes that matter.
TEST(JsonString, EscapingEqualsTheDefinition) {
  std::mt19937 rng(11);
  const std::string alphabet = std::string("abcdefgh \"\\\n\r\t\x01\x1f\x7f\xc3\xbc\xff", 18);
  // Half the strings draw their odd bytes from every byte value; lengths reach past several
  // 8-byte words, with escapes at every offset in a word.
  for (int i = 0; i < 10000; ++i) {
    std::string v;
    int density = 1 + static_cast<int>(rng() % 30);
    bool any_byte = i % 2 == 1;
    for (int n = static_cast<int>(rng() % 140); n > 0; --n) {
      char odd = any_byte ? static_cast<char>(rng() % 256) : alphabet[rng() % alphabet.size()];
      v += rng() % static_cast<unsigned>(density) == 0 ? odd : static_cast<char>('a' + rng() % 26);
    }
    std::string want = "\"";
    for (unsigned char c : v) {
      if (c == '"')
        want += "\\\"";
      else if (c == '\\')
        want += "\\\\";
      else if (c == '\n')
        want += "\\n";
      else if (c == '\r')
        want += "\\r";
      else if (c == '\t')
        want += "\\t";
      else if (c < 0x20) {
        char buf[8];
        std::snprintf(buf, sizeof buf, "\\u%04x", c);
        want += buf;
      } else {
        want += static_cast<char>(c);
      }
    }
    want += "\"";
    std::string got;
    AppendJsonString(&got, v);
    ASSERT_EQ(got, want);
  }
}

}  // namespace
}  // namespace rsx
