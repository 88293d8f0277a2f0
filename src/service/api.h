#pragma once
// The service's HTTP API under /api/v1 (docs/service.md; docs/openapi.json is the contract).

#include <string>

#include "rsx/service.h"
#include "service/connection_cache.h"
#include "service/runner.h"
#include "service/store.h"

namespace httplib {
class Server;
}

namespace rsx::service {

struct ApiContext {
  Store& store;
  const ServeOptions& options;
  Runner& runner;
  Metrics& metrics;
  std::string openapi_json;  // served at /api/v1/openapi.json
  std::shared_ptr<ConnectionCache> connections = std::make_shared<ConnectionCache>();
};

// Routes, authentication, error shapes, idempotency, the access log and /metrics.
void RegisterApi(httplib::Server& server, ApiContext& ctx);

}  // namespace rsx::service
