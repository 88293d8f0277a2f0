// Google Benchmark micro-benchmarks of rsx's hot paths, each checking its output before it is
// timed (a benchmark of wrong code is worthless):
//   SignV4               one Data API request signed (the botocore-made redshift-data vector)
//   SimdjsonDomParse     the parse floor: simdjson's DOM parse of a result page, no decoding
//   DecodeJsonPage       rsx's decoder on the same page (cells, types, NextToken)
//   DecodeJsonPageToJsonl  decode + rsx's JSON-lines writer (to /dev/null): the whole per-row path
//   DecodeCsvPage, DecodeCsvPageToJsonl  the same rows as a GetStatementResultV2 (CSV) page
// Pages: 2,000 rows x 8 mixed columns (int8, int4, numeric(18,4) as text, varchar with unicode,
// timestamp, bool, float8, date with NULLs), shaped like the Data API's. Run: bench/micro.sh

#include <benchmark/benchmark.h>
#include <simdjson.h>

#include <cstdio>
#include <stdexcept>
#include <string>

#include "decode/page_decoder.h"
#include "rsx/sigv4.h"
#include "rsx/types.h"
#include "rsx/writers.h"

namespace {

using namespace rsx;

constexpr int kRows = 2000;

void Check(bool ok, const char* what) {
  if (!ok) throw std::runtime_error(std::string("benchmark output check failed: ") + what);
}

const char* kColumns[][2] = {{"id", "int8"},      {"small", "int4"},   {"amount", "numeric"},
                             {"name", "varchar"}, {"ts", "timestamp"}, {"flag", "bool"},
                             {"ratio", "float8"}, {"day", "date"}};

std::string ColumnMetadataJson() {
  std::string m = "[";
  for (int c = 0; c < 8; ++c) {
    if (c) m += ",";
    m += std::string(
             "{\"isCaseSensitive\":false,\"isCurrency\":false,\"isSigned\":true,\"label\":\"") +
         kColumns[c][0] + "\",\"length\":0,\"name\":\"" + kColumns[c][0] +
         "\",\"nullable\":1,\"precision\":" + (c == 2 ? "18" : "0") +
         ",\"scale\":" + (c == 2 ? "4" : "0") +
         ",\"schemaName\":\"\",\"tableName\":\"\",\"typeName\":\"" + kColumns[c][1] + "\"}";
  }
  return m + "]";
}

// Row g's values as the Data API sends them (JSON Field unions) and as CSV text.
void AppendRow(long g, std::string* json, std::string* csv) {
  char amount[64], ts[32], day[16], ratio[32];
  std::snprintf(amount, sizeof amount, "%ld.%04ld", g / 3, (g % 3) * 3333);
  std::snprintf(ts, sizeof ts, "2020-01-%02ld %02ld:%02ld:%02ld", 1 + g / 86400 % 28, g / 3600 % 24,
                g / 60 % 60, g % 60);
  std::snprintf(day, sizeof day, "2020-%02ld-%02ld", 1 + g % 12, 1 + g % 28);
  std::snprintf(ratio, sizeof ratio, "%.17g", g * 1.5);
  std::string name = "name " + std::to_string(g) + " \xc3\xbc";
  bool null_day = g % 10 == 0;
  *json += "[{\"longValue\":" + std::to_string(g) +
           "},{\"longValue\":" + std::to_string(g * 7 % 1000) + "},{\"stringValue\":\"" + amount +
           "\"},{\"stringValue\":\"" + name + "\"},{\"stringValue\":\"" + ts +
           "\"},{\"booleanValue\":" + (g % 2 ? "false" : "true") + "},{\"doubleValue\":" + ratio +
           "}," +
           (null_day ? std::string("{\"isNull\":true}")
                     : std::string("{\"stringValue\":\"") + day + "\"}") +
           "]";
  *csv += std::to_string(g) + "," + std::to_string(g * 7 % 1000) + "," + amount + "," + name + "," +
          ts + "," + (g % 2 ? "f" : "t") + "," + ratio + "," + (null_day ? "" : day) + "\n";
}

struct Pages {
  std::string json, csv;
  Pages() {
    std::string records, csv_text;
    for (long g = 1; g <= kRows; ++g) {
      if (g > 1) records += ",";
      AppendRow(g, &records, &csv_text);
    }
    std::string tail = ",\"ColumnMetadata\":" + ColumnMetadataJson() + ",\"TotalNumRows\":1000000" +
                       ",\"NextToken\":\"next-page-token\"}";
    json = "{\"Records\":[" + records + "]" + tail;
    std::string quoted;
    AppendJsonString(&quoted, csv_text);
    csv = "{\"Records\":[{\"CSVRecords\":" + quoted + "}],\"ResultFormat\":\"CSV\"" + tail;
  }
};

const Pages& TestPages() {
  static const Pages pages;
  return pages;
}

void CheckPage(const DecodedPage& p) {
  Check(p.num_rows == kRows && p.num_cols == 8, "row and column count");
  Check(p.next_token == "next-page-token" && p.total_rows == 1000000, "NextToken, TotalNumRows");
  const Cell& id = p.at(kRows - 1, 0);
  Check(id.kind == CellKind::kLong && id.l == kRows, "last id");
  Check(p.at(9, 7).kind == CellKind::kNull && p.at(8, 7).text == "2020-10-10", "date and NULL");
  Check(p.at(0, 3).text == "name 1 \xc3\xbc", "unicode varchar");
}

void BM_SignV4(benchmark::State& state) {
  // shared/sigv4-testsuite/botocore-generated/redshift-data-execute-statement
  Credentials creds;
  creds.access_key_id = "AKIDEXAMPLE";
  creds.secret_access_key = "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY";
  creds.session_token =
      "AQoDYXdzEPT//////////"
      "wEXAMPLEtc764bNrC9SAPBSM22wDOk4x4HIZ8j4FZTwdQWLWsKWHGBuFqwAeMicRXmxfpSPfIeoIYRqTf"
      "lfKD8YUuwthAx7mSEI/qkPpKPi/"
      "kMcGdQrmGdeehM4IC1NtBmUpp2wUE8phUZampKsburEDy0KPkyQDYwT7WZ0wq5VSXDvp75YU9H"
      "FvlRd8Tx6q6fE8YQcHNVXAkiY9q6d+xo0rKwT38xVqr7ZD0u0iPPkUL64lIZbqBAz+"
      "scqKmlzm8FDrypNC9Yjc8fPOLn9FX9KSYvK"
      "Tr4rvx3iSIlTJabIQwj2ICCR/oLxBA==";
  SigningRequest req;
  req.method = "POST";
  req.headers = {{"Host", "redshift-data.us-east-1.amazonaws.com"},
                 {"Content-Type", "application/x-amz-json-1.1"},
                 {"X-Amz-Target", "RedshiftData.ExecuteStatement"}};
  std::string body =
      "{\"WorkgroupName\": \"my-wg\", \"Database\": \"dev\", \"Sql\": \"SELECT 1\", "
      "\"ClientToken\": "
      "\"22213b64-ed96-4dc6-808b-12adffbba369\"}";
  req.body = body;
  SigningOptions o;
  o.region = "us-east-1";
  o.service = "redshift-data";
  o.time = std::chrono::system_clock::from_time_t(1440938160);  // 2015-08-30T12:36:00Z
  auto first = SignV4(req, creds, o);
  Check(first.ok() &&
            first->signature == "ee08c3476eb8152ca00f71ab7682431b8af80e530b2b41aa7d06af745dd3c299",
        "SigV4 signature of the redshift-data-execute-statement vector");
  for (auto _ : state) {
    auto s = SignV4(req, creds, o);
    benchmark::DoNotOptimize(s);
  }
}
BENCHMARK(BM_SignV4);

void BM_SimdjsonDomParse(benchmark::State& state) {
  std::string page = TestPages().json;
  simdjson::dom::parser parser;
  simdjson::dom::element doc;
  Check(!parser.parse(page).get(doc) && doc["Records"].get_array().size() == kRows,
        "DOM parse row count");
  for (auto _ : state) {
    auto err = parser.parse(page).get(doc);
    benchmark::DoNotOptimize(err);
  }
  state.SetItemsProcessed(state.iterations() * kRows);
  state.SetBytesProcessed(state.iterations() * static_cast<int64_t>(page.size()));
}
BENCHMARK(BM_SimdjsonDomParse);

void DecodeBench(benchmark::State& state, bool csv, bool write) {
  const std::string& source = csv ? TestPages().csv : TestPages().json;
  PageDecoder decoder;
  DecodedPage page;
  std::vector<ColumnInfo> columns;
  {
    std::string body = TestPages().json;  // the CSV decoder types cells from these columns
    Check(decoder.DecodeJson(body, &page).ok(), "JSON decode");
    CheckPage(page);
    columns = page.columns;
    if (csv) {
      std::string b = source;
      Check(decoder.DecodeCsv(b, columns, &page).ok(), "CSV decode");
      CheckPage(page);
    }
  }
  FILE* null_out = std::fopen("/dev/null", "wb");
  auto writer = NewResultWriter(OutputFormat::kJsonl, null_out);
  Check(writer->OnColumns(columns).ok(), "writer columns");
  std::string body;
  for (auto _ : state) {
    state.PauseTiming();
    body = source;  // the decoder pads the body in place, as it does with a fetched page
    state.ResumeTiming();
    Status st = csv ? decoder.DecodeCsv(body, columns, &page) : decoder.DecodeJson(body, &page);
    if (write) st = writer->OnPage(page);
    benchmark::DoNotOptimize(st);
  }
  Check(writer->Finish().ok(), "writer finish");
  if (write)
    Check(writer->rows_written() == static_cast<long long>(state.iterations()) * kRows,
          "rows written");
  std::fclose(null_out);
  state.SetItemsProcessed(state.iterations() * kRows);
  state.SetBytesProcessed(state.iterations() * static_cast<int64_t>(source.size()));
}

void BM_DecodeJsonPage(benchmark::State& s) { DecodeBench(s, false, false); }
void BM_DecodeJsonPageToJsonl(benchmark::State& s) { DecodeBench(s, false, true); }
void BM_DecodeCsvPage(benchmark::State& s) { DecodeBench(s, true, false); }
void BM_DecodeCsvPageToJsonl(benchmark::State& s) { DecodeBench(s, true, true); }
BENCHMARK(BM_DecodeJsonPage);
BENCHMARK(BM_DecodeJsonPageToJsonl);
BENCHMARK(BM_DecodeCsvPage);
BENCHMARK(BM_DecodeCsvPageToJsonl);

}  // namespace

BENCHMARK_MAIN();
