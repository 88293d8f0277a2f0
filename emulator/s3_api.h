#pragma once
// The emulator's S3: path-style requests (http://HOST/BUCKET/KEY), SigV4-verified with the
// signing name "s3", authorized per bucket and prefix from the principal's statements, answered
// in S3's XML shapes. Operations: ListBuckets, CreateBucket, HeadBucket, GetBucketLocation,
// ListObjectsV2, PutObject, GetObject (with Range), HeadObject, DeleteObject, DeleteObjects.
// UNLOAD writes through the *As calls, as the namespace's role, checked the same way.

#include <httplib.h>

#include <string>
#include <vector>

#include "auth.h"
#include "config.h"
#include "s3_store.h"

namespace rsx::emu {

class S3Api {
 public:
  S3Api(const EmulatorConfig& config, Auth& auth, S3Store& store);

  // Is this request for S3? (Its signature is scoped to "s3", or it is unsigned and names a
  // bucket.)
  static bool IsS3Request(const httplib::Request& req);
  void Handle(const httplib::Request& req, httplib::Response& res, const std::string& request_id);
  // The S3 operation a request is ("GetObject", "ListObjectsV2", ...): what faults and rate
  // limits name.
  static std::string OperationName(const httplib::Request& req);
  // An error in S3's XML shape.
  static void SendError(httplib::Response& res, const ApiError& e, const std::string& resource,
                        const std::string& request_id);

  // As `who`, with the same checks as a request. Errors carry S3's code ("AccessDenied").
  ApiResult<S3Object> PutAs(const Principal& who, const std::string& bucket, const std::string& key,
                            std::string_view data);
  // Puts the finished file at `temp_path` (from store().NewTempPath()); removes it on refusal.
  ApiResult<S3Object> PutFileAs(const Principal& who, const std::string& bucket,
                                const std::string& key, const std::string& temp_path,
                                long long size, const std::string& md5_hex);
  ApiResult<std::vector<S3Object>> ListAs(const Principal& who, const std::string& bucket,
                                          const std::string& prefix);
  ApiResult<bool> DeleteAs(const Principal& who, const std::string& bucket, const std::string& key);

  S3Store& store() { return store_; }

 private:
  std::optional<ApiError> Check(const Principal& who, const std::string& action,
                                const std::string& bucket, const std::string& key,
                                const std::string* list_prefix = nullptr) const;

  const EmulatorConfig& config_;
  Auth& auth_;
  S3Store& store_;
};

}  // namespace rsx::emu
