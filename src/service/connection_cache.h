#pragma once
// Opened connections for the API's browsing, catalog and query calls, so a console polling a
// query or paging through tables does not assume the customer's role on every request. Keyed
// by organization, connection and the record's updated_at (an edited connection is opened
// anew); each kept 5 minutes. Tests and runs open their own.

#include <chrono>
#include <map>
#include <memory>
#include <mutex>
#include <string>

#include "rsx/connection.h"
#include "service/model.h"

namespace rsx::service {

class ConnectionCache {
 public:
  Result<std::shared_ptr<Connection>> Get(const ConnectionRecord& c, const Organization& org,
                                          const std::shared_ptr<Runtime>& runtime);

 private:
  struct Entry {
    std::shared_ptr<Connection> conn;
    std::chrono::steady_clock::time_point opened;
  };
  std::mutex mu_;
  std::map<std::string, Entry> entries_;
};

}  // namespace rsx::service
