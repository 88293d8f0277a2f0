#pragma once
// The web console: web/console compiled in (cmake/embed_console.cmake), served at / and
// /console/<file> with a strict Content-Security-Policy. It calls the API like any client.

#include <cstddef>
#include <vector>

namespace httplib {
class Server;
}

namespace rsx::service {

struct ConsoleAsset {
  const char* name;  // file name under web/console
  const char* content_type;
  const unsigned char* data;
  size_t size;
};

const std::vector<ConsoleAsset>& ConsoleAssets();

// GET / (the console's page) and GET /console/<file>; registered before the API's catch-all.
void RegisterConsole(httplib::Server& server);

}  // namespace rsx::service
