#include "util/json_access.h"

#include <cctype>

namespace rsx::json_access {
namespace {

std::string Clip(std::string s) {
  if (s.size() > 40) s = s.substr(0, 37) + "...";
  for (char& c : s)
    if (static_cast<unsigned char>(c) < 0x20) c = '?';
  return s;
}

Status Wrong(const std::string& path, const char* expected, const json& found) {
  return Status::InvalidArgument(path + ": expected " + expected + ", found " + Describe(found));
}

}  // namespace

std::string Describe(const json& v) {
  switch (v.type()) {
    case json::value_t::null:
      return "null";
    case json::value_t::boolean:
      return std::string("a boolean (") + (v.get_ref<const bool&>() ? "true" : "false") + ")";
    case json::value_t::string: {
      auto d = Dump(v);
      return "a string (" + Clip(d.ok() ? *d : std::string("not valid UTF-8")) + ")";
    }
    case json::value_t::number_integer:
    case json::value_t::number_unsigned:
    case json::value_t::number_float:
      return "a number (" + Clip(v.dump()) + ")";
    case json::value_t::object:
      return "an object";
    case json::value_t::array:
      return "a list";
    default:
      return "something else";
  }
}

std::string Path(const std::string& where, std::string_view key) {
  bool plain = !key.empty();
  for (char c : key)
    plain = plain && (std::isalnum(static_cast<unsigned char>(c)) || c == '_' || c == '-');
  if (plain) return where.empty() ? std::string(key) : where + "." + std::string(key);
  auto quoted = Dump(json(std::string(key)));
  return where + "[" + (quoted.ok() ? *quoted : std::string("?")) + "]";
}

Result<json> Parse(std::string_view text, const std::string& what) {
  try {
    // nlohmann parses (and destroys) nested arrays and objects iteratively, so deeply nested
    // input costs memory, never the stack.
    return json::parse(text.begin(), text.end());
  } catch (const json::parse_error& e) {
    // "...: syntax error while parsing value - invalid string: ill-formed UTF-8 byte; last
    // read: '...'": keep the reason, never the bytes read (they may hold anything).
    std::string reason = e.what();
    size_t dash = reason.rfind(" - ");
    reason = dash == std::string::npos ? "" : reason.substr(dash + 3);
    reason = reason.substr(0, reason.find(';'));
    return Status::InvalidArgument(what + " is not valid JSON (at byte " + std::to_string(e.byte) +
                                   (reason.empty() ? "" : ": " + reason) + ")");
  } catch (const std::exception& e) {
    return Status::InvalidArgument(what + " is not valid JSON");
  }
}

Result<std::string> Dump(const json& v, int indent) {
  try {
    return v.dump(indent);
  } catch (const json::type_error&) {
    return Status::InvalidArgument("text that is not valid UTF-8 cannot be written as JSON");
  }
}

Result<std::string> Dump(const nlohmann::ordered_json& v, int indent) {
  try {
    return v.dump(indent);
  } catch (const nlohmann::ordered_json::type_error&) {
    return Status::InvalidArgument("text that is not valid UTF-8 cannot be written as JSON");
  }
}

Status ExpectObject(const json& v, const std::string& where) {
  if (!v.is_object()) return Wrong(where, "an object", v);
  return Status::OK();
}

Result<const json*> Member(const json& obj, std::string_view key, const std::string& where) {
  RSX_RETURN_IF_ERROR(ExpectObject(obj, where));
  auto it = obj.find(key);
  if (it == obj.end() || it->is_null()) return static_cast<const json*>(nullptr);
  return &*it;
}

Result<std::string> String(const json& obj, std::string_view key, const std::string& where) {
  RSX_ASSIGN_OR_RETURN(const json* m, Member(obj, key, where));
  if (!m) return Status::InvalidArgument(Path(where, key) + ": missing (expected a string)");
  if (!m->is_string()) return Wrong(Path(where, key), "a string", *m);
  return m->get_ref<const std::string&>();
}

Result<std::string> OptString(const json& obj, std::string_view key, const std::string& where,
                              std::string def) {
  RSX_ASSIGN_OR_RETURN(const json* m, Member(obj, key, where));
  if (!m) return def;
  if (!m->is_string()) return Wrong(Path(where, key), "a string", *m);
  return m->get_ref<const std::string&>();
}

Result<bool> OptBool(const json& obj, std::string_view key, const std::string& where, bool def) {
  RSX_ASSIGN_OR_RETURN(const json* m, Member(obj, key, where));
  if (!m) return def;
  if (!m->is_boolean()) return Wrong(Path(where, key), "true or false", *m);
  return m->get_ref<const bool&>();
}

Result<long long> OptInt(const json& obj, std::string_view key, const std::string& where,
                         long long def) {
  RSX_ASSIGN_OR_RETURN(const json* m, Member(obj, key, where));
  if (!m) return def;
  if (m->is_number_integer()) return m->get_ref<const json::number_integer_t&>();
  if (m->is_number_unsigned() &&
      m->get_ref<const json::number_unsigned_t&>() <= 9223372036854775807ULL)
    return static_cast<long long>(m->get_ref<const json::number_unsigned_t&>());
  return Wrong(Path(where, key), "a whole number", *m);
}

Result<std::optional<std::vector<std::string>>> OptStringList(const json& obj, std::string_view key,
                                                              const std::string& where) {
  RSX_ASSIGN_OR_RETURN(const json* m, Member(obj, key, where));
  if (!m) return std::optional<std::vector<std::string>>();
  std::string path = Path(where, key);
  if (!m->is_array()) return Wrong(path, "a list of strings", *m);
  std::vector<std::string> out;
  for (size_t i = 0; i < m->size(); ++i) {
    const json& e = (*m)[i];
    if (!e.is_string()) return Wrong(path + "[" + std::to_string(i) + "]", "a string", e);
    out.push_back(e.get_ref<const std::string&>());
  }
  return std::optional<std::vector<std::string>>(std::move(out));
}

Result<std::vector<std::vector<std::string>>> OptStringListList(const json& obj,
                                                                std::string_view key,
                                                                const std::string& where) {
  RSX_ASSIGN_OR_RETURN(const json* m, Member(obj, key, where));
  std::vector<std::vector<std::string>> out;
  if (!m) return out;
  std::string path = Path(where, key);
  if (!m->is_array()) return Wrong(path, "a list of lists of strings", *m);
  for (size_t i = 0; i < m->size(); ++i) {
    const json& e = (*m)[i];
    std::string ep = path + "[" + std::to_string(i) + "]";
    if (!e.is_array()) return Wrong(ep, "a list of strings", e);
    std::vector<std::string> inner;
    for (size_t j = 0; j < e.size(); ++j) {
      if (!e[j].is_string()) return Wrong(ep + "[" + std::to_string(j) + "]", "a string", e[j]);
      inner.push_back(e[j].get_ref<const std::string&>());
    }
    out.push_back(std::move(inner));
  }
  return out;
}

}  // namespace rsx::json_access
