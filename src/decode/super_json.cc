#include "decode/super_json.h"

#include <simdjson.h>

#include <charconv>
#include <cstring>

namespace rsx {
namespace {

namespace dom = simdjson::dom;

// Writes `e` compactly; false when it leaves the shape AppendCanonicalSuperJson promises.
bool Write(dom::element e, std::string* out) {
  switch (e.type()) {
    case dom::element_type::ARRAY: {
      out->push_back('[');
      bool first = true;
      for (dom::element child : dom::array(e)) {
        if (!first) out->push_back(',');
        first = false;
        if (!Write(child, out)) return false;
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
        out->push_back('"');
        out->append(field.key);
        out->append("\":");
        if (!Write(field.value, out)) return false;
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
    case dom::element_type::STRING: {
      std::string_view s = e;  // no escapes in the text: the bytes as they were
      out->push_back('"');
      out->append(s);
      out->push_back('"');
      return true;
    }
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
  // A backslash anywhere means escapes in some string, which nlohmann may rewrite.
  if (text.empty() || std::memchr(text.data(), '\\', text.size()) != nullptr) return false;
  thread_local dom::parser parser;
  dom::element root;
  if (parser.parse(text.data(), text.size(), true).get(root) != simdjson::SUCCESS) return false;
  size_t mark = out->size();
  if (!Write(root, out)) {
    out->resize(mark);
    return false;
  }
  return true;
}

}  // namespace rsx
