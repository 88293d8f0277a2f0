#include "s3_store.h"

#include <fcntl.h>
#include <unistd.h>

#include <filesystem>

#include "rsx/crypto.h"
#include "rsx/strings.h"

namespace rsx::emu {

Result<std::unique_ptr<S3Store>> S3Store::Open(const std::string& dir) {
  std::error_code ec;
  std::filesystem::create_directories(dir, ec);
  if (ec) return Status::IoError("cannot create the S3 folder " + dir + ": " + ec.message());
  return std::unique_ptr<S3Store>(new S3Store(dir));
}

std::string BucketNameProblem(const std::string& name) {
  if (name.size() < 3 || name.size() > 63) return "must be 3 to 63 characters long";
  for (char c : name)
    if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '.' || c == '-'))
      return "may hold only lower-case letters, digits, '.' and '-'";
  auto alnum = [](char c) { return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9'); };
  if (!alnum(name.front()) || !alnum(name.back()))
    return "must begin and end with a letter or digit";
  return "";
}

Status S3Store::CreateBucket(const std::string& name, const std::string& account) {
  std::lock_guard<std::mutex> lock(mu_);
  if (buckets_.count(name)) return Status::Conflict("bucket " + name + " exists");
  std::error_code ec;
  std::filesystem::create_directories(dir_ + "/" + name, ec);
  if (ec) return Status::IoError("cannot create the bucket's folder: " + ec.message());
  buckets_[name] = S3Bucket{name, account, Clock::Real().Now()};
  objects_[name];
  return Status::OK();
}

std::optional<S3Bucket> S3Store::Bucket(const std::string& name) const {
  std::lock_guard<std::mutex> lock(mu_);
  auto it = buckets_.find(name);
  if (it == buckets_.end()) return std::nullopt;
  return it->second;
}

std::vector<S3Bucket> S3Store::Buckets() const {
  std::lock_guard<std::mutex> lock(mu_);
  std::vector<S3Bucket> out;
  for (const auto& [_, b] : buckets_) out.push_back(b);
  return out;
}

std::string S3Store::FileFor(const std::string& bucket, const std::string& key) const {
  return dir_ + "/" + bucket + "/" + crypto::Sha256Hex(key);
}

Result<S3Object> S3Store::Put(const std::string& bucket, const std::string& key,
                              std::string_view data, const std::string& content_type) {
  if (!Bucket(bucket)) return Status::NotFound("no bucket " + bucket);
  S3Object obj;
  obj.key = key;
  obj.size = static_cast<long long>(data.size());
  obj.etag = "\"" + crypto::Md5Hex(data) + "\"";
  obj.content_type = content_type.empty() ? "binary/octet-stream" : content_type;
  obj.path = FileFor(bucket, key);
  std::string tmp = obj.path + "." + crypto::RandomUuid() + ".tmp";
  int fd = ::open(tmp.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
  if (fd < 0) return Status::IoError("cannot write " + tmp);
  size_t done = 0;
  while (done < data.size()) {
    ssize_t n = ::write(fd, data.data() + done, data.size() - done);
    if (n <= 0) {
      ::close(fd);
      ::unlink(tmp.c_str());
      return Status::IoError("cannot write " + tmp);
    }
    done += static_cast<size_t>(n);
  }
  ::close(fd);
  std::lock_guard<std::mutex> lock(mu_);
  auto b = objects_.find(bucket);
  if (b == objects_.end()) {  // deleted meanwhile
    ::unlink(tmp.c_str());
    return Status::NotFound("no bucket " + bucket);
  }
  if (::rename(tmp.c_str(), obj.path.c_str()) != 0) {
    ::unlink(tmp.c_str());
    return Status::IoError("cannot rename " + tmp);
  }
  obj.modified = Clock::Real().Now();
  b->second[key] = obj;
  return obj;
}

std::string S3Store::NewTempPath() const { return dir_ + "/.tmp-" + crypto::RandomUuid(); }

Result<S3Object> S3Store::PutFile(const std::string& bucket, const std::string& key,
                                  const std::string& temp_path, long long size,
                                  const std::string& md5_hex, const std::string& content_type) {
  S3Object obj;
  obj.key = key;
  obj.size = size;
  obj.etag = "\"" + md5_hex + "\"";
  obj.content_type = content_type.empty() ? "binary/octet-stream" : content_type;
  obj.path = FileFor(bucket, key);
  std::lock_guard<std::mutex> lock(mu_);
  auto b = objects_.find(bucket);
  if (b == objects_.end()) return Status::NotFound("no bucket " + bucket);
  if (::rename(temp_path.c_str(), obj.path.c_str()) != 0)
    return Status::IoError("cannot rename " + temp_path);
  obj.modified = Clock::Real().Now();
  b->second[key] = obj;
  return obj;
}

std::optional<S3Object> S3Store::Head(const std::string& bucket, const std::string& key) const {
  std::lock_guard<std::mutex> lock(mu_);
  auto b = objects_.find(bucket);
  if (b == objects_.end()) return std::nullopt;
  auto it = b->second.find(key);
  if (it == b->second.end()) return std::nullopt;
  return it->second;
}

bool S3Store::Delete(const std::string& bucket, const std::string& key) {
  std::lock_guard<std::mutex> lock(mu_);
  auto b = objects_.find(bucket);
  if (b == objects_.end()) return false;
  auto it = b->second.find(key);
  if (it == b->second.end()) return false;
  ::unlink(it->second.path.c_str());  // a reader holding it open keeps its bytes
  b->second.erase(it);
  return true;
}

S3Listing S3Store::List(const std::string& bucket, const std::string& prefix,
                        const std::string& delimiter, const std::string& start_after,
                        int max_keys) const {
  S3Listing out;
  std::lock_guard<std::mutex> lock(mu_);
  auto b = objects_.find(bucket);
  if (b == objects_.end() || max_keys <= 0) return out;
  const auto& keys = b->second;
  auto it = start_after.empty() || start_after < prefix ? keys.lower_bound(prefix)
                                                        : keys.upper_bound(start_after);
  int taken = 0;
  for (; it != keys.end() && util::StartsWith(it->first, prefix); ++it) {
    std::string common;
    if (!delimiter.empty()) {
      size_t d = it->first.find(delimiter, prefix.size());
      if (d != std::string::npos) common = it->first.substr(0, d + delimiter.size());
    }
    // A continuation after a common prefix resumes past all of its keys.
    if (!common.empty() && common == start_after) continue;
    if (!out.common_prefixes.empty() && common == out.common_prefixes.back()) continue;
    if (taken == max_keys) {
      out.truncated = true;
      break;
    }
    ++taken;
    if (common.empty()) {
      out.contents.push_back(it->second);
      out.last = it->first;
    } else {
      out.common_prefixes.push_back(common);
      out.last = common;
    }
  }
  return out;
}

}  // namespace rsx::emu
