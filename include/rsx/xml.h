#pragma once
// A small element tree built with expat, for the XML of STS and S3. Namespaces are ignored.

#include <string>
#include <string_view>
#include <vector>

#include "rsx/result.h"

namespace rsx::xml {

struct Element {
  std::string name;
  std::string text;  // concatenated character data directly inside this element
  std::vector<Element> children;

  const Element* Child(std::string_view name) const;
  // Text at a '/'-separated path below this element ("A/B/C"), or "" when absent.
  std::string TextAt(std::string_view path) const;
};

// `s` as XML character data or an attribute value: & < > " ' escaped.
std::string Escape(std::string_view s);

// Parses a whole document. Malformed XML is kInvalidArgument with expat's message and line.
Result<Element> Parse(std::string_view text);

}  // namespace rsx::xml
