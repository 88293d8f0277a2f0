#include "service/db.h"

#include <condition_variable>
#include <mutex>

#include "rsx/strings.h"

namespace rsx::service {

Result<std::unique_ptr<Db>> OpenSqlite(const std::string& path);
Result<std::unique_ptr<Db>> OpenPostgres(const std::string& conninfo);

namespace {

class FixedPool : public DbPool {
 public:
  FixedPool(std::vector<std::unique_ptr<Db>> dbs, bool shared)
      : dbs_(std::move(dbs)), shared_(shared) {
    for (auto& d : dbs_) free_.push_back(d.get());
  }
  Lease Acquire() override {
    std::unique_lock<std::mutex> lock(mu_);
    cv_.wait(lock, [this] { return !free_.empty(); });
    Db* db = free_.back();
    free_.pop_back();
    return Lease(this, db);
  }
  bool shared() const override { return shared_; }

 protected:
  void Release(Db* db) override {
    {
      std::lock_guard<std::mutex> lock(mu_);
      free_.push_back(db);
    }
    cv_.notify_one();
  }

 private:
  std::vector<std::unique_ptr<Db>> dbs_;
  std::vector<Db*> free_;
  bool shared_;
  std::mutex mu_;
  std::condition_variable cv_;
};

}  // namespace

Result<std::unique_ptr<DbPool>> DbPool::Open(const std::string& spec, int size) {
  std::vector<std::unique_ptr<Db>> dbs;
  if (util::StartsWith(spec, "sqlite:")) {
    std::string path = spec.substr(7);
    if (path.empty()) return Status::InvalidArgument("--store: sqlite: needs a file path");
    RSX_ASSIGN_OR_RETURN(auto db, OpenSqlite(path));
    dbs.push_back(std::move(db));
    return std::unique_ptr<DbPool>(new FixedPool(std::move(dbs), false));
  }
  std::string conninfo;
  if (util::StartsWith(spec, "postgresql://") || util::StartsWith(spec, "postgres://"))
    conninfo = spec;
  else if (util::StartsWith(spec, "postgresql:"))
    conninfo = spec.substr(11);
  else
    return Status::InvalidArgument(
        "--store: expected sqlite:PATH, postgresql://USER@HOST/DB or postgresql:<conninfo>, got "
        "\"" +
        spec.substr(0, 40) + "\"");
  for (int i = 0; i < size; ++i) {
    RSX_ASSIGN_OR_RETURN(auto db, OpenPostgres(conninfo));
    dbs.push_back(std::move(db));
  }
  return std::unique_ptr<DbPool>(new FixedPool(std::move(dbs), true));
}

}  // namespace rsx::service
