#include "rsx/writers.h"

#include <sys/ioctl.h>
#include <unistd.h>

#include <algorithm>
#include <set>

#include "decode/page_decoder.h"
#include "output/row_encoder.h"
#include "rsx/strings.h"

namespace rsx {

std::vector<std::string> JsonFieldNames(const std::vector<ColumnInfo>& columns) {
  std::set<std::string> taken;  // every column's own name, then every key given
  for (const auto& c : columns) taken.insert(c.name);
  std::set<std::string> used;
  std::vector<std::string> keys;
  keys.reserve(columns.size());
  for (const auto& c : columns) {
    std::string key = c.name;
    if (!used.insert(key).second) {
      for (int n = 2;; ++n) {
        key = c.name + "_" + std::to_string(n);
        if (taken.count(key) == 0 && used.count(key) == 0) break;
      }
      used.insert(key);
      taken.insert(key);
    }
    keys.push_back(std::move(key));
  }
  return keys;
}

Result<OutputFormat> ParseOutputFormat(const std::string& name) {
  if (name == "table") return OutputFormat::kTable;
  if (name == "csv") return OutputFormat::kCsv;
  if (name == "jsonl") return OutputFormat::kJsonl;
  if (name == "json") return OutputFormat::kJson;
  return Status::InvalidArgument("--format '" + name + "' is not one of table, csv, jsonl, json");
}

namespace {

constexpr size_t kFlushAt = 1 << 20;

class BufferedWriter : public ResultWriter {
 public:
  explicit BufferedWriter(FILE* out) : out_(out), buf_(kFlushAt + 65536) {}
  long long rows_written() const override { return rows_; }
  Status Finish() override {
    RSX_RETURN_IF_ERROR(Flush());
    return std::fflush(out_) == 0 ? Status::OK() : Status::IoError("cannot write the output");
  }

 protected:
  Status Flush() {
    if (!buf_.empty() && std::fwrite(buf_.data(), 1, buf_.size(), out_) != buf_.size())
      return Status::IoError("cannot write the output (disk full or pipe closed?)");
    buf_.clear();
    return Status::OK();
  }
  Status MaybeFlush() { return buf_.size() >= kFlushAt ? Flush() : Status::OK(); }

  FILE* out_;
  util::OutBuf buf_;
  long long rows_ = 0;
  RowEncoder encoder_;
};

class JsonlWriter : public BufferedWriter {
 public:
  JsonlWriter(FILE* out, bool array) : BufferedWriter(out), array_(array) {}
  bool TakesEscapedText() const override { return true; }  // written by RowEncoder only
  Status OnColumns(const std::vector<ColumnInfo>& cols) override {
    encoder_ = RowEncoder(cols, RowEncoder::Form::kJsonObject);
    std::vector<std::string> keys = JsonFieldNames(cols);
    for (size_t i = 0; i < cols.size(); ++i) {
      if (keys[i] == cols[i].name) continue;
      notice_ += notice_.empty() ? "column names repeat, so these columns are written under other "
                                   "keys: "
                                 : ", ";
      notice_ += "column " + std::to_string(i + 1) + " ";
      AppendJsonString(&notice_, cols[i].name);
      notice_ += " as ";
      AppendJsonString(&notice_, keys[i]);
    }
    if (array_) buf_.Append("[");
    return Status::OK();
  }
  std::string Notice() const override { return notice_; }
  Status OnPage(const DecodedPage& page) override {
    for (size_t r = 0; r < page.num_rows; ++r) {
      if (array_) buf_.Append(rows_ == 0 ? "\n" : ",\n");
      encoder_.Encode(page, r, &buf_);
      if (!array_) buf_.Append("\n");
      ++rows_;
    }
    return MaybeFlush();
  }
  Status Finish() override {
    if (array_) buf_.Append(encoder_.columns() == 0 && rows_ == 0 ? "[]\n" : "\n]\n");
    return BufferedWriter::Finish();
  }

 private:
  bool array_;
  std::string notice_;
};

class CsvWriter : public BufferedWriter {
 public:
  using BufferedWriter::BufferedWriter;
  Status OnColumns(const std::vector<ColumnInfo>& cols) override {
    encoder_ = RowEncoder(cols, RowEncoder::Form::kCsv);
    buf_.Append(encoder_.CsvHeader());
    return Status::OK();
  }
  Status OnPage(const DecodedPage& page) override {
    for (size_t r = 0; r < page.num_rows; ++r) {
      encoder_.Encode(page, r, &buf_);
      buf_.Append("\n");
      ++rows_;
    }
    return MaybeFlush();
  }
};

// Counts display columns of UTF-8 text (code points; wide characters count as one).
size_t DisplayWidth(const std::string& s) {
  size_t n = 0;
  for (unsigned char c : s) n += (c & 0xC0) != 0x80;
  return n;
}

std::string Clip(const std::string& s, size_t width) {
  if (DisplayWidth(s) <= width) return s;
  std::string out;
  size_t n = 0;
  for (size_t i = 0; i < s.size(); ++i) {
    unsigned char c = static_cast<unsigned char>(s[i]);
    if ((c & 0xC0) != 0x80) {
      if (n + 1 >= width) break;
      ++n;
    }
    out.push_back(s[i]);
  }
  return out + "…";
}

// A name or value as the table shows it: tabs and line breaks as spaces (a value's lines on one
// line), any other control character as \xNN (util::TerminalSafe), never raw.
std::string ForTerminal(std::string text) {
  for (auto& ch : text)
    if (ch == '\n' || ch == '\t' || ch == '\r') ch = ' ';
  return util::TerminalSafe(text);
}

class TableWriter : public ResultWriter {
 public:
  TableWriter(FILE* out, long long max_rows, int width)
      : out_(out), max_rows_(max_rows), width_(width) {}
  long long rows_written() const override { return static_cast<long long>(rows_.size()); }
  Status OnColumns(const std::vector<ColumnInfo>& cols) override {
    for (const auto& c : cols) {
      names_.push_back(ForTerminal(c.name));
      types_.push_back(TypeFromName(c.type_name));
    }
    return Status::OK();
  }
  Status OnPage(const DecodedPage& page) override {
    for (size_t r = 0; r < page.num_rows; ++r) {
      if (static_cast<long long>(rows_.size()) >= max_rows_) {
        truncated_ = true;
        return Status::Cancelled("table row limit reached");
      }
      std::vector<std::string> row;
      for (size_t c = 0; c < page.num_cols; ++c) {
        const Cell& cell = page.at(r, c);
        row.push_back(
            ForTerminal(cell.kind == CellKind::kNull ? "NULL" : DisplayText(types_[c], cell)));
      }
      rows_.push_back(std::move(row));
    }
    return Status::OK();
  }
  Status Finish() override {
    size_t n = names_.size();
    if (n == 0) return Status::OK();
    std::vector<size_t> w(n);
    for (size_t c = 0; c < n; ++c) {
      w[c] = DisplayWidth(names_[c]);
      for (const auto& r : rows_) w[c] = std::max(w[c], DisplayWidth(r[c]));
    }
    // Fit the terminal: shrink the widest columns first, to at least 8 characters.
    size_t budget = static_cast<size_t>(TerminalWidth());
    auto total = [&] {
      size_t t = 1;
      for (size_t x : w) t += x + 3;
      return t;
    };
    while (total() > budget) {
      size_t widest = static_cast<size_t>(std::max_element(w.begin(), w.end()) - w.begin());
      if (w[widest] <= 8) break;
      --w[widest];
    }
    std::string out;
    auto line = [&] {
      out += "+";
      for (size_t c = 0; c < n; ++c) out += std::string(w[c] + 2, '-') + "+";
      out += "\n";
    };
    auto cells = [&](const std::vector<std::string>& r, bool right_numbers) {
      out += "|";
      for (size_t c = 0; c < n; ++c) {
        std::string v = Clip(r[c], w[c]);
        std::string pad(w[c] - DisplayWidth(v), ' ');
        bool right = right_numbers && IsNumeric(types_[c]) && r[c] != "NULL";
        out += " " + (right ? pad + v : v + pad) + " |";
      }
      out += "\n";
    };
    line();
    cells(names_, false);
    line();
    for (const auto& r : rows_) cells(r, true);
    line();
    if (truncated_)
      out += "(showing the first " + std::to_string(rows_.size()) +
             " rows; use --format csv or jsonl, or --max-rows, for more)\n";
    if (std::fwrite(out.data(), 1, out.size(), out_) != out.size() || std::fflush(out_) != 0)
      return Status::IoError("cannot write the output");
    return Status::OK();
  }

 private:
  static bool IsNumeric(RedshiftType t) {
    return t == RedshiftType::kSmallInt || t == RedshiftType::kInteger ||
           t == RedshiftType::kBigInt || t == RedshiftType::kDecimal || t == RedshiftType::kReal ||
           t == RedshiftType::kDouble;
  }
  int TerminalWidth() const {
    if (width_ > 0) return width_;
    struct winsize ws {};
    if (ioctl(fileno(out_), TIOCGWINSZ, &ws) == 0 && ws.ws_col > 20) return ws.ws_col;
    if (const char* cols = std::getenv("COLUMNS")) {
      int c = std::atoi(cols);
      if (c > 20) return c;
    }
    return 120;
  }

  FILE* out_;
  long long max_rows_;
  int width_;
  bool truncated_ = false;
  std::vector<std::string> names_;
  std::vector<RedshiftType> types_;
  std::vector<std::vector<std::string>> rows_;
};

}  // namespace

std::unique_ptr<ResultWriter> NewResultWriter(OutputFormat format, FILE* out,
                                              long long table_max_rows, int width) {
  switch (format) {
    case OutputFormat::kTable:
      return std::make_unique<TableWriter>(out, table_max_rows, width);
    case OutputFormat::kCsv:
      return std::make_unique<CsvWriter>(out);
    case OutputFormat::kJsonl:
      return std::make_unique<JsonlWriter>(out, false);
    case OutputFormat::kJson:
      return std::make_unique<JsonlWriter>(out, true);
  }
  return nullptr;
}

}  // namespace rsx
