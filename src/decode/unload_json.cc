#include "decode/unload_json.h"

#include <simdjson.h>

#include <cstring>

#include "rsx/strings.h"

namespace rsx {

namespace od = simdjson::ondemand;

struct UnloadJsonDecoder::Impl {
  std::vector<RedshiftType> types;
  std::vector<std::string> names;
  od::parser parser;
  std::string padded;   // the lines, with simdjson's padding
  std::string scratch;  // unescaped strings and converted values (never reallocated in a call)
  std::vector<unsigned char> seen;
  long long line = 0;
};

UnloadJsonDecoder::UnloadJsonDecoder(const std::vector<ColumnInfo>& columns)
    : impl_(std::make_unique<Impl>()) {
  for (const auto& c : columns) {
    impl_->types.push_back(TypeFromName(c.type_name));
    impl_->names.push_back(c.name);
  }
  impl_->seen.resize(columns.size());
}

UnloadJsonDecoder::~UnloadJsonDecoder() = default;

std::string UnloadJsonDecoder::Key(size_t i) { return "c" + std::to_string(i); }

namespace {

std::string_view Trimmed(std::string_view raw) {
  while (!raw.empty() &&
         (raw.back() == ' ' || raw.back() == '\n' || raw.back() == '\r' || raw.back() == '\t'))
    raw.remove_suffix(1);
  return raw;
}

int Nibble(char c) {
  return c >= '0' && c <= '9'   ? c - '0'
         : c >= 'a' && c <= 'f' ? c - 'a' + 10
         : c >= 'A' && c <= 'F' ? c - 'A' + 10
                                : -1;
}

// "c<digits>" -> the index; -1 for any other key.
long long KeyIndex(std::string_view k) {
  if (k.size() < 2 || k.size() > 8 || k[0] != 'c') return -1;
  long long i = 0;
  for (size_t p = 1; p < k.size(); ++p) {
    if (k[p] < '0' || k[p] > '9') return -1;
    i = i * 10 + (k[p] - '0');
  }
  if (k.size() > 2 && k[1] == '0') return -1;  // no leading zeros: one spelling per key
  return i;
}

}  // namespace

Status UnloadJsonDecoder::Decode(std::string_view lines, DecodedPage* out) {
  Impl& m = *impl_;
  size_t ncols = m.types.size();
  out->columns.clear();
  out->has_columns = false;
  out->total_rows = -1;
  out->next_token.clear();
  out->num_cols = ncols;
  out->num_rows = 0;
  out->cells.clear();
  m.padded.assign(lines);
  m.padded.append(simdjson::SIMDJSON_PADDING, ' ');
  m.scratch.clear();
  // Unescaped strings are no longer than their JSON; base64 of hex is shorter than the hex.
  m.scratch.reserve(lines.size() + 64);
  const char* base = m.padded.data();
  size_t total = lines.size(), capacity = m.padded.size();
  auto loss = [&](const std::string& why) {
    return Status(StatusCode::kDataLoss, "UNLOAD file line " + std::to_string(m.line) + ": " + why);
  };
  size_t pos = 0;
  while (pos < total) {
    const char* nl = static_cast<const char*>(std::memchr(base + pos, '\n', total - pos));
    size_t end = nl ? static_cast<size_t>(nl - base) : total;
    size_t len = end - pos;
    ++m.line;
    size_t row_start = out->cells.size();
    out->cells.resize(row_start + ncols);  // every cell NULL until its key is read
    std::fill(m.seen.begin(), m.seen.end(), 0);
    size_t col = 0;
    try {
      od::document doc =
          m.parser.iterate(simdjson::padded_string_view(base + pos, len, capacity - pos));
      for (auto member : doc.get_object()) {
        od::field field = std::move(member);
        std::string_view key = field.unescaped_key();
        long long idx = KeyIndex(key);
        if (idx < 0 || static_cast<size_t>(idx) >= ncols)
          return loss("unexpected key \"" + std::string(key) + "\" (expected c0..c" +
                      std::to_string(ncols - 1) + ")");
        col = static_cast<size_t>(idx);
        if (m.seen[col]) return loss("the key \"" + std::string(key) + "\" occurs twice");
        m.seen[col] = 1;
        Cell& cell = out->cells[row_start + col];
        od::value v = field.value();
        od::json_type jt = v.type();
        if (jt == od::json_type::null) {
          if (!v.is_null()) return loss("column " + m.names[col] + ": a malformed null");
          continue;
        }
        RedshiftType t = m.types[col];
        if (t == RedshiftType::kSuper) {  // the JSON value itself, as its text
          std::string_view raw;
          if (jt == od::json_type::object) {
            od::object o = v.get_object();
            raw = o.raw_json();
          } else if (jt == od::json_type::array) {
            od::array a = v.get_array();
            raw = a.raw_json();
          } else {
            raw = Trimmed(v.raw_json_token());
          }
          cell.kind = CellKind::kString;
          cell.text = raw;
          continue;
        }
        switch (t) {
          case RedshiftType::kSmallInt:
          case RedshiftType::kInteger:
          case RedshiftType::kBigInt:
            if (jt != od::json_type::number)
              return loss("column " + m.names[col] + ": expected an integer");
            cell.kind = CellKind::kLong;
            cell.l = v.get_int64();
            continue;
          case RedshiftType::kDecimal:
          case RedshiftType::kReal:
          case RedshiftType::kDouble:
            if (jt == od::json_type::number) {
              cell.kind = t == RedshiftType::kDecimal ? CellKind::kString : CellKind::kDouble;
              cell.text = Trimmed(v.raw_json_token());
              continue;
            }
            break;  // "NaN", "Infinity": strings
          case RedshiftType::kBoolean:
            if (jt != od::json_type::boolean)
              return loss("column " + m.names[col] + ": expected true or false");
            cell.kind = CellKind::kBool;
            cell.b = v.get_bool();
            continue;
          default:
            break;
        }
        if (jt != od::json_type::string)
          return loss("column " + m.names[col] + ": expected a string");
        std::string_view s = v.get_string();
        if (m.scratch.capacity() - m.scratch.size() < s.size() + 8)  // views must not move
          return Status::Internal("UNLOAD line " + std::to_string(m.line) +
                                  ": the decoder's buffer is too small");
        size_t start = m.scratch.size();
        if (t == RedshiftType::kVarbyte) {
          std::string bytes;
          bytes.reserve(s.size() / 2);
          if (s.size() % 2 != 0) return loss("column " + m.names[col] + ": odd-length hex");
          for (size_t k = 0; k < s.size(); k += 2) {
            int hi = Nibble(s[k]), lo = Nibble(s[k + 1]);
            if (hi < 0 || lo < 0) return loss("column " + m.names[col] + ": not hexadecimal");
            bytes.push_back(static_cast<char>(hi * 16 + lo));
          }
          m.scratch.append(util::Base64Encode(bytes));
          cell.kind = CellKind::kBlob;
        } else {
          m.scratch.append(s);
          cell.kind = CellKind::kString;
        }
        cell.text = std::string_view(m.scratch.data() + start, m.scratch.size() - start);
      }
      // Only blanks may follow the object (current_location fails at the end of the input).
      auto where = doc.current_location();
      if (!where.error()) {
        for (const char* c = where.value_unsafe(); c < base + end; ++c)
          if (*c != ' ' && *c != '\t' && *c != '\r') return loss("text after the object");
      }
    } catch (const simdjson::simdjson_error& e) {
      return loss(std::string("not a JSON object of the unloaded columns (") + e.what() + ")");
    }
    ++out->num_rows;
    pos = end + 1;
  }
  return Status::OK();
}

}  // namespace rsx
