// The user-space CPU of rsx's hot path on saved result pages, against the parse floor on the
// same pages, in one process: no network, no emulator and no kernel writes, so two builds (or
// two ideas) compare with far less noise than whole `rsx result` runs on a shared machine.
//
// Usage: page_replay DIR [ROUNDS [OUT_FILE]]
// DIR holds page-NNNNN.json files (GetStatementResult pages, as `PARSE_FLOOR_SAVE=DIR
// parse_floor ...` saves them). Each round times, alternating, simdjson's DOM parse of every
// page (the floor) and rsx's PageDecoder + JSON-lines writer to /dev/null, by thread CPU time
// (user and kernel). Prints "floor_ms rsx_ms ratio" as the minimum and the median over the
// rounds (default 15), and the median of each round's own ratio (the two timed back to back).
// With OUT_FILE, each round also writes rsx's JSON lines, made once beforehand, to OUT_FILE in
// 1 MB writes (as rsx's writer flushes): the cost of the output's bytes alone, which no writer
// of these lines can avoid and the floor does not pay, printed as "write_ms write/floor".
// Before timing, the JSON lines are written once and their count checked against the pages'.

#include <fcntl.h>
#include <simdjson.h>
#include <unistd.h>

#include <algorithm>
#include <cstdio>
#include <ctime>
#include <filesystem>
#include <stdexcept>
#include <string>
#include <vector>

#include "decode/page_decoder.h"
#include "rsx/writers.h"

namespace {

using namespace rsx;

double ThreadCpuMs() {
  timespec ts{};
  clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
  return static_cast<double>(ts.tv_sec) * 1e3 + static_cast<double>(ts.tv_nsec) / 1e6;
}

std::string ReadFile(const std::string& path) {
  FILE* f = std::fopen(path.c_str(), "rb");
  if (f == nullptr) throw std::runtime_error("cannot open " + path);
  std::string s;
  char buf[1 << 16];
  size_t n;
  while ((n = std::fread(buf, 1, sizeof buf, f)) > 0) s.append(buf, n);
  std::fclose(f);
  return s;
}

// Writes `bytes` to `path` (created or truncated) in 1 MB writes.
void WriteOut(const std::string& bytes, const char* path) {
  int fd = ::open(path, O_WRONLY | O_CREAT | O_TRUNC, 0644);
  if (fd < 0) throw std::runtime_error(std::string("cannot open ") + path);
  for (size_t at = 0; at < bytes.size();) {
    ssize_t n = ::write(fd, bytes.data() + at, std::min<size_t>(bytes.size() - at, 1 << 20));
    if (n <= 0) throw std::runtime_error(std::string("cannot write ") + path);
    at += static_cast<size_t>(n);
  }
  ::close(fd);
}

double Median(std::vector<double> v) {
  std::sort(v.begin(), v.end());
  return v[v.size() / 2];
}

// rsx's decode and write of every page; returns the rows written.
long long Rsx(std::vector<std::string>& pages, FILE* out) {
  std::unique_ptr<ResultWriter> writer = NewResultWriter(OutputFormat::kJsonl, out);
  PageDecoder decoder;
  decoder.set_keep_escapes(writer->TakesEscapedText());  // as rsx's result reader sets it
  DecodedPage page;
  bool first = true;
  for (std::string& body : pages) {
    Status st = decoder.DecodeJson(body, &page);
    if (!st.ok()) throw std::runtime_error(st.ToString());
    if (first) {
      st = writer->OnColumns(page.columns);
      if (!st.ok()) throw std::runtime_error(st.ToString());
      first = false;
    }
    st = writer->OnPage(page);
    if (!st.ok()) throw std::runtime_error(st.ToString());
  }
  Status st = writer->Finish();
  if (!st.ok()) throw std::runtime_error(st.ToString());
  return writer->rows_written();
}

long long Floor(const std::vector<std::string>& pages, simdjson::dom::parser& parser) {
  long long rows = 0;
  for (const std::string& body : pages) {
    simdjson::dom::element doc;
    if (auto err = parser.parse(body).get(doc))
      throw std::runtime_error(simdjson::error_message(err));
    rows += static_cast<long long>(doc["Records"].get_array().size());
  }
  return rows;
}

}  // namespace

int main(int argc, char** argv) {
  if (argc < 2) {
    std::fprintf(stderr, "usage: %s DIR [ROUNDS [OUT_FILE]]\n", argv[0]);
    return 2;
  }
  int rounds = argc > 2 ? std::max(1, std::atoi(argv[2])) : 15;
  try {
    std::vector<std::string> names;
    for (const auto& e : std::filesystem::directory_iterator(argv[1]))
      if (e.path().extension() == ".json") names.push_back(e.path().string());
    std::sort(names.begin(), names.end());
    if (names.empty()) throw std::runtime_error(std::string("no page-*.json in ") + argv[1]);
    std::vector<std::string> pages;
    for (const auto& n : names) {
      pages.push_back(ReadFile(n));
      pages.back().reserve(pages.back().size() + simdjson::SIMDJSON_PADDING);
    }
    FILE* out = std::fopen("/dev/null", "wb");
    simdjson::dom::parser parser;
    long long floor_rows = Floor(pages, parser), rsx_rows = Rsx(pages, out);
    if (floor_rows != rsx_rows)
      throw std::runtime_error("rsx wrote " + std::to_string(rsx_rows) + " rows of " +
                               std::to_string(floor_rows));
    const char* out_file = argc > 3 ? argv[3] : nullptr;
    std::string lines;  // rsx's output, for the write-only timing
    if (out_file != nullptr) {
      FILE* tmp = std::tmpfile();
      if (tmp == nullptr) throw std::runtime_error("cannot make a temporary file");
      Rsx(pages, tmp);
      std::rewind(tmp);
      char buf[1 << 16];
      size_t n;
      while ((n = std::fread(buf, 1, sizeof buf, tmp)) > 0) lines.append(buf, n);
      std::fclose(tmp);
    }
    std::vector<double> f, r, ratio, w, wratio;
    for (int i = 0; i < rounds; ++i) {
      double t0 = ThreadCpuMs();
      Floor(pages, parser);
      double t1 = ThreadCpuMs();
      Rsx(pages, out);
      double t2 = ThreadCpuMs();
      f.push_back(t1 - t0);
      r.push_back(t2 - t1);
      ratio.push_back((t2 - t1) / (t1 - t0));
      if (out_file != nullptr) {
        WriteOut(lines, out_file);
        double t3 = ThreadCpuMs();
        w.push_back(t3 - t2);
        wratio.push_back((t3 - t2) / (t1 - t0));
      }
    }
    double fmin = *std::min_element(f.begin(), f.end()),
           rmin = *std::min_element(r.begin(), r.end());
    std::printf("min %.1f %.1f %.3f median %.1f %.1f %.3f round-ratio median %.3f\n", fmin, rmin,
                rmin / fmin, Median(f), Median(r), Median(r) / Median(f), Median(ratio));
    if (out_file != nullptr)
      std::printf("write %.1f MB: median %.1f ms, %.3f of the floor (round median)\n",
                  static_cast<double>(lines.size()) / 1e6, Median(w), Median(wratio));
    std::fclose(out);
  } catch (const std::exception& e) {
    std::fprintf(stderr, "page_replay: %s\n", e.what());
    return 1;
  }
  return 0;
}
