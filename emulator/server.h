#pragma once
// The emulator's HTTP front: routes AWS requests (Data API JSON 1.1 by X-Amz-Target,
// redshift-serverless GetCredentials, STS query protocol), authenticates and authorizes them,
// applies rate limits and injected faults, and answers in AWS's shapes. A loopback-only
// control endpoint (/_emulator/...) adds and clears faults at run time.

#include <httplib.h>

#include <map>
#include <memory>
#include <mutex>
#include <string>

#include "auth.h"
#include "config.h"
#include "engine.h"

namespace rsx::emu {

class Server {
 public:
  Server(EmulatorConfig& config, Engine& engine, Auth& auth);
  // Binds host:port (0 = a free port); returns the bound port or -1.
  int Bind(const std::string& host, int port);
  void Serve();  // blocks until Stop()
  void Stop();

 private:
  void Handle(const httplib::Request& req, httplib::Response& res);
  void HandleControl(const httplib::Request& req, httplib::Response& res);
  // Returns true when a fault or throttle answered the request.
  // `cut_after` is set when the request must run and then lose its answer (reset_after).
  bool ApplyFaultsAndLimits(const std::string& op, bool xml, httplib::Response& res,
                            bool* cut_after = nullptr);
  void DataApi(const std::string& op, const httplib::Request& req, httplib::Response& res);
  void Serverless(const std::string& op, const httplib::Request& req, httplib::Response& res);
  void Sts(const httplib::Request& req, httplib::Response& res);

  EmulatorConfig& config_;
  Engine& engine_;
  Auth& auth_;
  httplib::Server http_;
  std::mutex mu_;  // guards faults, counters and rate buckets
  std::map<std::string, int> calls_;
  std::map<std::string, int> fired_;  // "Operation:action" -> faults that fired
  std::map<std::string, std::pair<double, std::chrono::steady_clock::time_point>> buckets_;
};

}  // namespace rsx::emu
