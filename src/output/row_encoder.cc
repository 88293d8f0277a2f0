#include "output/row_encoder.h"

#include <cstring>

namespace rsx {

RowEncoder::RowEncoder(const std::vector<ColumnInfo>& columns, Form form) : form_(form) {
  for (const auto& c : columns) {
    names_.push_back(c.name);
    types_.push_back(TypeFromName(c.type_name));
    std::string key = keys_.empty() ? "{" : ",";
    AppendJsonString(&key, c.name);
    keys_.push_back(key + ":");
    fixed_room_ += keys_.back().size() + 1;
  }
  fixed_room_ += 2;  // "{}" of an empty row, '}'
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
    for (size_t c = 0; c < n; ++c) {
      p = util::CopyBytes(p, keys_[c].data(), keys_[c].size());
      p = WriteJsonValue(p, types_[c], cells[c]);
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
