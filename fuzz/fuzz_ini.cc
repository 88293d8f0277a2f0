// ~/.aws/config and credentials files.
#include <cstdint>
#include <string>

#include "aws/ini_file.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  auto ini = rsx::ParseIni(std::string(reinterpret_cast<const char*>(data), size), "fuzz");
  if (!ini.ok() && ini.status().message().empty()) __builtin_trap();  // an error must say what
  return 0;
}
