#include "s3_api.h"

#include <time.h>
#include <unistd.h>

#include <cstdio>
#include <memory>

#include "rsx/strings.h"
#include "rsx/xml.h"

namespace rsx::emu {
namespace {

const char* kNs = "http://s3.amazonaws.com/doc/2006-03-01/";
const char* kXmlHead = "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n";

std::string X(const std::string& s) { return xml::Escape(s); }

std::string FormatUtc(TimePoint t, const char* format) {
  time_t secs = std::chrono::system_clock::to_time_t(t);
  struct tm tm;
  gmtime_r(&secs, &tm);
  char buf[64];
  strftime(buf, sizeof buf, format, &tm);
  return buf;
}
std::string HttpDate(TimePoint t) { return FormatUtc(t, "%a, %d %b %Y %H:%M:%S GMT"); }
std::string IsoMillis(TimePoint t) { return FormatUtc(t, "%Y-%m-%dT%H:%M:%S.000Z"); }

ApiError S3Err(int http, std::string code, std::string message) {
  return {http, std::move(code), std::move(message)};
}

}  // namespace

void S3Api::SendError(httplib::Response& res, const ApiError& e, const std::string& resource,
                      const std::string& request_id) {
  res.status = e.http;
  res.set_content(std::string(kXmlHead) + "<Error><Code>" + X(e.type) + "</Code><Message>" +
                      X(e.message) + "</Message><Resource>" + X(resource) +
                      "</Resource><RequestId>" + request_id + "</RequestId></Error>",
                  "application/xml");
}

namespace {

// Authenticate's errors (in the JSON services' words) as S3 names them.
ApiError AsS3(const ApiError& e) {
  if (e.type == "MissingAuthenticationTokenException")
    return S3Err(403, "AccessDenied", "Access Denied");
  if (e.type == "IncompleteSignatureException")
    return S3Err(400, "AuthorizationHeaderMalformed", e.message);
  if (e.type == "InvalidSignatureException") {
    if (util::StartsWith(e.message, "Credential should be scoped"))
      return S3Err(400, "AuthorizationHeaderMalformed", e.message);
    if (util::StartsWith(e.message, "Signature expired"))
      return S3Err(403, "RequestTimeTooSkewed",
                   "The difference between the request time and the current time is too large.");
    return S3Err(403, "SignatureDoesNotMatch",
                 "The request signature we calculated does not match the signature you "
                 "provided. Check your key and signing method.");
  }
  if (e.type == "UnrecognizedClientException")
    return S3Err(403, "InvalidAccessKeyId",
                 "The AWS Access Key Id you provided does not exist in our records.");
  if (e.type == "ExpiredTokenException")
    return S3Err(400, "ExpiredToken", "The provided token has expired.");
  return e;
}

struct Target {
  std::string bucket, key;
  std::map<std::string, std::string> query;
  bool Has(const char* q) const { return query.count(q) > 0; }
  std::string Get(const char* q) const {
    auto it = query.find(q);
    return it == query.end() ? "" : it->second;
  }
};

Target ParseTarget(const std::string& target) {
  Target t;
  size_t q = target.find('?');
  std::string path = util::UriDecode(target.substr(0, q));
  if (!path.empty() && path[0] == '/') path.erase(0, 1);
  size_t slash = path.find('/');
  t.bucket = path.substr(0, slash);
  if (slash != std::string::npos) t.key = path.substr(slash + 1);
  if (q != std::string::npos) {
    for (const auto& pair : util::Split(target.substr(q + 1), '&')) {
      if (pair.empty()) continue;
      size_t eq = pair.find('=');
      t.query[util::UriDecode(pair.substr(0, eq), true)] =
          eq == std::string::npos ? "" : util::UriDecode(pair.substr(eq + 1), true);
    }
  }
  return t;
}

bool IsObjectAction(const std::string& action) {
  return action == "s3:GetObject" || action == "s3:PutObject" || action == "s3:DeleteObject";
}

// "bytes=a-b", "bytes=a-", "bytes=-n" against `size`: {start, length}; nullopt for a header
// S3 ignores (absent, malformed, several ranges); {-1, 0} when it cannot be satisfied.
std::optional<std::pair<long long, long long>> ParseRange(const std::string& h, long long size) {
  if (!util::StartsWith(h, "bytes=") || h.find(',') != std::string::npos) return std::nullopt;
  std::string spec = h.substr(6);
  size_t dash = spec.find('-');
  if (dash == std::string::npos) return std::nullopt;
  std::string a = spec.substr(0, dash), b = spec.substr(dash + 1);
  auto number = [](const std::string& s, long long* out) {
    if (s.empty() || s.size() > 18) return false;
    for (char c : s)
      if (c < '0' || c > '9') return false;
    *out = std::stoll(s);
    return true;
  };
  long long first = 0, last = 0;
  if (a.empty()) {  // the last n bytes
    if (!number(b, &last)) return std::nullopt;
    if (last == 0) return std::make_pair(-1LL, 0LL);
    first = std::max(0LL, size - last);
    return std::make_pair(first, size - first);
  }
  if (!number(a, &first)) return std::nullopt;
  if (b.empty()) {
    last = size - 1;
  } else if (!number(b, &last) || last < first) {
    return std::nullopt;
  }
  if (first >= size) return std::make_pair(-1LL, 0LL);
  last = std::min(last, size - 1);
  return std::make_pair(first, last - first + 1);
}

}  // namespace

S3Api::S3Api(const EmulatorConfig& config, Auth& auth, S3Store& store)
    : config_(config), auth_(auth), store_(store) {}

std::string S3Api::OperationName(const httplib::Request& req) {
  Target t = ParseTarget(req.target);
  const std::string& m = req.method;
  if (t.bucket.empty()) return "ListBuckets";
  if (t.key.empty()) {
    if (m == "PUT") return "CreateBucket";
    if (m == "HEAD") return "HeadBucket";
    if (m == "POST") return "DeleteObjects";
    if (t.Has("location")) return "GetBucketLocation";
    return "ListObjectsV2";
  }
  if (m == "PUT") return "PutObject";
  if (m == "DELETE") return "DeleteObject";
  if (m == "HEAD") return "HeadObject";
  return "GetObject";
}

bool S3Api::IsS3Request(const httplib::Request& req) {
  std::string auth = req.get_header_value("Authorization");
  if (!auth.empty()) return auth.find("/s3/aws4_request") != std::string::npos;
  return req.path != "/" && !req.has_header("X-Amz-Target");
}

std::optional<ApiError> S3Api::Check(const Principal& who, const std::string& action,
                                     const std::string& bucket, const std::string& key,
                                     const std::string* list_prefix) const {
  std::string resource = "arn:aws:s3:::" + bucket + (IsObjectAction(action) ? "/" + key : "");
  auto b = store_.Bucket(bucket);
  // No bucket policies are emulated: only the owner account's identities get in.
  bool same_account = !b || b->account == who.account;
  if (same_account && auth_.Allowed(who, action, resource, list_prefix)) return std::nullopt;
  return S3Err(403, "AccessDenied",
               "User: " + who.arn + " is not authorized to perform: " + action +
                   " on resource: \"" + resource +
                   "\" because no identity-based policy allows the " + action + " action");
}

ApiResult<S3Object> S3Api::PutAs(const Principal& who, const std::string& bucket,
                                 const std::string& key, std::string_view data) {
  if (!store_.Bucket(bucket))
    return S3Err(404, "NoSuchBucket", "The specified bucket does not exist");
  if (auto denied = Check(who, "s3:PutObject", bucket, key)) return *denied;
  auto put = store_.Put(bucket, key, data, "");
  if (!put.ok()) return S3Err(500, "InternalError", put.status().message());
  return *put;
}

ApiResult<S3Object> S3Api::PutFileAs(const Principal& who, const std::string& bucket,
                                     const std::string& key, const std::string& temp_path,
                                     long long size, const std::string& md5_hex) {
  std::optional<ApiError> refused;
  if (!store_.Bucket(bucket))
    refused = S3Err(404, "NoSuchBucket", "The specified bucket does not exist");
  else
    refused = Check(who, "s3:PutObject", bucket, key);
  if (refused) {
    ::unlink(temp_path.c_str());
    return *refused;
  }
  auto put = store_.PutFile(bucket, key, temp_path, size, md5_hex, "");
  if (!put.ok()) {
    ::unlink(temp_path.c_str());
    return S3Err(500, "InternalError", put.status().message());
  }
  return *put;
}

ApiResult<std::vector<S3Object>> S3Api::ListAs(const Principal& who, const std::string& bucket,
                                               const std::string& prefix) {
  if (!store_.Bucket(bucket))
    return S3Err(404, "NoSuchBucket", "The specified bucket does not exist");
  if (auto denied = Check(who, "s3:ListBucket", bucket, "", &prefix)) return *denied;
  std::vector<S3Object> out;
  std::string after;
  for (;;) {
    S3Listing page = store_.List(bucket, prefix, "", after, 1000);
    for (auto& o : page.contents) out.push_back(std::move(o));
    if (!page.truncated) break;
    after = page.last;
  }
  return out;
}

ApiResult<bool> S3Api::DeleteAs(const Principal& who, const std::string& bucket,
                                const std::string& key) {
  if (!store_.Bucket(bucket))
    return S3Err(404, "NoSuchBucket", "The specified bucket does not exist");
  if (auto denied = Check(who, "s3:DeleteObject", bucket, key)) return *denied;
  return store_.Delete(bucket, key);
}

void S3Api::Handle(const httplib::Request& req, httplib::Response& res,
                   const std::string& request_id) {
  res.set_header("x-amz-request-id", request_id);
  res.set_header("x-amz-id-2", request_id);
  Target t = ParseTarget(req.target);
  std::string resource = "/" + t.bucket + (t.key.empty() ? "" : "/" + t.key);
  auto fail = [&](const ApiError& e) { SendError(res, e, resource, request_id); };
  auto who_or = auth_.Authenticate(req, "s3");
  if (auto* e = std::get_if<ApiError>(&who_or)) return fail(AsS3(*e));
  const Principal& who = std::get<Principal>(who_or);
  const std::string& m = req.method;

  if (t.bucket.empty()) {
    if (m != "GET")
      return fail(S3Err(405, "MethodNotAllowed",
                        "The specified method is not allowed against this resource."));
    if (!auth_.Allowed(who, "s3:ListAllMyBuckets", "*"))
      return fail(S3Err(403, "AccessDenied",
                        "User: " + who.arn + " is not authorized to perform: s3:ListAllMyBuckets"));
    std::string body = std::string(kXmlHead) + "<ListAllMyBucketsResult xmlns=\"" + kNs +
                       "\"><Owner><ID>" + who.account + "</ID></Owner><Buckets>";
    for (const auto& b : store_.Buckets())
      if (b.account == who.account)
        body += "<Bucket><Name>" + X(b.name) + "</Name><CreationDate>" + IsoMillis(b.created) +
                "</CreationDate></Bucket>";
    res.set_content(body + "</Buckets></ListAllMyBucketsResult>", "application/xml");
    return;
  }

  if (m == "PUT" && t.key.empty()) {  // CreateBucket
    if (std::string problem = BucketNameProblem(t.bucket); !problem.empty())
      return fail(S3Err(400, "InvalidBucketName",
                        "The specified bucket is not valid: the name " + problem));
    if (auto b = store_.Bucket(t.bucket)) {
      if (b->account == who.account)
        return fail(S3Err(
            409, "BucketAlreadyOwnedByYou",
            "Your previous request to create the named bucket succeeded and you already own it."));
      return fail(S3Err(409, "BucketAlreadyExists", "The requested bucket name is not available."));
    }
    if (!auth_.Allowed(who, "s3:CreateBucket", "arn:aws:s3:::" + t.bucket))
      return fail(*Check(who, "s3:CreateBucket", t.bucket, ""));
    Status st = store_.CreateBucket(t.bucket, who.account);
    if (st.code() == StatusCode::kConflict)
      return fail(S3Err(409, "BucketAlreadyExists", "The requested bucket name is not available."));
    if (!st.ok()) return fail(S3Err(500, "InternalError", st.message()));
    res.set_header("Location", "/" + t.bucket);
    return;
  }

  auto bucket = store_.Bucket(t.bucket);
  if (!bucket) return fail(S3Err(404, "NoSuchBucket", "The specified bucket does not exist"));

  if (t.key.empty()) {
    if (m == "HEAD") {
      if (auto denied = Check(who, "s3:ListBucket", t.bucket, "")) return fail(*denied);
      res.set_header("x-amz-bucket-region", config_.region);
      return;
    }
    if (m == "GET" && t.Has("location")) {
      if (auto denied = Check(who, "s3:GetBucketLocation", t.bucket, "")) return fail(*denied);
      std::string region = config_.region == "us-east-1" ? "" : config_.region;
      res.set_content(std::string(kXmlHead) + "<LocationConstraint xmlns=\"" + kNs + "\">" +
                          region + "</LocationConstraint>",
                      "application/xml");
      return;
    }
    if (m == "GET" && t.Get("list-type") == "2") {
      std::string prefix = t.Get("prefix"), delimiter = t.Get("delimiter");
      std::string encoding = t.Get("encoding-type");
      if (!encoding.empty() && encoding != "url")
        return fail(S3Err(400, "InvalidArgument", "Invalid Encoding Method specified in Request"));
      int max_keys = 1000;
      if (t.Has("max-keys")) {
        std::string v = t.Get("max-keys");
        if (v.empty() || v.size() > 9 || v.find_first_not_of("0123456789") != std::string::npos)
          return fail(S3Err(400, "InvalidArgument",
                            "Provided max-keys not an integer or within integer range"));
        max_keys = std::min(1000, std::stoi(v));
      }
      std::string after = t.Get("start-after");
      if (t.Has("continuation-token")) {
        auto decoded = util::Base64Decode(t.Get("continuation-token"));
        if (!decoded.ok() || decoded->rfind("v1:", 0) != 0)
          return fail(
              S3Err(400, "InvalidArgument", "The continuation token provided is incorrect"));
        after = decoded->substr(3);
      }
      if (auto denied = Check(who, "s3:ListBucket", t.bucket, "", &prefix)) return fail(*denied);
      S3Listing page = store_.List(t.bucket, prefix, delimiter, after, max_keys);
      bool url = encoding == "url";
      auto enc = [&](const std::string& s) { return url ? util::UriEncode(s, true) : X(s); };
      std::string body = std::string(kXmlHead) + "<ListBucketResult xmlns=\"" + kNs + "\"><Name>" +
                         X(t.bucket) + "</Name><Prefix>" + enc(prefix) + "</Prefix><KeyCount>" +
                         std::to_string(page.contents.size() + page.common_prefixes.size()) +
                         "</KeyCount><MaxKeys>" + std::to_string(max_keys) + "</MaxKeys>";
      if (!delimiter.empty()) body += "<Delimiter>" + enc(delimiter) + "</Delimiter>";
      if (url) body += "<EncodingType>url</EncodingType>";
      body += std::string("<IsTruncated>") + (page.truncated ? "true" : "false") + "</IsTruncated>";
      if (t.Has("continuation-token"))
        body += "<ContinuationToken>" + X(t.Get("continuation-token")) + "</ContinuationToken>";
      if (t.Has("start-after"))
        body += "<StartAfter>" + enc(t.Get("start-after")) + "</StartAfter>";
      if (page.truncated)
        body += "<NextContinuationToken>" + util::Base64Encode("v1:" + page.last) +
                "</NextContinuationToken>";
      for (const auto& o : page.contents)
        body += "<Contents><Key>" + enc(o.key) + "</Key><LastModified>" + IsoMillis(o.modified) +
                "</LastModified><ETag>" + X(o.etag) + "</ETag><Size>" + std::to_string(o.size) +
                "</Size><StorageClass>STANDARD</StorageClass></Contents>";
      for (const auto& p : page.common_prefixes)
        body += "<CommonPrefixes><Prefix>" + enc(p) + "</Prefix></CommonPrefixes>";
      res.set_content(body + "</ListBucketResult>", "application/xml");
      return;
    }
    if (m == "POST" && t.Has("delete")) {
      auto doc = xml::Parse(req.body);
      if (!doc.ok() || doc->name != "Delete")
        return fail(S3Err(400, "MalformedXML",
                          "The XML you provided was not well-formed or did not validate against "
                          "our published schema"));
      bool quiet = doc->TextAt("Quiet") == "true";
      std::string body = std::string(kXmlHead) + "<DeleteResult xmlns=\"" + kNs + "\">";
      int n = 0;
      for (const auto& child : doc->children) {
        if (child.name != "Object") continue;
        if (++n > 1000)
          return fail(S3Err(400, "MalformedXML", "DeleteObjects takes at most 1000 keys"));
      }
      for (const auto& child : doc->children) {
        if (child.name != "Object") continue;
        std::string key = child.TextAt("Key");
        if (auto denied = Check(who, "s3:DeleteObject", t.bucket, key)) {
          body += "<Error><Key>" + X(key) +
                  "</Key><Code>AccessDenied</Code><Message>Access Denied</Message></Error>";
          continue;
        }
        store_.Delete(t.bucket, key);
        if (!quiet) body += "<Deleted><Key>" + X(key) + "</Key></Deleted>";
      }
      res.set_content(body + "</DeleteResult>", "application/xml");
      return;
    }
    return fail(S3Err(501, "NotImplemented",
                      "This bucket operation (" + m + " with query '" +
                          req.target.substr(std::min(req.target.size(), req.target.find('?'))) +
                          "') is not emulated: rsx-emulator's S3 has ListObjectsV2, "
                          "GetBucketLocation, HeadBucket and DeleteObjects"));
  }

  if (m == "POST" || t.Has("uploadId") || t.Has("uploads") || req.has_header("x-amz-copy-source"))
    return fail(S3Err(501, "NotImplemented",
                      "Multipart uploads and copies are not emulated; put objects whole"));
  if (m == "PUT") {
    if (auto denied = Check(who, "s3:PutObject", t.bucket, t.key)) return fail(*denied);
    auto put = store_.Put(t.bucket, t.key, req.body, req.get_header_value("Content-Type"));
    if (!put.ok()) return fail(S3Err(500, "InternalError", put.status().message()));
    res.set_header("ETag", put->etag);
    return;
  }
  if (m == "DELETE") {
    if (auto denied = Check(who, "s3:DeleteObject", t.bucket, t.key)) return fail(*denied);
    store_.Delete(t.bucket, t.key);
    res.status = 204;
    return;
  }
  if (m != "GET" && m != "HEAD")
    return fail(S3Err(405, "MethodNotAllowed",
                      "The specified method is not allowed against this resource."));
  // Ranges are answered here; cpp-httplib would otherwise slice the answer a second time (and
  // drop an error's body).
  const_cast<httplib::Request&>(req).ranges.clear();
  if (auto denied = Check(who, "s3:GetObject", t.bucket, t.key)) return fail(*denied);
  auto obj = store_.Head(t.bucket, t.key);
  std::unique_ptr<FILE, int (*)(FILE*)> file(obj ? std::fopen(obj->path.c_str(), "rb") : nullptr,
                                             &std::fclose);
  if (!obj || !file) {
    // As S3: whether a key exists is told only to those who may list the bucket.
    if (Check(who, "s3:ListBucket", t.bucket, "", &t.key))
      return fail(S3Err(403, "AccessDenied", "Access Denied"));
    return fail(S3Err(404, "NoSuchKey", "The specified key does not exist."));
  }
  long long start = 0, length = obj->size;
  if (auto range = ParseRange(req.get_header_value("Range"), obj->size)) {
    if (range->first < 0)
      return fail(S3Err(416, "InvalidRange", "The requested range is not satisfiable"));
    start = range->first;
    length = range->second;
    res.status = 206;
    res.set_header("Content-Range", "bytes " + std::to_string(start) + "-" +
                                        std::to_string(start + length - 1) + "/" +
                                        std::to_string(obj->size));
  } else {
    res.status = 200;
  }
  res.set_header("ETag", obj->etag);
  res.set_header("Last-Modified", HttpDate(obj->modified));
  res.set_header("Accept-Ranges", "bytes");
  if (length == 0) {
    res.set_content("", obj->content_type);
    return;
  }
  std::shared_ptr<FILE> shared(file.release(), &std::fclose);
  res.set_content_provider(static_cast<size_t>(length), obj->content_type,
                           [shared, start](size_t offset, size_t want, httplib::DataSink& sink) {
                             char buf[64 * 1024];
                             size_t n = std::min(want, sizeof buf);
                             ssize_t got = ::pread(fileno(shared.get()), buf, n,
                                                   static_cast<off_t>(start + offset));
                             if (got <= 0) return false;
                             sink.write(buf, static_cast<size_t>(got));
                             return true;
                           });
}

}  // namespace rsx::emu
