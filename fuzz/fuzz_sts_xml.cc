// STS answers (XML) through expat into the element tree, then the paths rsx reads.
#include <cstdint>
#include <string_view>

#include "rsx/xml.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  auto doc = rsx::xml::Parse(std::string_view(reinterpret_cast<const char*>(data), size));
  if (!doc.ok()) return 0;
  (void)doc->TextAt("AssumeRoleResult/Credentials/SessionToken");
  (void)doc->TextAt("Error/Code");
  (void)doc->TextAt("GetCallerIdentityResult/Arn");
  return 0;
}
