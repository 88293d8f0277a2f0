// Per-type costs of rsx's hot path (Google Benchmark): for each Redshift type rsx maps, a
// GetStatementResult page of 2,000 rows of one column of that type, shaped as the Data API
// sends it, and three timings:
//   Floor/<type>   simdjson's DOM parse of the page (the parse floor: no decoding, no output)
//   Jsonl/<type>   rsx's decoder + its JSON-lines writer (to /dev/null)
//   Csv/<type>     rsx's decoder + its CSV writer (to /dev/null)
// Each type's output is checked before anything is timed: 2,000 lines, and the first line equal
// to the golden text below (what rsx writes today; a change in output fails the benchmark).
// bench/type_bench.py runs it and prints ns per value and the ratio to the floor.

#include <benchmark/benchmark.h>
#include <simdjson.h>

#include <cstdio>
#include <functional>
#include <stdexcept>
#include <string>
#include <vector>

#include "decode/page_decoder.h"
#include "rsx/strings.h"
#include "rsx/types.h"
#include "rsx/writers.h"

namespace {

using namespace rsx;

constexpr int kRows = 2000;

void Check(bool ok, const std::string& what) {
  if (!ok) throw std::runtime_error("benchmark output check failed: " + what);
}

std::string Fmt(const char* f, long a, long b = 0, long c = 0, long d = 0) {
  char buf[256];
  std::snprintf(buf, sizeof buf, f, a, b, c, d);
  return buf;
}

std::string Str(const std::string& s) {
  std::string out = "{\"stringValue\":";
  AppendJsonString(&out, s);
  return out + "}";
}

struct TypeCase {
  const char* name;       // the benchmark's name
  const char* type_name;  // ColumnMetadata.typeName
  int precision, scale;
  std::function<std::string(long)> field;  // row g's JSON Field, as the Data API sends it
  const char* jsonl;                       // rsx's JSON line for row 1 (golden)
  const char* csv;                         // rsx's CSV line for row 1 (golden)
};

const std::string kLong = [] {
  std::string s;
  while (s.size() < 1000) s += "a long text value, with commas and \"quotes\" now and then; ";
  return s.substr(0, 1000);
}();

std::vector<TypeCase> Cases() {
  return {
      {"smallint", "int2", 5, 0, [](long g) { return Fmt("{\"longValue\":%ld}", g % 30000); },
       R"({"v":1})", "1"},
      {"integer", "int4", 10, 0,
       [](long g) { return Fmt("{\"longValue\":%ld}", g * 7919 % 2147483647); }, R"({"v":7919})",
       "7919"},
      {"bigint", "int8", 19, 0,
       [](long g) { return Fmt("{\"longValue\":%ld}", g * 1000003L * 1000L); },
       R"({"v":1000003000})", "1000003000"},
      {"real", "float4", 8, 8, [](long g) { return Fmt("{\"doubleValue\":%ld.25}", g); },
       R"({"v":1.25})", "1.25"},
      {"double", "float8", 17, 17,
       [](long g) { return "{\"doubleValue\":" + Fmt("%ld.", g) + "0000001234567}"; },
       R"({"v":1.0000001234567})", "1.0000001234567"},
      {"numeric_12_2", "numeric", 12, 2,
       [](long g) { return Str(Fmt("%ld.%02ld", g * 37, g % 100)); }, R"({"v":37.01})", "37.01"},
      {"numeric_38_10", "numeric", 38, 10,
       [](long g) { return Str(Fmt("1234567890123456789012345678.%010ld", g)); },
       R"({"v":1234567890123456789012345678.0000000001})",
       "1234567890123456789012345678.0000000001"},
      {"boolean", "bool", 1, 0,
       [](long g) { return std::string("{\"booleanValue\":") + (g % 3 ? "true" : "false") + "}"; },
       R"({"v":true})", "t"},
      {"char_10", "bpchar", 10, 0, [](long g) { return Str(Fmt("abc%05ld  ", g)); },
       R"({"v":"abc00001  "})", "abc00001  "},
      {"varchar_short", "varchar", 32, 0, [](long g) { return Str(Fmt("name %ld", g)); },
       R"({"v":"name 1"})", "name 1"},
      {"varchar_1000", "varchar", 1000, 0, [](long) { return Str(kLong); },
       nullptr /* checked below */, nullptr},
      {"unicode", "varchar", 64, 0,
       [](long g) {
         return Str("Z\xc3\xbcrich \xe2\x80\x93 \xe6\x9d\xb1\xe4\xba\xac " + Fmt("%ld", g));
       },
       "{\"v\":\"Z\xc3\xbcrich \xe2\x80\x93 \xe6\x9d\xb1\xe4\xba\xac 1\"}",
       "Z\xc3\xbcrich \xe2\x80\x93 \xe6\x9d\xb1\xe4\xba\xac 1"},
      {"date", "date", 13, 0,
       [](long g) { return Str(Fmt("2020-%02ld-%02ld", 1 + g % 12, 1 + g % 28)); },
       R"({"v":"2020-02-02"})", "2020-02-02"},
      {"time", "time", 15, 6,
       [](long g) { return Str(Fmt("%02ld:%02ld:%02ld", g % 24, g % 60, g * 7 % 60)); },
       R"({"v":"01:01:07"})", "01:01:07"},
      {"timetz", "timetz", 21, 6,
       [](long g) { return Str(Fmt("%02ld:%02ld:%02ld+05", g % 24, g % 60, g * 7 % 60)); },
       R"({"v":"01:01:07+05:00"})", "01:01:07+05"},
      {"timestamp", "timestamp", 29, 6,
       [](long g) {
         return Str(
             Fmt("2020-01-%02ld %02ld:%02ld:%02ld.123456", 1 + g % 28, g % 24, g % 60, g * 7 % 60));
       },
       R"({"v":"2020-01-02T01:01:07.123456"})", "2020-01-02 01:01:07.123456"},
      {"timestamptz", "timestamptz", 35, 6,
       [](long g) {
         return Str(
             Fmt("2020-01-%02ld %02ld:%02ld:%02ld+00", 1 + g % 28, g % 24, g % 60, g * 7 % 60));
       },
       R"({"v":"2020-01-02T01:01:07+00:00"})", "2020-01-02 01:01:07+00"},
      {"interval", "interval", 49, 6, [](long g) { return Str(Fmt("%ld days 03:04:05", g)); },
       R"({"v":"1 days 03:04:05"})", "1 days 03:04:05"},
      {"super", "super", 0, 0,
       [](long g) { return Str(Fmt("{\"a\":%ld,\"b\":[1,2,\"x\"],\"c\":{\"d\":null}}", g)); },
       R"({"v":{"a":1,"b":[1,2,"x"],"c":{"d":null}}})",
       R"("{""a"":1,""b"":[1,2,""x""],""c"":{""d"":null}}")"},
      {"super_escaped", "super", 0, 0,
       [](long g) { return Str(Fmt(R"({"a":%ld,"s":"say \"hi\"\n","u":"\u00e9"})", g)); },
       R"({"v":{"a":1,"s":"say \"hi\"\n","u":"é"}})",
       R"("{""a"":1,""s"":""say \""hi\""\n"",""u"":""\u00e9""}")"},
      {"varbyte", "varbyte", 64, 0,
       [](long g) {
         std::string bytes = Fmt("bytes-%010ld", g);
         return "{\"blobValue\":\"" + util::Base64Encode(bytes) + "\"}";
       },
       R"({"v":"Ynl0ZXMtMDAwMDAwMDAwMQ=="})", "62797465732d30303030303030303031"},
      {"null_heavy_bigint", "int8", 19, 0,
       [](long g) {
         return g % 10 == 1 ? Fmt("{\"longValue\":%ld}", g) : std::string("{\"isNull\":true}");
       },
       R"({"v":1})", "1"},
  };
}

std::string Page(const TypeCase& t) {
  std::string records;
  for (long g = 1; g <= kRows; ++g) {
    if (g > 1) records += ",";
    records += "[" + t.field(g) + "]";
  }
  std::string meta =
      std::string("[{\"isCaseSensitive\":false,\"isCurrency\":false,") +
      "\"isSigned\":true,\"label\":\"v\",\"length\":0,\"name\":\"v\",\"nullable\":1," +
      "\"precision\":" + std::to_string(t.precision) + ",\"scale\":" + std::to_string(t.scale) +
      ",\"schemaName\":\"\",\"tableName\":\"\",\"typeName\":\"" + t.type_name + "\"}]";
  return "{\"Records\":[" + records + "],\"ColumnMetadata\":" + meta +
         ",\"TotalNumRows\":1000000,\"NextToken\":\"next-page-token\"}";
}

// Decodes `page` and writes it in `format` to memory: the lines written.
std::vector<std::string> WriteOnce(const std::string& page, OutputFormat format) {
  PageDecoder decoder;
  DecodedPage decoded;
  std::string body = page;
  Check(decoder.DecodeJson(body, &decoded).ok(), "decode");
  Check(decoded.num_rows == kRows && decoded.num_cols == 1, "row count");
  char* buf = nullptr;
  size_t len = 0;
  FILE* mem = open_memstream(&buf, &len);
  auto writer = NewResultWriter(format, mem);
  Check(writer->OnColumns(decoded.columns).ok() && writer->OnPage(decoded).ok() &&
            writer->Finish().ok(),
        "write");
  std::fclose(mem);
  std::vector<std::string> lines = util::Split(std::string(buf, len), '\n');
  std::free(buf);
  if (!lines.empty() && lines.back().empty()) lines.pop_back();
  return lines;
}

void Floor(benchmark::State& state, const std::string& page) {
  simdjson::dom::parser parser;
  simdjson::dom::element doc;
  Check(!parser.parse(page).get(doc) && doc["Records"].get_array().size() == kRows, "DOM parse");
  for (auto _ : state) {
    auto err = parser.parse(page).get(doc);
    benchmark::DoNotOptimize(err);
  }
  state.SetItemsProcessed(state.iterations() * kRows);
}

void DecodeAndWrite(benchmark::State& state, const std::string& page, OutputFormat format) {
  PageDecoder decoder;
  DecodedPage decoded;
  std::string body = page;
  Check(decoder.DecodeJson(body, &decoded).ok(), "decode");
  FILE* null_out = std::fopen("/dev/null", "wb");
  auto writer = NewResultWriter(format, null_out);
  Check(writer->OnColumns(decoded.columns).ok(), "writer columns");
  for (auto _ : state) {
    state.PauseTiming();
    body = page;  // the decoder pads the body in place, as it does with a fetched page
    state.ResumeTiming();
    Status st = decoder.DecodeJson(body, &decoded);
    if (st.ok()) st = writer->OnPage(decoded);
    benchmark::DoNotOptimize(st);
  }
  Check(writer->Finish().ok(), "writer finish");
  std::fclose(null_out);
  state.SetItemsProcessed(state.iterations() * kRows);
}

int Register() {
  static const std::vector<TypeCase> cases = Cases();
  static std::vector<std::string> pages;
  pages.reserve(cases.size());
  for (const TypeCase& t : cases) {
    pages.push_back(Page(t));
    const std::string& page = pages.back();
    auto jsonl = WriteOnce(page, OutputFormat::kJsonl);
    auto csv = WriteOnce(page, OutputFormat::kCsv);
    Check(jsonl.size() == kRows, std::string(t.name) + ": JSON lines");
    Check(csv.size() == kRows + 1 && csv[0] == "v", std::string(t.name) + ": CSV lines");
    std::string want_jsonl = t.jsonl ? t.jsonl : "";
    std::string want_csv = t.csv ? t.csv : "";
    if (!t.jsonl) {  // the long text: its JSON and CSV quoting
      std::string quoted;
      AppendJsonString(&quoted, kLong);
      want_jsonl = "{\"v\":" + quoted + "}";
      want_csv.clear();
      AppendCsvText(&want_csv, kLong);
    }
    Check(jsonl[0] == want_jsonl, std::string(t.name) + ": JSON line " + jsonl[0]);
    Check(csv[1] == want_csv, std::string(t.name) + ": CSV line " + csv[1]);
    benchmark::RegisterBenchmark((std::string("Floor/") + t.name).c_str(),
                                 [&page](benchmark::State& s) { Floor(s, page); });
    benchmark::RegisterBenchmark(
        (std::string("Jsonl/") + t.name).c_str(),
        [&page](benchmark::State& s) { DecodeAndWrite(s, page, OutputFormat::kJsonl); });
    benchmark::RegisterBenchmark(
        (std::string("Csv/") + t.name).c_str(),
        [&page](benchmark::State& s) { DecodeAndWrite(s, page, OutputFormat::kCsv); });
  }
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  benchmark::Initialize(&argc, argv);
  try {
    Register();
  } catch (const std::exception& e) {
    std::fprintf(stderr, "%s\n", e.what());
    return 1;
  }
  benchmark::RunSpecifiedBenchmarks();
  benchmark::Shutdown();
  return 0;
}
