#pragma once
// An S3 client for UNLOAD's stage: list a prefix, get objects whole or by byte range, head,
// delete in batches, and the bucket's region. SigV4 (signing name "s3", signed payload hash),
// retried like every AWS call. Path-style addressing against a custom endpoint
// (AWS_ENDPOINT_URL_S3, AWS_ENDPOINT_URL, or an explicit URL), virtual-hosted style against
// AWS. Thread-safe: one client serves parallel downloads.

#include <memory>
#include <string>
#include <vector>

#include "rsx/credentials.h"
#include "rsx/http.h"
#include "rsx/result.h"

namespace rsx {

struct S3Location {
  std::string bucket;
  std::string key;  // or prefix
};

// "s3://bucket/prefix" -> {bucket, prefix}; kInvalidArgument saying what was expected.
Result<S3Location> ParseS3Url(const std::string& url);

struct S3ObjectInfo {
  std::string key;
  long long size = 0;
  std::string etag;
};

class S3Client {
 public:
  static Result<std::shared_ptr<S3Client>> Create(std::shared_ptr<HttpClient> http,
                                                  std::shared_ptr<CredentialsProvider> creds,
                                                  const std::string& region,
                                                  const Environment& env = Environment::Process(),
                                                  const std::string& endpoint_url = "");
  ~S3Client();

  // Every object under `prefix`, in key order (all pages).
  Result<std::vector<S3ObjectInfo>> List(const std::string& bucket, const std::string& prefix);
  // The whole object, or bytes [first, last] of it (inclusive) when first >= 0.
  Result<std::string> Get(const std::string& bucket, const std::string& key, long long first = -1,
                          long long last = -1);
  // kNotFound (detail aws_error NoSuchKey or NotFound) when the object is not there.
  Result<S3ObjectInfo> Head(const std::string& bucket, const std::string& key);
  // Writes an object whole (PutObject); returns its ETag.
  Result<std::string> Put(const std::string& bucket, const std::string& key, std::string data);
  // Deletes `keys` (1,000 per request). An error names the first key S3 refused and why.
  Status Delete(const std::string& bucket, const std::vector<std::string>& keys);
  // The bucket's region (GetBucketLocation: "" means us-east-1).
  Result<std::string> BucketRegion(const std::string& bucket);

  // Where requests go ("https://s3.eu-west-1.amazonaws.com", or the override).
  const std::string& endpoint() const;

 private:
  struct Impl;
  explicit S3Client(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

}  // namespace rsx
