#include "decode/page_decoder.h"

#include <simdjson.h>

#include <cstring>

#include "decode/column_json.h"
#include "rsx/strings.h"
#include "util/words.h"

namespace rsx {

namespace od = simdjson::ondemand;

static_assert(sizeof(Cell) <= 32,
              "a page's cells are written and read once per value: keep them small");

struct PageDecoder::Impl {
  od::parser parser;
  std::string scratch;  // unescaped CSV fields and converted values
  std::vector<std::string> csv_chunks;
  // The last ColumnMetadata read and its raw text: every page of a result may carry the same
  // metadata, which is then parsed once (a third of a 201-column result's instructions).
  std::string metadata_raw;
  std::vector<ColumnInfo> metadata;
  bool keep_escapes = false;
};

PageDecoder::PageDecoder() : impl_(std::make_unique<Impl>()) {}
PageDecoder::~PageDecoder() = default;
void PageDecoder::set_keep_escapes(bool on) { impl_->keep_escapes = on; }

namespace {

// Reads the members of a page other than Records; returns true when the key was handled.
// `last_raw` and `last` keep the last ColumnMetadata read and its columns.
bool ReadCommon(std::string_view key, od::value value, DecodedPage* out, std::string* last_raw,
                std::vector<ColumnInfo>* last) {
  if (value.is_null()) return true;  // null members count as absent
  if (key == "ColumnMetadata") {
    od::array arr = value.get_array();
    std::string_view raw = arr.raw_json();
    if (raw != *last_raw) {
      auto j = nlohmann::json::parse(raw, nullptr, false);
      last->clear();
      if (j.is_array())
        for (const auto& c : j) last->push_back(ColumnFromJson(c));
      last_raw->assign(raw);
    }
    out->columns = *last;
    out->has_columns = true;
    return true;
  }
  if (key == "TotalNumRows") {
    out->total_rows = value.get_int64();
    return true;
  }
  if (key == "NextToken") {
    out->next_token = std::string(std::string_view(value.get_string()));
    return true;
  }
  return false;
}

// Whether the raw key at `k` (just after its opening quote; the page is padded) is `name`
// followed by its closing quote.
template <size_t N>
bool KeyIs(const char* k, const char (&name)[N]) {
  return std::memcmp(k, name, N - 1) == 0;
}

// The value's raw JSON token, without the whitespace after it.
[[gnu::always_inline]] inline std::string_view Token(od::value& v) {
  std::string_view raw = v.raw_json_token();  // the token up to the next structural character
  // JSON's whitespace is all at or below ' ', and a token never ends there: one compare when
  // nothing follows it (the Data API's compact pages).
  while (!raw.empty() && static_cast<unsigned char>(raw.back()) <= ' ' &&
         (raw.back() == ' ' || raw.back() == '\n' || raw.back() == '\r' || raw.back() == '\t'))
    raw.remove_suffix(1);
  return raw;
}

// A string value into `cell`, unescaped by simdjson. Every JSON escape is longer than what it
// stands for, so when the text is as long as the token between its quotes the string had none:
// the cell is `plain` (valid JSON holds no raw '"' or control byte in a string; simdjson's
// stage 1 refuses them) and JSON output copies it as it is.
[[gnu::always_inline]] inline void ReadString(od::value& v, Cell* cell) {
  std::string_view raw = Token(v);
  cell->text = v.get_string();
  cell->plain = cell->text.size() + 2 == raw.size();
}

// The escapes of `body`, the text between a JSON string token's quotes: 0 when it has none, 1
// when each is one that rsx writes (\" \\ \n \r \t, or \u00xx in lower-case hex for another byte
// below 0x20), -1 otherwise. Backslashes are found 16 bytes at a time, the last block read past
// the body's end into the page (which simdjson's padding follows).
int RsxEscapes(std::string_view body) {
#if !defined(__SSE2__)
  (void)body;
  return -1;  // elsewhere escaped strings are unescaped as before
#else
  const char* p = body.data();
  const char* end = p + body.size();
  int found = 0;
  while (p < end) {
    uint32_t m = util::Bytes16Equal(p, '\\');
    while (m == 0 && end - p > 16) m = util::Bytes16Equal(p += 16, '\\');
    if (end - p < 16) m &= (1u << (end - p)) - 1;  // bytes past the end
    if (m == 0) return found;
    p += __builtin_ctz(m);
    if (end - p < 2) return -1;
    switch (p[1]) {
      case '"':
      case '\\':
      case 'n':
      case 'r':
      case 't':
        p += 2;
        break;
      case 'u': {
        if (end - p < 6 || p[2] != '0' || p[3] != '0' || (p[4] != '0' && p[4] != '1')) return -1;
        char h = p[5];
        bool hex = (h >= '0' && h <= '9') || (h >= 'a' && h <= 'f');
        if (!hex || (p[4] == '0' && (h == '9' || h == 'a' || h == 'd'))) return -1;  // \t \n \r
        p += 6;
        break;
      }
      default:
        return -1;
    }
    found = 1;
  }
  return found;
#endif
}

// A string value into `cell` for a consumer that takes escaped text: a token with no escapes or
// only rsx's own is its text between the quotes (`plain` or `escaped`), nothing unescaped or
// copied; any other goes through ReadString.
[[gnu::always_inline]] inline void ReadStringKeepingEscapes(od::value& v, Cell* cell) {
  std::string_view raw = Token(v);
  if (raw.size() >= 2 && raw.front() == '"' && raw.back() == '"') {
    std::string_view body = raw.substr(1, raw.size() - 2);
    int escapes = RsxEscapes(body);
    if (escapes >= 0) {
      v.get_raw_json_string();  // consumes the value (cheaper than the iterator skipping it)
      cell->text = body;
      cell->plain = escapes == 0;
      cell->escaped = escapes == 1;
      return;
    }
  }
  cell->text = v.get_string();
  cell->plain = cell->text.size() + 2 == raw.size();
}

// An integer value into `cell`. simdjson refuses what is not an int64 in JSON's grammar (no
// leading zero, no fraction or exponent), so the token is then the number as JSON writes it,
// except "-0": it is kept as the cell's text, which JSON output copies instead of formatting
// the number again.
[[gnu::always_inline]] inline void ReadLong(od::value& v, Cell* cell) {
  std::string_view raw = Token(v);
  cell->l = v.get_int64();
  if (raw != "-0") cell->text = raw;
}

void Reset(DecodedPage* out) {
  out->columns.clear();
  out->has_columns = false;
  out->num_rows = out->num_cols = 0;
  out->cells.clear();
  out->total_rows = -1;
  out->next_token.clear();
}

}  // namespace

Status PageDecoder::DecodeJson(std::string& body, DecodedPage* out) {
  Reset(out);
  size_t len = body.size();
  body.reserve(len + simdjson::SIMDJSON_PADDING);
  try {
    od::document doc =
        impl_->parser.iterate(simdjson::padded_string_view(body.data(), len, body.capacity()));
    size_t rows = 0, cols = 0;
    const bool keep_escapes = impl_->keep_escapes;
    for (auto member : doc.get_object()) {
      std::string_view key = member.unescaped_key();
      od::value value = member.value();
      if (key == "Records") {
        for (od::array row : value.get_array()) {
          size_t c = 0;
          for (od::object field : row) {
            Cell& cell = out->cells.emplace_back();  // NULL until a member says otherwise
            for (auto member : field) {              // a union: exactly one member
              od::field kv = std::move(member);
              // The raw key (no unescaping): one of six fixed names, matched with its closing
              // quote.
              const char* k = kv.key().raw();
              od::value v = kv.value();
              if (KeyIs(k, "stringValue\"")) {
                cell.kind = CellKind::kString;
                if (keep_escapes)
                  ReadStringKeepingEscapes(v, &cell);
                else
                  ReadString(v, &cell);
              } else if (KeyIs(k, "longValue\"")) {
                cell.kind = CellKind::kLong;
                ReadLong(v, &cell);
              } else if (KeyIs(k, "isNull\"")) {
                cell.kind = v.get_bool() ? CellKind::kNull : CellKind::kNull;
              } else if (KeyIs(k, "doubleValue\"")) {
                cell.kind = CellKind::kDouble;
                cell.text = Token(v);
              } else if (KeyIs(k, "booleanValue\"")) {
                cell.kind = CellKind::kBool;
                cell.b = v.get_bool();
              } else if (KeyIs(k, "blobValue\"")) {
                cell.kind = CellKind::kBlob;
                ReadString(v, &cell);
              } else {
                return Status::Internal("result page has a Field member rsx does not know: " +
                                        std::string(k, std::strcspn(k, "\"")));
              }
            }
            ++c;
          }
          if (rows == 0)
            cols = c;
          else if (c != cols)
            return Status(StatusCode::kDataLoss, "result row " + std::to_string(rows) + " has " +
                                                     std::to_string(c) + " fields, expected " +
                                                     std::to_string(cols));
          ++rows;
        }
      } else {
        ReadCommon(key, value, out, &impl_->metadata_raw, &impl_->metadata);
      }
    }
    out->num_rows = rows;
    out->num_cols = rows ? cols : out->columns.size();
  } catch (const simdjson::simdjson_error& e) {
    return Status::Internal(std::string("cannot parse a result page: ") + e.what());
  }
  return Status::OK();
}

namespace {

// Where the unquoted field at `i` ends: the first ',', CR or LF, or the end; eight bytes at a
// time (util/words.h).
size_t UnquotedEnd(std::string_view text, size_t i) {
  size_t n = text.size();
  for (; util::kLittleEndianWords && n - i >= 8; i += 8) {
    uint64_t w = util::LoadWord(text.data() + i);
    uint64_t m = util::BytesEqual(w, ',') | util::BytesEqual(w, '\n') | util::BytesEqual(w, '\r');
    if (m != 0) return i + static_cast<size_t>(__builtin_ctzll(m)) / 8;
  }
  while (i < n && text[i] != ',' && text[i] != '\n' && text[i] != '\r') ++i;
  return i;
}

// Splits RFC 4180 CSV into fields. A quoted field without doubled quotes is a view into `text`;
// one with them is unescaped into `scratch` (reserved by the caller so views stay valid), in runs
// between quotes. Empty unquoted fields are NULL.
Status SplitCsv(std::string_view text, size_t ncols, std::string* scratch,
                std::vector<std::pair<std::string_view, bool>>* fields, size_t* rows) {
  size_t i = 0, n = text.size(), in_row = 0;
  *rows = 0;
  while (i < n) {
    bool quoted = false;
    std::string_view value;
    if (text[i] == '"') {
      quoted = true;
      size_t first = ++i;
      size_t start = std::string::npos;  // where in `scratch`, once a doubled quote is seen
      while (true) {
        const void* q = i < n ? std::memchr(text.data() + i, '"', n - i) : nullptr;
        if (q == nullptr)
          return Status(StatusCode::kDataLoss, "CSV result page ends inside a quoted field");
        size_t at = static_cast<size_t>(static_cast<const char*>(q) - text.data());
        bool doubled = at + 1 < n && text[at + 1] == '"';
        if (!doubled && start == std::string::npos) {  // no doubled quote: the text itself
          value = text.substr(first, at - first);
          i = at + 1;
          break;
        }
        if (start == std::string::npos) start = scratch->size();
        scratch->append(text.data() + i, at - i);
        i = at + 1;
        if (!doubled) {
          value = std::string_view(scratch->data() + start, scratch->size() - start);
          break;
        }
        scratch->push_back('"');
        ++i;
      }
    } else {
      size_t start = i;
      i = UnquotedEnd(text, i);
      value = text.substr(start, i - start);
    }
    fields->emplace_back(value, quoted);
    ++in_row;
    if (i < n && text[i] == ',') {
      ++i;
      if (i == n) {  // a comma ends the text: one more (empty) field
        fields->emplace_back(std::string_view(), false);
        ++in_row;
      } else {
        continue;  // the next field, possibly empty, is read by the loop
      }
    }
    if (i < n && text[i] == '\r') ++i;
    if (i < n && text[i] == '\n') ++i;
    if (in_row != ncols)
      return Status(StatusCode::kDataLoss, "CSV result row " + std::to_string(*rows) + " has " +
                                               std::to_string(in_row) + " fields, expected " +
                                               std::to_string(ncols));
    in_row = 0;
    ++*rows;
  }
  if (in_row != 0) return Status(StatusCode::kDataLoss, "CSV result page ends inside a row");
  return Status::OK();
}

}  // namespace

Status PageDecoder::DecodeCsv(std::string& body, const std::vector<ColumnInfo>& known,
                              DecodedPage* out) {
  Reset(out);
  size_t len = body.size();
  body.reserve(len + simdjson::SIMDJSON_PADDING);
  std::string csv;
  try {
    od::document doc =
        impl_->parser.iterate(simdjson::padded_string_view(body.data(), len, body.capacity()));
    for (auto member : doc.get_object()) {
      std::string_view key = member.unescaped_key();
      od::value value = member.value();
      if (key == "Records") {
        for (od::object rec : value.get_array()) {
          for (auto kv : rec) {
            std::string_view k = kv.unescaped_key();
            if (k == "CSVRecords") csv.append(std::string_view(kv.value().get_string()));
          }
        }
      } else {
        ReadCommon(key, value, out, &impl_->metadata_raw, &impl_->metadata);
      }
    }
  } catch (const simdjson::simdjson_error& e) {
    return Status::Internal(std::string("cannot parse a result page: ") + e.what());
  }
  const std::vector<ColumnInfo>& columns = out->has_columns ? out->columns : known;
  if (columns.empty() && !csv.empty())
    return Status::Internal("a CSV result page came before any ColumnMetadata");
  std::string& scratch = impl_->scratch;
  scratch.clear();
  scratch.reserve(csv.size() * 2 + 64);  // never reallocates below: views stay valid
  impl_->csv_chunks.clear();
  impl_->csv_chunks.push_back(std::move(csv));
  std::string_view text = impl_->csv_chunks.back();
  std::vector<std::pair<std::string_view, bool>> fields;
  size_t rows = 0;
  RSX_RETURN_IF_ERROR(SplitCsv(text, columns.size(), &scratch, &fields, &rows));
  std::vector<RedshiftType> types;
  for (const auto& c : columns) types.push_back(TypeFromName(c.type_name));
  out->num_rows = rows;
  out->num_cols = columns.size();
  out->cells.resize(fields.size());
  for (size_t i = 0; i < fields.size(); ++i) {
    auto [v, quoted] = fields[i];
    Cell& cell = out->cells[i];
    RedshiftType t = types[i % types.size()];
    if (v.empty() && !quoted) {
      cell.kind = CellKind::kNull;
      continue;
    }
    switch (t) {
      case RedshiftType::kSmallInt:
      case RedshiftType::kInteger:
      case RedshiftType::kBigInt: {
        char* end = nullptr;
        std::string tmp(v);
        long long x = std::strtoll(tmp.c_str(), &end, 10);
        if (*end != '\0')
          return Status(StatusCode::kDataLoss, "CSV integer field '" + tmp + "' is not an integer");
        cell.kind = CellKind::kLong;
        cell.l = x;
        break;
      }
      case RedshiftType::kReal:
      case RedshiftType::kDouble:
        cell.kind = (v == "NaN" || v == "Infinity" || v == "-Infinity") ? CellKind::kString
                                                                        : CellKind::kDouble;
        cell.text = v;
        break;
      case RedshiftType::kBoolean:
        cell.kind = CellKind::kBool;
        cell.b = v == "t" || v == "true" || v == "1";
        break;
      case RedshiftType::kVarbyte: {
        std::string_view hex = v.substr(0, 2) == "\\x" ? v.substr(2) : v;
        std::string bytes;
        auto nibble = [](char c) {
          return c >= '0' && c <= '9'   ? c - '0'
                 : c >= 'a' && c <= 'f' ? c - 'a' + 10
                 : c >= 'A' && c <= 'F' ? c - 'A' + 10
                                        : -1;
        };
        for (size_t k = 0; k + 1 < hex.size(); k += 2) {
          int hi = nibble(hex[k]), lo = nibble(hex[k + 1]);
          if (hi < 0 || lo < 0)
            return Status::Internal("a varbyte value in a CSV result page is not hexadecimal");
          bytes.push_back(static_cast<char>(hi * 16 + lo));
        }
        size_t start = scratch.size();
        scratch.append(util::Base64Encode(bytes));
        cell.kind = CellKind::kBlob;
        cell.text = std::string_view(scratch.data() + start, scratch.size() - start);
        break;
      }
      default:
        cell.kind = CellKind::kString;
        cell.text = v;
    }
  }
  return Status::OK();
}

}  // namespace rsx
