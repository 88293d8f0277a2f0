// SigV4, step by step as specified: canonical request, string to sign, signing key, signature.
// Behaviour on corner cases (repeated headers, folded whitespace, path normalisation, query
// sorting) follows botocore's SigV4Auth and the official AWS test suite.

#include "rsx/sigv4.h"

#include <algorithm>
#include <map>

#include "rsx/crypto.h"
#include "rsx/strings.h"

namespace rsx {
namespace {

// Headers never signed (hop-by-hop and ones proxies rewrite), as botocore.
bool IsUnsignedHeader(const std::string& lname) {
  static const char* kSkip[] = {"connection",
                                "expect",
                                "keep-alive",
                                "proxy-authenticate",
                                "proxy-authorization",
                                "te",
                                "trailer",
                                "transfer-encoding",
                                "upgrade",
                                "user-agent",
                                "x-amzn-trace-id",
                                "authorization"};
  for (const char* s : kSkip)
    if (lname == s) return true;
  return false;
}

// RFC 3986 5.2.4 dot-segment removal, plus collapsing of repeated slashes.
std::string NormalizePath(const std::string& path) {
  if (path.empty()) return "/";
  std::vector<std::string> out;
  for (auto& seg : util::Split(path, '/')) {
    if (seg.empty() || seg == ".") continue;
    if (seg == "..") {
      if (!out.empty()) out.pop_back();
      continue;
    }
    out.push_back(seg);
  }
  std::string result = path[0] == '/' ? "/" : "";
  for (size_t i = 0; i < out.size(); ++i) {
    if (i) result += '/';
    result += out[i];
  }
  if (path.back() == '/' && !out.empty()) result += '/';
  return result;
}

std::string CanonicalQuery(const std::vector<std::pair<std::string, std::string>>& query) {
  std::vector<std::pair<std::string, std::string>> enc;
  enc.reserve(query.size());
  for (const auto& [k, v] : query) enc.emplace_back(util::UriEncode(k), util::UriEncode(v));
  std::sort(enc.begin(), enc.end());
  std::string out;
  for (const auto& [k, v] : enc) {
    if (!out.empty()) out += '&';
    out += k;
    out += '=';
    out += v;
  }
  return out;
}

}  // namespace

std::string DeriveSigningKey(std::string_view secret, std::string_view yyyymmdd,
                             std::string_view region, std::string_view service) {
  std::string k = crypto::HmacSha256("AWS4" + std::string(secret), yyyymmdd);
  k = crypto::HmacSha256(k, region);
  k = crypto::HmacSha256(k, service);
  return crypto::HmacSha256(k, "aws4_request");
}

Result<SignedRequest> SignV4(const SigningRequest& req, const Credentials& creds,
                             const SigningOptions& opt) {
  if (creds.access_key_id.empty() || creds.secret_access_key.empty())
    return Status::InvalidArgument("cannot sign: credentials have no access key id or secret");
  if (opt.region.empty()) return Status::InvalidArgument("cannot sign: no region given");
  if (opt.service.empty()) return Status::InvalidArgument("cannot sign: no service name given");

  const std::string amz_date = util::FormatAmzDate(opt.time);
  const std::string date = amz_date.substr(0, 8);
  const std::string payload_hash =
      opt.payload_hash.empty() ? crypto::Sha256Hex(req.body) : opt.payload_hash;

  SignedRequest out;
  out.headers_to_add.emplace_back("X-Amz-Date", amz_date);
  if (opt.add_content_sha256) out.headers_to_add.emplace_back("x-amz-content-sha256", payload_hash);
  if (!creds.session_token.empty())
    out.headers_to_add.emplace_back("X-Amz-Security-Token", creds.session_token);

  // 1. Canonical headers: lower-case names, values trimmed with inner whitespace collapsed,
  //    repeated names joined by ',' in order, sorted by name.
  std::map<std::string, std::vector<std::string>> headers;
  auto add = [&](const std::string& name, const std::string& value) {
    std::string lname = util::ToLower(name);
    if (IsUnsignedHeader(lname) || lname == "x-amz-date") return;
    if (lname == "x-amz-security-token" && !opt.sign_session_token) return;
    headers[lname].push_back(util::CollapseWhitespace(value));
  };
  for (const auto& [n, v] : req.headers) {
    std::string lname = util::ToLower(n);
    if (lname == "x-amz-security-token" && !creds.session_token.empty()) continue;  // ours wins
    add(n, v);
  }
  if (headers.find("host") == headers.end())
    return Status::InvalidArgument("cannot sign: the request has no Host header");
  headers["x-amz-date"].push_back(amz_date);
  if (opt.add_content_sha256) headers["x-amz-content-sha256"] = {payload_hash};
  if (!creds.session_token.empty() && opt.sign_session_token)
    headers["x-amz-security-token"] = {creds.session_token};

  std::string canonical_headers, signed_headers;
  for (const auto& [name, values] : headers) {
    canonical_headers += name;
    canonical_headers += ':';
    for (size_t i = 0; i < values.size(); ++i) {
      if (i) canonical_headers += ',';
      canonical_headers += values[i];
    }
    canonical_headers += '\n';
    if (!signed_headers.empty()) signed_headers += ';';
    signed_headers += name;
  }

  // 2. Canonical request.
  std::string path = opt.normalize_path ? NormalizePath(req.path) : req.path;
  if (path.empty()) path = "/";
  out.canonical_request = req.method + "\n" + util::UriEncode(path, /*keep_slash=*/true) + "\n" +
                          CanonicalQuery(req.query) + "\n" + canonical_headers + "\n" +
                          signed_headers + "\n" + payload_hash;

  // 3. String to sign.
  const std::string scope = date + "/" + opt.region + "/" + opt.service + "/aws4_request";
  out.string_to_sign = "AWS4-HMAC-SHA256\n" + amz_date + "\n" + scope + "\n" +
                       crypto::Sha256Hex(out.canonical_request);

  // 4. Signing key and signature.
  std::string key = DeriveSigningKey(creds.secret_access_key, date, opt.region, opt.service);
  out.signature = util::HexEncode(crypto::HmacSha256(key, out.string_to_sign));
  out.authorization = "AWS4-HMAC-SHA256 Credential=" + creds.access_key_id + "/" + scope +
                      ", SignedHeaders=" + signed_headers + ", Signature=" + out.signature;
  out.headers_to_add.emplace_back("Authorization", out.authorization);
  return out;
}

}  // namespace rsx
