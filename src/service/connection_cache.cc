#include "service/connection_cache.h"

namespace rsx::service {
namespace {
constexpr auto kKeep = std::chrono::minutes(5);
constexpr size_t kMaxEntries = 1000;
}  // namespace

Result<std::shared_ptr<Connection>> ConnectionCache::Get(const ConnectionRecord& c,
                                                         const Organization& org,
                                                         const std::shared_ptr<Runtime>& runtime) {
  std::string key =
      org.id + "\n" + org.external_id + "\n" + c.id + "\n" + std::to_string(c.updated_at);
  auto now = std::chrono::steady_clock::now();
  {
    std::lock_guard<std::mutex> lock(mu_);
    auto it = entries_.find(key);
    if (it != entries_.end() && now - it->second.opened < kKeep) return it->second.conn;
  }
  // Opened outside the lock: assuming a role takes a round trip to STS.
  RSX_ASSIGN_OR_RETURN(std::unique_ptr<Connection> opened,
                       Connection::Open(ConnectionConfigOf(c, org), runtime));
  std::shared_ptr<Connection> conn = std::move(opened);
  std::lock_guard<std::mutex> lock(mu_);
  for (auto it = entries_.begin(); it != entries_.end();)
    it = now - it->second.opened >= kKeep ? entries_.erase(it) : std::next(it);
  if (entries_.size() < kMaxEntries) entries_[key] = Entry{conn, now};
  return conn;
}

}  // namespace rsx::service
