#include "http/aws_call.h"
#include "rsx/crypto.h"
#include "rsx/endpoints.h"
#include "rsx/s3.h"
#include "rsx/strings.h"
#include "rsx/xml.h"

namespace rsx {

Result<S3Location> ParseS3Url(const std::string& url) {
  if (!util::StartsWith(url, "s3://"))
    return Status::InvalidArgument("an S3 location must look like s3://bucket/prefix, got '" + url +
                                   "'");
  std::string rest = url.substr(5);
  size_t slash = rest.find('/');
  S3Location loc{rest.substr(0, slash), slash == std::string::npos ? "" : rest.substr(slash + 1)};
  if (loc.bucket.empty())
    return Status::InvalidArgument("the S3 location '" + url + "' names no bucket");
  return loc;
}

namespace {

// S3's error document: <Error><Code/><Message/><RequestId/></Error>; a HEAD has no body.
AwsError ParseS3Error(const HttpResponse& resp) {
  AwsError e;
  auto doc = xml::Parse(resp.body);
  if (doc.ok()) {
    e.code = doc->TextAt("Code");
    e.message = doc->TextAt("Message");
    e.request_id = doc->TextAt("RequestId");
  }
  if (e.code.empty()) {
    if (resp.status == 404) e.code = "NotFound";
    if (resp.status == 403) e.code = "AccessDenied";
    if (resp.status == 503) e.code = "SlowDown";
  }
  return e;
}

bool VirtualHostable(const std::string& bucket) {
  if (bucket.find('.') != std::string::npos) return false;  // TLS names cannot hold dots
  for (char c : bucket)
    if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-')) return false;
  return true;
}

}  // namespace

struct S3Client::Impl {
  std::shared_ptr<HttpClient> http;
  std::shared_ptr<CredentialsProvider> creds;
  std::unique_ptr<AwsCaller> caller;
  std::string endpoint_url, region;
  bool path_style = true;

  // The endpoint and path of an object (or of the bucket when key is empty).
  std::pair<AwsEndpoint, std::string> Where(const std::string& bucket, const std::string& key) {
    std::string path = "/" + (key.empty() ? "" : util::UriEncode(key, true));
    if (!path_style && VirtualHostable(bucket)) {
      std::string url = endpoint_url;
      size_t host = url.find("://") + 3;
      url.insert(host, bucket + ".");
      return {AwsEndpoint{url, region, "s3"}, path};
    }
    return {AwsEndpoint{endpoint_url, region, "s3"}, "/" + util::UriEncode(bucket, true) + path};
  }

  Result<HttpResponse> Call(const std::string& bucket, const std::string& key,
                            const std::string& method, const std::string& query,
                            HeaderList headers = {}, std::string body = "") {
    auto [ep, path] = Where(bucket, key);
    HttpRequest req;
    req.method = method;
    req.url = path + (query.empty() ? "" : "?" + query);
    req.headers = std::move(headers);
    req.body = std::move(body);
    return caller->Call(ep, std::move(req), /*idempotent=*/true, ParseS3Error);
  }
};

S3Client::S3Client(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
S3Client::~S3Client() = default;
const std::string& S3Client::endpoint() const { return impl_->endpoint_url; }

Result<std::shared_ptr<S3Client>> S3Client::Create(std::shared_ptr<HttpClient> http,
                                                   std::shared_ptr<CredentialsProvider> creds,
                                                   const std::string& region,
                                                   const Environment& env,
                                                   const std::string& endpoint_url) {
  RSX_ASSIGN_OR_RETURN(ResolvedEndpoint ep, ResolveEndpoint("s3", region, env, endpoint_url));
  auto impl = std::make_unique<Impl>();
  impl->http = std::move(http);
  impl->creds = std::move(creds);
  impl->endpoint_url = ep.url;
  impl->region = ep.signing_region;
  impl->path_style = ep.source != "rules";  // an override is addressed path style, as boto3
  RSX_ASSIGN_OR_RETURN(RetryPolicy policy, RetryPolicy::FromEnvironment(env));
  impl->caller = std::make_unique<AwsCaller>(impl->http, impl->creds, policy);
  return std::shared_ptr<S3Client>(new S3Client(std::move(impl)));
}

Result<std::vector<S3ObjectInfo>> S3Client::List(const std::string& bucket,
                                                 const std::string& prefix) {
  std::vector<S3ObjectInfo> out;
  std::string token;
  for (int page = 0;; ++page) {
    std::string query = "list-type=2&prefix=" + util::UriEncode(prefix);
    if (!token.empty()) query += "&continuation-token=" + util::UriEncode(token);
    RSX_ASSIGN_OR_RETURN(HttpResponse resp, impl_->Call(bucket, "", "GET", query));
    auto doc = xml::Parse(resp.body);
    if (!doc.ok())
      return Status::Internal("S3 ListObjectsV2 of s3://" + bucket + "/" + prefix +
                              ": the answer is not XML: " + doc.status().message());
    for (const auto& c : doc->children) {
      if (c.name != "Contents") continue;
      S3ObjectInfo info;
      info.key = c.TextAt("Key");
      info.etag = c.TextAt("ETag");
      std::string size = c.TextAt("Size");
      char* end = nullptr;
      info.size = std::strtoll(size.c_str(), &end, 10);
      if (info.key.empty() || size.empty() || *end != '\0' || info.size < 0)
        return Status::Internal("S3 ListObjectsV2: an entry without a valid Key and Size");
      out.push_back(std::move(info));
    }
    if (doc->TextAt("IsTruncated") != "true") break;
    std::string next = doc->TextAt("NextContinuationToken");
    if (next.empty() || next == token || page > 1000000)
      return Status::Internal("S3 ListObjectsV2: truncated without a new continuation token");
    token = next;
  }
  return out;
}

Result<std::string> S3Client::Get(const std::string& bucket, const std::string& key,
                                  long long first, long long last) {
  HeaderList headers;
  if (first >= 0)
    headers.emplace_back("Range", "bytes=" + std::to_string(first) + "-" + std::to_string(last));
  RSX_ASSIGN_OR_RETURN(HttpResponse resp, impl_->Call(bucket, key, "GET", "", headers));
  if (first >= 0 && resp.status != 206 &&
      static_cast<long long>(resp.body.size()) != last - first + 1)
    return Status::Internal("S3 GetObject s3://" + bucket + "/" + key +
                            ": asked for a byte range, got HTTP " + std::to_string(resp.status) +
                            " with " + std::to_string(resp.body.size()) + " bytes");
  return std::move(resp.body);
}

Result<std::string> S3Client::Put(const std::string& bucket, const std::string& key,
                                  std::string data) {
  // A type of its own: libcurl would label the body a form, and servers would parse it so.
  RSX_ASSIGN_OR_RETURN(
      HttpResponse resp,
      impl_->Call(bucket, key, "PUT", "", {{"Content-Type", "application/octet-stream"}},
                  std::move(data)));
  return resp.Header("ETag");
}

Result<S3ObjectInfo> S3Client::Head(const std::string& bucket, const std::string& key) {
  auto resp = impl_->Call(bucket, key, "HEAD", "");
  if (!resp.ok()) {
    if (resp.status().detail("http_status") == "404")
      return Status::NotFound("s3://" + bucket + "/" + key + " does not exist")
          .WithDetail("aws_error", "NotFound");
    return resp.status();
  }
  S3ObjectInfo info{key, std::strtoll(resp->Header("Content-Length").c_str(), nullptr, 10),
                    resp->Header("ETag")};
  return info;
}

Status S3Client::Delete(const std::string& bucket, const std::vector<std::string>& keys) {
  for (size_t at = 0; at < keys.size(); at += 1000) {
    std::string body =
        "<Delete xmlns=\"http://s3.amazonaws.com/doc/2006-03-01/\"><Quiet>true</Quiet>";
    for (size_t i = at; i < std::min(keys.size(), at + 1000); ++i)
      body += "<Object><Key>" + xml::Escape(keys[i]) + "</Key></Object>";
    body += "</Delete>";
    // S3 requires a checksum of a DeleteObjects body.
    std::string md5 = util::Base64Encode(crypto::Md5(body));
    RSX_ASSIGN_OR_RETURN(
        HttpResponse resp,
        impl_->Call(bucket, "", "POST", "delete",
                    {{"Content-MD5", md5}, {"Content-Type", "application/xml"}}, std::move(body)));
    auto doc = xml::Parse(resp.body);
    if (!doc.ok()) return Status::Internal("S3 DeleteObjects: the answer is not XML");
    if (const xml::Element* err = doc->Child("Error"))
      return Status(StatusCode::kPermissionDenied,
                    "S3 refused to delete s3://" + bucket + "/" + err->TextAt("Key") + ": " +
                        err->TextAt("Code") + " " + err->TextAt("Message"))
          .WithDetail("aws_error", err->TextAt("Code"));
  }
  return Status::OK();
}

Result<std::string> S3Client::BucketRegion(const std::string& bucket) {
  RSX_ASSIGN_OR_RETURN(HttpResponse resp, impl_->Call(bucket, "", "GET", "location"));
  auto doc = xml::Parse(resp.body);
  if (!doc.ok()) return Status::Internal("S3 GetBucketLocation: the answer is not XML");
  return doc->text.empty() ? std::string("us-east-1") : doc->text;
}

}  // namespace rsx
