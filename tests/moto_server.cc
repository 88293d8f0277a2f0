#include "moto_server.h"

#include <cstdlib>

namespace rsx::test {

MotoServer::MotoServer(const std::map<std::string, std::string>& extra_env) {
  int port = FreePort();
  url_ = "http://127.0.0.1:" + std::to_string(port);
  std::vector<std::string> argv = {"env"};
  for (const auto& [k, v] : extra_env) argv.push_back(k + "=" + v);
  for (const char* s : {"moto_server", "-H", "127.0.0.1", "-p"}) argv.push_back(s);
  argv.push_back(std::to_string(port));
  child_ = std::make_unique<ChildProcess>(argv, (dir_.path() / "moto.log").string());
  ok_ = WaitForPort(port, 30000);
}

MotoServer::~MotoServer() { child_.reset(); }

std::string MotoServer::log() const { return ReadFile(dir_.path() / "moto.log"); }

}  // namespace rsx::test
