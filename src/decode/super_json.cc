#include "decode/super_json.h"

#include <simdjson.h>

#include <charconv>
#include <cstring>

namespace rsx {
namespace {

namespace dom = simdjson::dom;

// A JSON string as nlohmann's dump() writes it (ensure_ascii off): '"', '\\' and the control
// characters escaped, \b \f \n \r \t by name and the others as \u00xx; every other byte as
// it is. False when `s` is not valid UTF-8 (dump() would throw): an escape such as a lone
// \udc00 can unescape into bytes that are not, and only text with escapes is checked.
bool WriteString(std::string_view s, bool check_utf8, std::string* out) {
  if (check_utf8 && !simdjson::validate_utf8(s.data(), s.size())) return false;
  static const char* kHex = "0123456789abcdef";
  out->push_back('"');
  size_t run = 0;
  for (size_t i = 0; i < s.size(); ++i) {
    auto c = static_cast<unsigned char>(s[i]);
    if (c >= 0x20 && c != '"' && c != '\\') continue;
    out->append(s.data() + run, i - run);
    run = i + 1;
    std::string_view named = c == '"'    ? "\\\""
                             : c == '\\' ? "\\\\"
                             : c == '\b' ? "\\b"
                             : c == '\f' ? "\\f"
                             : c == '\n' ? "\\n"
                             : c == '\r' ? "\\r"
                             : c == '\t' ? "\\t"
                                         : "";
    if (!named.empty()) {
      out->append(named);
    } else {
      char u[6] = {'\\', 'u', '0', '0', kHex[c >> 4], kHex[c & 15]};
      out->append(u, 6);
    }
  }
  out->append(s.data() + run, s.size() - run);
  out->push_back('"');
  return true;
}

// Writes `e` compactly; false when it leaves the shape AppendCanonicalSuperJson promises.
// `escapes`: the text holds a backslash, so its strings are checked to be UTF-8.
bool Write(dom::element e, bool escapes, std::string* out) {
  switch (e.type()) {
    case dom::element_type::ARRAY: {
      out->push_back('[');
      bool first = true;
      for (dom::element child : dom::array(e)) {
        if (!first) out->push_back(',');
        first = false;
        if (!Write(child, escapes, out)) return false;
      }
      out->push_back(']');
      return true;
    }
    case dom::element_type::OBJECT: {
      out->push_back('{');
      std::string_view previous;
      bool first = true;
      for (dom::key_value_pair field : dom::object(e)) {
        // nlohmann keeps keys in a std::map: sorted, duplicates collapsed. Only text already in
        // that order (strictly ascending: no duplicates) takes this path.
        if (!first && !(previous < field.key)) return false;
        if (!first) out->push_back(',');
        first = false;
        previous = field.key;
        if (!WriteString(field.key, escapes, out)) return false;
        out->push_back(':');
        if (!Write(field.value, escapes, out)) return false;
      }
      out->push_back('}');
      return true;
    }
    case dom::element_type::INT64:
    case dom::element_type::UINT64: {
      char buf[24];
      auto r = e.type() == dom::element_type::INT64
                   ? std::to_chars(buf, buf + sizeof buf, int64_t(e))
                   : std::to_chars(buf, buf + sizeof buf, uint64_t(e));
      out->append(buf, r.ptr);
      return true;
    }
    case dom::element_type::STRING:
      return WriteString(std::string_view(e), escapes, out);
    case dom::element_type::BOOL:
      out->append(bool(e) ? "true" : "false");
      return true;
    case dom::element_type::NULL_VALUE:
      out->append("null");
      return true;
    default:  // DOUBLE (and anything else): nlohmann's number formatting is its own
      return false;
  }
}

}  // namespace

bool AppendCanonicalSuperJson(std::string_view text, std::string* out) {
  if (text.empty()) return false;
  bool escapes = std::memchr(text.data(), '\\', text.size()) != nullptr;
  thread_local dom::parser parser;
  dom::element root;
  if (parser.parse(text.data(), text.size(), true).get(root) != simdjson::SUCCESS) return false;
  size_t mark = out->size();
  if (!Write(root, escapes, out)) {
    out->resize(mark);
    return false;
  }
  return true;
}

}  // namespace rsx
