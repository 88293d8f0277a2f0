#include "auth.h"

#include "rsx/crypto.h"
#include "rsx/sigv4.h"
#include "rsx/strings.h"

namespace rsx::emu {
namespace {

ApiError Err(int http, std::string type, std::string msg) {
  return {http, std::move(type), std::move(msg)};
}

std::string RandomUpper(size_t n) {
  static const char* kAlphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";
  std::string bytes = crypto::RandomBytes(n), out;
  for (unsigned char b : bytes) out += kAlphabet[b % 32];
  return out;
}

struct AuthHeader {
  std::string key_id, date, region, service, signature;
  std::vector<std::string> signed_headers;
};

std::optional<AuthHeader> ParseAuthorization(const std::string& h) {
  if (!util::StartsWith(h, "AWS4-HMAC-SHA256 ")) return std::nullopt;
  AuthHeader a;
  for (auto part : util::Split(h.substr(17), ',')) {
    part = util::Trim(part);
    size_t eq = part.find('=');
    if (eq == std::string::npos) return std::nullopt;
    std::string k = part.substr(0, eq), v = part.substr(eq + 1);
    if (k == "Credential") {
      auto scope = util::Split(v, '/');
      if (scope.size() != 5 || scope[4] != "aws4_request") return std::nullopt;
      a.key_id = scope[0];
      a.date = scope[1];
      a.region = scope[2];
      a.service = scope[3];
    } else if (k == "SignedHeaders") {
      a.signed_headers = util::Split(v, ';');
    } else if (k == "Signature") {
      a.signature = v;
    }
  }
  if (a.key_id.empty() || a.signature.empty() || a.signed_headers.empty()) return std::nullopt;
  return a;
}

}  // namespace

Auth::Auth(const EmulatorConfig& config, const Clock* clock) : config_(config), clock_(clock) {}

ApiResult<Principal> Auth::Authenticate(const httplib::Request& req,
                                        const std::string& service) const {
  std::string header = req.get_header_value("Authorization");
  if (header.empty())
    return Err(403, "MissingAuthenticationTokenException", "Missing Authentication Token");
  auto a = ParseAuthorization(header);
  if (!a)
    return Err(403, "IncompleteSignatureException",
               "Authorization header requires 'Credential', 'Signature' and 'SignedHeaders' "
               "parameters. Authorization=" +
                   header.substr(0, 17));
  if (a->service != service)
    return Err(403, "InvalidSignatureException",
               "Credential should be scoped to correct service: '" + service + "'.");

  // Find the secret: a configured user key, or session credentials we issued.
  Principal who;
  Credentials creds;
  creds.access_key_id = a->key_id;
  {
    std::lock_guard<std::mutex> lock(mu_);
    auto s = sessions_.find(a->key_id);
    if (s != sessions_.end()) {
      if (clock_->Now() >= s->second.creds.expiration)
        return Err(403, "ExpiredTokenException",
                   "The security token included in the request is expired");
      if (req.get_header_value("X-Amz-Security-Token") != s->second.creds.session_token)
        return Err(403, "UnrecognizedClientException",
                   "The security token included in the request is invalid.");
      creds.secret_access_key = s->second.creds.secret_access_key;
      who = s->second.principal;
    }
  }
  if (creds.secret_access_key.empty()) {
    for (const auto& u : config_.users) {
      if (u.access_key_id != a->key_id) continue;
      // A long-term key carries no session token: AWS refuses one sent with it.
      if (!req.get_header_value("X-Amz-Security-Token").empty())
        return Err(403, "UnrecognizedClientException",
                   "The security token included in the request is invalid.");
      creds.secret_access_key = u.secret_access_key;
      who.arn = u.arn;
      who.account = ArnAccount(u.arn);
      who.user_id = "AIDA" + util::HexEncode(crypto::Sha256(u.arn)).substr(0, 17);
      for (auto& c : who.user_id)
        c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
      who.owner = u.arn;
      who.db_user = "IAM:" + u.arn.substr(u.arn.rfind('/') + 1);
      who.actions = u.actions;
      who.statements = u.statements;
    }
  }
  if (creds.secret_access_key.empty())
    return Err(403, "UnrecognizedClientException",
               "The security token included in the request is invalid.");

  // Recompute the signature over exactly the headers the client signed.
  std::string amz_date = req.get_header_value("X-Amz-Date");
  auto when = util::ParseTimestamp(
      amz_date.size() == 16 ? amz_date.substr(0, 4) + "-" + amz_date.substr(4, 2) + "-" +
                                  amz_date.substr(6, 2) + "T" + amz_date.substr(9, 2) + ":" +
                                  amz_date.substr(11, 2) + ":" + amz_date.substr(13, 2) + "Z"
                            : std::string("bad"));
  if (!when.ok())
    return Err(400, "IncompleteSignatureException", "X-Amz-Date is missing or malformed");
  auto skew = std::chrono::duration_cast<std::chrono::minutes>(clock_->Now() - *when).count();
  if (skew > 15 || skew < -15)
    return Err(
        400, "InvalidSignatureException",
        "Signature expired: " + amz_date + " is now earlier or later than 15 minutes from now.");
  SigningRequest sreq;
  sreq.method = req.method;
  std::string target = req.target;
  size_t q = target.find('?');
  sreq.path = util::UriDecode(target.substr(0, q));
  if (q != std::string::npos) {
    for (const auto& pair : util::Split(target.substr(q + 1), '&')) {
      if (pair.empty()) continue;
      size_t eq = pair.find('=');
      sreq.query.emplace_back(
          util::UriDecode(pair.substr(0, eq), true),
          eq == std::string::npos ? "" : util::UriDecode(pair.substr(eq + 1), true));
    }
  }
  bool token_signed = false, sha_signed = false;
  for (const auto& name : a->signed_headers) {
    if (name == "x-amz-date") continue;
    if (name == "x-amz-security-token") {
      token_signed = true;
      continue;
    }
    if (name == "x-amz-content-sha256") {
      sha_signed = true;
      continue;
    }
    auto range = req.headers.equal_range(name);
    bool any = false;
    for (auto it = range.first; it != range.second; ++it) {
      sreq.headers.emplace_back(name, it->second);
      any = true;
    }
    if (!any) sreq.headers.emplace_back(name, "");
  }
  sreq.body = req.body;
  if (token_signed) creds.session_token = req.get_header_value("X-Amz-Security-Token");
  SigningOptions opt{a->region, a->service, *when};
  opt.add_content_sha256 = sha_signed;
  if (service == "s3") {
    // S3 signs the path as sent (no normalisation) and the payload hash the client declares:
    // a SHA-256 the body must match, or UNSIGNED-PAYLOAD.
    opt.normalize_path = false;
    std::string declared = req.get_header_value("x-amz-content-sha256");
    if (declared.empty())
      return Err(400, "InvalidRequest",
                 "Missing required header for this request: x-amz-content-sha256");
    if (util::StartsWith(declared, "STREAMING-"))
      return Err(501, "NotImplemented",
                 "x-amz-content-sha256 " + declared +
                     " (aws-chunked uploads) is not emulated; send the body whole");
    if (declared != "UNSIGNED-PAYLOAD" && declared != crypto::Sha256Hex(req.body))
      return Err(400, "XAmzContentSHA256Mismatch",
                 "The provided 'x-amz-content-sha256' header does not match what was computed.");
    opt.payload_hash = declared;
  }
  auto expected = SignV4(sreq, creds, opt);
  if (!expected.ok() || expected->signature != a->signature)
    return Err(403, "InvalidSignatureException",
               "The request signature we calculated does not match the signature you provided. "
               "Check your AWS Secret Access Key and signing method. Consult the service "
               "documentation for details.");
  return who;
}

ApiResult<IssuedCredentials> Auth::AssumeRole(const Principal& caller, const std::string& role_arn,
                                              const std::string& session_name,
                                              const std::string& external_id, int duration) {
  auto denied = Err(403, "AccessDenied",
                    "User: " + caller.arn +
                        " is not authorized to perform: sts:AssumeRole on "
                        "resource: " +
                        role_arn);
  const RoleConfig* role = nullptr;
  for (const auto& r : config_.roles)
    if (r.arn == role_arn) role = &r;
  if (!role) return denied;  // AWS does not reveal whether the role exists
  bool trusted = false;
  for (const auto& acct : role->trusted_accounts) trusted = trusted || acct == caller.account;
  if (!trusted || role->external_id != external_id) return denied;
  if (duration > role->max_session_seconds)
    return Err(400, "ValidationError",
               "The requested DurationSeconds exceeds the MaxSessionDuration set for this role.");
  IssuedCredentials c;
  c.access_key_id = "ASIA" + RandomUpper(16);
  c.secret_access_key = util::Base64Encode(crypto::RandomBytes(30));
  c.session_token = "IQoJb3JpZ2luX2VtdWxhdG9y" + util::Base64Encode(crypto::RandomBytes(96));
  c.expiration = clock_->Now() + std::chrono::seconds(duration);
  std::string role_name = role_arn.substr(role_arn.rfind('/') + 1);
  std::string account = ArnAccount(role_arn);
  std::string role_id = "AROA" + RandomUpper(17);
  c.assumed_arn = "arn:aws:sts::" + account + ":assumed-role/" + role_name + "/" + session_name;
  c.assumed_role_id = role_id + ":" + session_name;
  Principal p;
  p.arn = c.assumed_arn;
  p.account = account;
  p.user_id = c.assumed_role_id;
  p.owner = role_arn;
  p.db_user = "IAMR:" + role_name;
  p.actions = role->actions;
  p.statements = role->statements;
  std::lock_guard<std::mutex> lock(mu_);
  sessions_[c.access_key_id] = Session{c, p};
  return c;
}

bool Auth::Allowed(const Principal& who, const std::string& action, const std::string& resource,
                   const std::string* s3_prefix) const {
  if (ActionAllowed(who.actions, action)) return true;
  for (const auto& st : who.statements) {
    if (!ActionAllowed(st.actions, action)) continue;
    bool resource_ok = false;
    for (const auto& r : st.resources) resource_ok = resource_ok || GlobMatch(r, resource);
    if (!resource_ok) continue;
    if (s3_prefix && !st.s3_prefixes.empty()) {
      bool prefix_ok = false;
      for (const auto& p : st.s3_prefixes) prefix_ok = prefix_ok || GlobMatch(p, *s3_prefix);
      if (!prefix_ok) continue;
    }
    return true;
  }
  return false;
}

std::optional<Principal> Auth::ServiceRole(const std::string& role_arn) const {
  for (const auto& r : config_.roles) {
    if (r.arn != role_arn) continue;
    Principal p;
    std::string name = role_arn.substr(role_arn.rfind('/') + 1);
    p.arn = "arn:aws:sts::" + ArnAccount(role_arn) + ":assumed-role/" + name + "/RedshiftIamRole";
    p.account = ArnAccount(role_arn);
    p.user_id = "AROA" + util::HexEncode(crypto::Sha256(role_arn)).substr(0, 17);
    p.owner = role_arn;
    p.db_user = "IAMR:" + name;
    p.actions = r.actions;
    p.statements = r.statements;
    return p;
  }
  return std::nullopt;
}

std::optional<ApiError> Auth::Authorize(const Principal& who, const std::string& action,
                                        const std::string& resource) const {
  if (Allowed(who, action, resource)) return std::nullopt;
  return Err(400, "AccessDeniedException",
             "User: " + who.arn + " is not authorized to perform: " + action + " on resource: " +
                 resource + " because no identity-based policy allows the " + action + " action");
}

}  // namespace rsx::emu
