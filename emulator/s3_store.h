#pragma once
// The emulator's S3 objects: one file per object under a folder per bucket, named by the
// SHA-256 of the key (keys may hold '/', "..", any byte), with the key index in memory.
// Writes go to a temporary file renamed into place, so a reader sees the old object or the new
// one, never a mix. Thread-safe.

#include <map>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "rsx/clock.h"
#include "rsx/result.h"

namespace rsx::emu {

struct S3Object {
  std::string key;
  long long size = 0;
  std::string etag;  // "\"<md5 hex>\""
  TimePoint modified;
  std::string content_type;
  std::string path;  // the file holding the bytes
};

struct S3Bucket {
  std::string name;
  std::string account;  // owner
  TimePoint created;
};

struct S3Listing {
  std::vector<S3Object> contents;
  std::vector<std::string> common_prefixes;
  bool truncated = false;
  std::string last;  // the last key (or common prefix) taken: where a continuation resumes
};

class S3Store {
 public:
  // Creates `dir` when missing.
  static Result<std::unique_ptr<S3Store>> Open(const std::string& dir);

  // kConflict when the bucket exists (the caller tells owner from stranger).
  Status CreateBucket(const std::string& name, const std::string& account);
  std::optional<S3Bucket> Bucket(const std::string& name) const;
  std::vector<S3Bucket> Buckets() const;

  Result<S3Object> Put(const std::string& bucket, const std::string& key, std::string_view data,
                       const std::string& content_type);
  // A path in the store's folder for a file to be put with PutFile.
  std::string NewTempPath() const;
  // Moves the finished file at `temp_path` (from NewTempPath) into place as the object.
  Result<S3Object> PutFile(const std::string& bucket, const std::string& key,
                           const std::string& temp_path, long long size, const std::string& md5_hex,
                           const std::string& content_type);
  std::optional<S3Object> Head(const std::string& bucket, const std::string& key) const;
  // True when there was an object.
  bool Delete(const std::string& bucket, const std::string& key);
  // Keys starting with `prefix` after `start_after`, rolled up at `delimiter` when it is not
  // empty; at most `max_keys` entries (objects plus common prefixes).
  S3Listing List(const std::string& bucket, const std::string& prefix, const std::string& delimiter,
                 const std::string& start_after, int max_keys) const;

 private:
  explicit S3Store(std::string dir) : dir_(std::move(dir)) {}
  std::string FileFor(const std::string& bucket, const std::string& key) const;

  std::string dir_;
  mutable std::mutex mu_;
  std::map<std::string, S3Bucket> buckets_;
  std::map<std::string, std::map<std::string, S3Object>> objects_;  // bucket -> key -> object
};

// S3's bucket naming rules (3-63 characters of a-z, 0-9, '.', '-', starting and ending with a
// letter or digit); an empty string when `name` follows them, else what is wrong.
std::string BucketNameProblem(const std::string& name);

}  // namespace rsx::emu
