// Opens a connection from RSX_* and AWS_* variables, runs the SQL given as the first argument
// and prints the rows, tab-separated. Build: see examples/CMakeLists.txt and docs/library.md.
#include <cstdio>
#include <cstdlib>

#include "rsx/connection.h"

int main(int argc, char** argv) {
  auto env = [](const char* name) {
    const char* v = std::getenv(name);
    return std::string(v ? v : "");
  };
  rsx::ConnectionConfig config;
  config.region = env("AWS_REGION");
  config.workgroup = env("RSX_WORKGROUP");
  config.database = env("RSX_DATABASE");
  config.role_arn = env("RSX_ROLE_ARN");
  config.external_id = env("RSX_EXTERNAL_ID");
  auto conn = rsx::Connection::Open(config, *rsx::Runtime::Create());
  rsx::TextRows rows;
  rsx::Status st = conn.ok() ? (*conn)->Query(argc > 1 ? argv[1] : "select 1", {}, &rows).status()
                             : conn.status();
  if (!st.ok()) {
    std::fprintf(stderr, "error: %s\n", st.ToString().c_str());
    return 1;
  }
  for (const auto& row : rows.rows)
    for (size_t i = 0; i < row.size(); ++i)
      std::printf("%s%s", row[i].c_str(), i + 1 < row.size() ? "\t" : "\n");
  return 0;
}
