#pragma once
// rsx serve: the connector as a multi-tenant service. Organizations (each with its own
// external ID and API keys), their connections, syncs on schedules and the history of runs,
// behind a JSON API under /api/v1 (docs/service.md, docs/openapi.json).

#include <atomic>
#include <functional>
#include <memory>
#include <string>
#include <string_view>

#include "rsx/connection.h"

namespace rsx {

struct ServeOptions {
  std::string listen = "127.0.0.1:8080";  // host:port; port 0 picks a free one
  std::string store;                      // sqlite:PATH (default: $RSX_HOME/service.db)
  std::string data_dir;                   // run output (default: $RSX_HOME/service-data)
  std::string admin_token;                // required to create organizations
  std::string tls_cert, tls_key;          // HTTPS; required off loopback unless insecure_http
  bool insecure_http = false;
  std::string operator_account;       // for trust policies; default: from STS (GetCallerIdentity)
  std::string ready_file;             // "host:port" is written here once serving
  int workers = 4;                    // runs at once
  int min_interval_seconds = 60;      // the shortest interval schedule accepted
  int health_interval_seconds = 300;  // connection health refresh; 0: off
  size_t max_body_bytes = 1 << 20;    // larger request bodies: 413
  double rate_limit = 100;            // API requests per second per organization (burst 2x); 0: off
  int lease_seconds = 30;             // a run's lease; renewed every lease/3
  std::shared_ptr<Runtime> runtime;   // AWS access (required)
  const std::atomic<bool>* stop = nullptr;    // set (e.g. by SIGTERM) to shut down gracefully
  std::function<void(std::string_view)> log;  // access log and events; default: stderr
};

// Serves until *stop. A graceful stop stops accepting, interrupts running syncs at their last
// checkpoint (cancelling their statements) and puts them back in the queue, then returns.
// Errors: a bad option (kInvalidArgument naming it), the store, or the address.
Status Serve(const ServeOptions& options);

}  // namespace rsx
