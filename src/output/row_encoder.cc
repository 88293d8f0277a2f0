#include "output/row_encoder.h"

#include <cstring>

#include "decode/json_forms.h"
#include "rsx/writers.h"

namespace rsx {

RowEncoder::RowEncoder(const std::vector<ColumnInfo>& columns, Form form) : form_(form) {
  std::vector<std::string> keys;
  if (form == Form::kJsonObject) keys = JsonFieldNames(columns);
  for (const auto& c : columns) {
    names_.push_back(c.name);
    types_.push_back(TypeFromName(c.type_name));
    RedshiftType t = types_.back();
    paths_.push_back(WrittenAsString(t) ? Path::kString
                     : IsNumberType(t)  ? Path::kNumber
                     : t == RedshiftType::kTimestamp || t == RedshiftType::kTimestampTz
                         ? Path::kTimestamp
                         : Path::kOther);
    size_t at = keys_.size();
    keys_ += key_at_.empty() ? "{" : ",";
    AppendJsonString(&keys_, keys.empty() ? c.name : keys[names_.size() - 1]);
    keys_ += ":";
    key_at_.emplace_back(at, keys_.size() - at);
    keys_.append(kKeySlack, '\0');
    fixed_room_ += key_at_.back().second + 1;
  }
  fixed_room_ += 2 + kKeySlack;  // "{}" of an empty row, '}'; the last key's slack
}

void RowEncoder::Encode(const DecodedPage& page, size_t r, util::OutBuf* out) const {
  const Cell* cells = page.cells.data() + r * page.num_cols;
  size_t n = std::min(page.num_cols, types_.size());
  size_t room = fixed_room_;
  for (size_t c = 0; c < n; ++c)
    room += form_ == Form::kCsv ? CsvValueRoom(cells[c]) : JsonValueRoom(cells[c]);
  char* p = out->Reserve(room);
  if (form_ == Form::kCsv) {
    for (size_t c = 0; c < n; ++c) {
      if (c) *p++ = ',';
      p = WriteCsvValue(p, types_[c], cells[c]);
    }
  } else {
    if (n == 0) *p++ = '{';
    const char* keys = keys_.data();
    for (size_t c = 0; c < n; ++c) {
      auto [at, size] = key_at_[c];
      if (size <= kKeySlack) {
        std::memcpy(p, keys + at, kKeySlack);  // the key and slack the value overwrites
        p += size;
      } else {
        p = util::CopyBytes(p, keys + at, size);
      }
      const Cell& cell = cells[c];
      std::string_view text = cell.text;
      switch (cell.kind) {  // the common cases here, the rest (and all of them) in WriteJsonValue
        case CellKind::kNull:
          p = util::CopyBytes(p, "null", 4);
          continue;
        case CellKind::kDouble:
          p = util::CopyBytes(p, text.data(), text.size());
          continue;
        case CellKind::kLong:
          if (text.empty()) break;
          p = util::CopyBytes(p, text.data(), text.size());  // the decoder's checked integer token
          continue;
        case CellKind::kString:
          if (paths_[c] == Path::kString && (cell.plain || cell.escaped)) {
            *p++ = '"';
            p = util::CopyBytes(p, text.data(), text.size());
            *p++ = '"';
            continue;
          }
          if (paths_[c] == Path::kNumber && !cell.escaped && json_forms::IsJsonNumber(text)) {
            p = util::CopyBytes(p, text.data(), text.size());
            continue;
          }
          if (paths_[c] == Path::kTimestamp && cell.plain) {
            p = json_forms::WriteRfc3339(p, text, true);
            continue;
          }
          break;
        default:
          break;
      }
      p = WriteJsonValue(p, types_[c], cell);
    }
    *p++ = '}';
  }
  out->Commit(p);
}

std::string RowEncoder::CsvHeader() const {
  std::string line;
  for (size_t i = 0; i < names_.size(); ++i) {
    if (i) line.push_back(',');
    AppendCsvText(&line, names_[i]);
  }
  return line + "\n";
}

}  // namespace rsx
