#include "service/console.h"

#include <httplib.h>

#include <cstring>
#include <string>

namespace rsx::service {
namespace {

// Scripts, styles and images from this origin only, no inline code, no framing, API calls to
// this origin only.
constexpr const char* kPolicy =
    "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self'; "
    "connect-src 'self'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'";

void Serve(const ConsoleAsset& a, httplib::Response& res) {
  res.set_content(reinterpret_cast<const char*>(a.data), a.size, a.content_type);
  res.set_header("Content-Security-Policy", kPolicy);
  res.set_header("X-Content-Type-Options", "nosniff");
  res.set_header("X-Frame-Options", "DENY");
  res.set_header("Referrer-Policy", "no-referrer");
  res.set_header("Cross-Origin-Opener-Policy", "same-origin");
  res.set_header("Cache-Control", "no-cache");
}

const ConsoleAsset* Find(const std::string& name) {
  for (const ConsoleAsset& a : ConsoleAssets())
    if (name == a.name) return &a;
  return nullptr;
}

}  // namespace

void RegisterConsole(httplib::Server& server) {
  server.Get("/", [](const httplib::Request&, httplib::Response& res) {
    if (const ConsoleAsset* a = Find("index.html")) Serve(*a, res);
  });
  server.Get(R"(/console/([A-Za-z0-9_.-]{1,64}))",
             [](const httplib::Request& req, httplib::Response& res) {
               const ConsoleAsset* a = Find(req.matches[1].str());
               if (!a) {
                 res.status = 404;
                 res.set_content("not found\n", "text/plain");
                 res.set_header("X-Content-Type-Options", "nosniff");
                 return;
               }
               Serve(*a, res);
             });
}

}  // namespace rsx::service
