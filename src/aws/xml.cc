#include "rsx/xml.h"

#include <expat.h>

#include <memory>

#include "rsx/strings.h"

namespace rsx::xml {
namespace {

struct Builder {
  Element root;
  std::vector<Element*> stack;
};

void OnStart(void* user, const XML_Char* name, const XML_Char**) {
  auto* b = static_cast<Builder*>(user);
  std::string n = name;
  if (size_t colon = n.rfind(':'); colon != std::string::npos) n = n.substr(colon + 1);
  if (b->stack.empty()) {
    b->root.name = n;
    b->stack.push_back(&b->root);
    return;
  }
  b->stack.back()->children.push_back(Element{n, "", {}});
  b->stack.push_back(&b->stack.back()->children.back());
}

void OnEnd(void* user, const XML_Char*) { static_cast<Builder*>(user)->stack.pop_back(); }

void OnText(void* user, const XML_Char* s, int len) {
  auto* b = static_cast<Builder*>(user);
  if (!b->stack.empty()) b->stack.back()->text.append(s, static_cast<size_t>(len));
}

}  // namespace

const Element* Element::Child(std::string_view n) const {
  for (const auto& c : children)
    if (c.name == n) return &c;
  return nullptr;
}

std::string Element::TextAt(std::string_view path) const {
  const Element* e = this;
  for (const auto& part : util::Split(path, '/')) {
    e = e->Child(part);
    if (!e) return "";
  }
  return util::Trim(e->text);
}

Result<Element> Parse(std::string_view text) {
  std::unique_ptr<std::remove_pointer_t<XML_Parser>, decltype(&XML_ParserFree)> parser(
      XML_ParserCreate("UTF-8"), &XML_ParserFree);
  Builder b;
  XML_SetUserData(parser.get(), &b);
  XML_SetElementHandler(parser.get(), &OnStart, &OnEnd);
  XML_SetCharacterDataHandler(parser.get(), &OnText);
  if (XML_Parse(parser.get(), text.data(), static_cast<int>(text.size()), 1) == XML_STATUS_ERROR) {
    return Status::InvalidArgument(std::string("malformed XML: ") +
                                   XML_ErrorString(XML_GetErrorCode(parser.get())) + " at line " +
                                   std::to_string(XML_GetCurrentLineNumber(parser.get())));
  }
  if (b.root.name.empty()) return Status::InvalidArgument("malformed XML: no root element");
  return std::move(b.root);
}

std::string Escape(std::string_view s) {
  std::string out;
  out.reserve(s.size());
  for (char c : s) {
    switch (c) {
      case '<':
        out += "&lt;";
        break;
      case '>':
        out += "&gt;";
        break;
      case '&':
        out += "&amp;";
        break;
      case '"':
        out += "&quot;";
        break;
      case '\'':
        out += "&apos;";
        break;
      default:
        out += c;
    }
  }
  return out;
}

}  // namespace rsx::xml
