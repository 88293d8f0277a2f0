#pragma once
// The emulator's HTTP front: routes AWS requests (Data API JSON 1.1 by X-Amz-Target,
// redshift-serverless GetCredentials, STS query protocol, S3 by signing scope), authenticates and
// authorizes them, applies rate limits and injected faults, and answers in AWS's shapes. A
// loopback-only control endpoint (/_emulator/...) adds and clears faults at run time.

#include <map>
#include <memory>
#include <mutex>
#include <string>

#include "auth.h"
#include "config.h"
#include "engine.h"

namespace rsx::emu {

class ServerImpl;  // server.cc: keeps cpp-httplib out of this header
class S3Api;

class Server {
 public:
  // `s3` may be null: no S3 then.
  Server(EmulatorConfig& config, Engine& engine, Auth& auth, S3Api* s3 = nullptr);
  ~Server();
  // Binds host:port (0 = a free port); returns the bound port or -1.
  int Bind(const std::string& host, int port);
  void Serve();  // blocks until Stop()
  void Stop();

 private:
  std::unique_ptr<ServerImpl> impl_;
};

}  // namespace rsx::emu
