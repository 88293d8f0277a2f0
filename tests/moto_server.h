#pragma once
// Starts moto_server (python3's moto, on this machine) on a free loopback port for one test.

#include <map>
#include <memory>
#include <string>

#include "test_util.h"

namespace rsx::test {

class MotoServer {
 public:
  // extra_env: e.g. {"INITIAL_NO_AUTH_ACTION_COUNT", "0"} to make moto check credentials.
  explicit MotoServer(const std::map<std::string, std::string>& extra_env = {});
  ~MotoServer();
  bool ok() const { return ok_; }
  const std::string& url() const { return url_; }
  std::string log() const;

 private:
  TempDir dir_;
  std::unique_ptr<ChildProcess> child_;
  std::string url_;
  bool ok_ = false;
};

}  // namespace rsx::test
