#pragma once
// The AWS shared config and credentials file format: [section] headers, "key = value" lines,
// '#' and ';' comment lines, and indented sub-keys under a key with an empty value
// ("s3 =\n  max_concurrent_requests = 20" gives "s3.max_concurrent_requests").

#include <map>
#include <string>

#include "rsx/result.h"

namespace rsx {

using IniSection = std::map<std::string, std::string>;

struct IniFile {
  std::string path;
  std::map<std::string, IniSection> sections;  // in file order of names (sorted map)
};

// Parses `text`; errors name the file and line.
Result<IniFile> ParseIni(const std::string& text, const std::string& path);
// Loads and parses `path`. A missing file is kNotFound; an unreadable one kIoError.
Result<IniFile> LoadIni(const std::string& path);

}  // namespace rsx
