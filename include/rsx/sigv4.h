#pragma once
// AWS Signature Version 4, header form (the Authorization header).
//
// Signing is a pure function of (request, credentials, region, service, time): the time is an
// input, so tests can pin it. Thread-safe: no shared state.

#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "rsx/clock.h"
#include "rsx/credentials.h"
#include "rsx/result.h"

namespace rsx {

using HeaderList = std::vector<std::pair<std::string, std::string>>;

struct SigningRequest {
  std::string method;  // "GET", "POST", ...
  // The path as plain text, NOT percent-encoded ("/example space/"); the signer encodes it.
  std::string path = "/";
  // Query parameters as plain text pairs, in any order; repeated and empty keys allowed.
  std::vector<std::pair<std::string, std::string>> query;
  // Headers as they will be sent; must include Host. Repeated names are joined with ','.
  HeaderList headers;
  std::string_view body;
};

struct SigningOptions {
  std::string region;
  std::string service;  // signing name: "redshift-data", "sts", "redshift-serverless", "s3"
  TimePoint time;
  bool normalize_path = true;       // remove "." and ".." segments and repeated '/'
  bool sign_session_token = true;   // false: token added after signing (unsigned)
  bool add_content_sha256 = false;  // add and sign x-amz-content-sha256
  // The payload hash to sign instead of SHA-256(body): S3's "UNSIGNED-PAYLOAD", or a hash
  // computed while streaming. When set, it is also the x-amz-content-sha256 value.
  std::string payload_hash{};
};

struct SignedRequest {
  std::string canonical_request;
  std::string string_to_sign;
  std::string signature;  // hex
  std::string authorization;
  // Headers to add to the request: X-Amz-Date, X-Amz-Security-Token when there is a
  // session token, x-amz-content-sha256 when asked, and Authorization.
  HeaderList headers_to_add;
};

// Signs `req`. Fails with kInvalidArgument when credentials, region, service or the Host
// header are missing.
Result<SignedRequest> SignV4(const SigningRequest& req, const Credentials& creds,
                             const SigningOptions& options);

// The derived signing key HMAC(HMAC(HMAC(HMAC("AWS4"+secret, date), region), service),
// "aws4_request"), exposed for servers that verify signatures.
std::string DeriveSigningKey(std::string_view secret, std::string_view yyyymmdd,
                             std::string_view region, std::string_view service);

}  // namespace rsx
