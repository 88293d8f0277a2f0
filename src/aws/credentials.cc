#include <algorithm>
#include <cctype>
#include <nlohmann/json.hpp>

#include "aws/credentials_internal.h"
#include "rsx/strings.h"

namespace rsx {

std::string Credentials::Describe() const {
  std::string id = access_key_id.size() > 8 ? access_key_id.substr(0, 4) + "..." +
                                                  access_key_id.substr(access_key_id.size() - 4)
                                            : "(short key id)";
  std::string out = id + " from " + (provider.empty() ? "an unnamed provider" : provider);
  if (expiration) out += ", expires " + util::FormatIso8601(*expiration);
  return out;
}

namespace {

class StaticProvider : public CredentialsProvider {
 public:
  explicit StaticProvider(Credentials c) : creds_(std::move(c)) {}
  Result<Credentials> Get() override { return creds_; }
  std::string Name() const override { return creds_.provider.empty() ? "static" : creds_.provider; }

 private:
  Credentials creds_;
};

}  // namespace

std::shared_ptr<CredentialsProvider> NewStaticCredentialsProvider(Credentials creds) {
  return std::make_shared<StaticProvider>(std::move(creds));
}

namespace {

// Letters, digits, '_' and the characters of `extra`: IAM's [\w...] classes.
bool IamChars(std::string_view s, std::string_view extra) {
  for (char c : s)
    if (!std::isalnum(static_cast<unsigned char>(c)) && c != '_' &&
        extra.find(c) == std::string_view::npos)
      return false;
  return true;
}

// arn:aws[-cn|-us-gov|-iso|-iso-b|-iso-e|-iso-f|-eusc]:iam::<12 digits>:role/[path/]name
bool RoleArnWellFormed(std::string_view arn) {
  static constexpr std::string_view kPartitions[] = {
      "aws", "aws-cn", "aws-us-gov", "aws-iso", "aws-iso-b", "aws-iso-e", "aws-iso-f", "aws-eusc"};
  if (!util::StartsWith(arn, "arn:")) return false;
  arn.remove_prefix(4);
  size_t colon = arn.find(':');
  if (colon == std::string_view::npos || std::find(std::begin(kPartitions), std::end(kPartitions),
                                                   arn.substr(0, colon)) == std::end(kPartitions))
    return false;
  arn.remove_prefix(colon + 1);
  if (!util::StartsWith(arn, "iam::") || arn.size() < 5 + 12 + 6) return false;
  std::string_view account = arn.substr(5, 12);
  for (char c : account)
    if (!std::isdigit(static_cast<unsigned char>(c))) return false;
  arn.remove_prefix(5 + 12);
  if (!util::StartsWith(arn, ":role/")) return false;
  arn.remove_prefix(6);
  size_t slash = arn.rfind('/');
  std::string_view name = slash == std::string_view::npos ? arn : arn.substr(slash + 1);
  if (name.empty() || name.size() > 64 || !IamChars(name, "+=,.@-")) return false;
  if (slash == std::string_view::npos) return true;
  for (const auto& segment :
       util::Split(arn.substr(0, slash), '/'))  // the path: non-empty segments
    if (segment.empty() || !IamChars(segment, "+=,.@-")) return false;
  return true;
}

}  // namespace

Status ValidateAssumeRoleParams(const AssumeRoleParams& p) {
  if (p.role_arn.empty()) return Status::InvalidArgument("role ARN: none given");
  if (!RoleArnWellFormed(p.role_arn))
    return Status::InvalidArgument(
        "role ARN '" + p.role_arn +
        "' is malformed: expected arn:aws:iam::<12-digit account>:role/"
        "<optional path/><name>, e.g. arn:aws:iam::123456789012:role/rsx");
  if (!p.external_id.empty() && (p.external_id.size() < 2 || p.external_id.size() > 1224 ||
                                 !IamChars(p.external_id, "+=,.@:/-")))
    return Status::InvalidArgument(
        "external ID is invalid: STS accepts 2 to 1224 characters of letters, digits and "
        "+=,.@:/-_ (got " +
        std::to_string(p.external_id.size()) + " characters)");
  if (!p.role_session_name.empty() &&
      (p.role_session_name.size() < 2 || p.role_session_name.size() > 64 ||
       !IamChars(p.role_session_name, "+=,.@-")))
    return Status::InvalidArgument("role session name '" + p.role_session_name +
                                   "' is invalid: STS accepts 2 to 64 characters of letters, "
                                   "digits and +=,.@-_");
  if (p.duration_seconds < 900 || p.duration_seconds > 43200)
    return Status::InvalidArgument("duration " + std::to_string(p.duration_seconds) +
                                   " s is out of range: STS accepts 900 to 43200 seconds");
  return Status::OK();
}

RefreshingProvider::RefreshingProvider(std::string name, std::function<Result<Credentials>()> fetch,
                                       const Clock* clock, std::chrono::seconds ahead)
    : name_(std::move(name)), fetch_(std::move(fetch)), clock_(clock), ahead_(ahead) {}

Result<Credentials> RefreshingProvider::Get() {
  std::lock_guard<std::mutex> lock(mu_);
  TimePoint now = clock_->Now();
  if (cached_ && (!cached_->expiration || now < *cached_->expiration - ahead_)) return *cached_;
  ++fetches_;
  Result<Credentials> fresh = fetch_();
  if (fresh.ok()) {
    cached_ = *fresh;
    return fresh;
  }
  if (cached_ && cached_->expiration && now < *cached_->expiration) return *cached_;
  return fresh.status();
}

int RefreshingProvider::fetch_count() const {
  std::lock_guard<std::mutex> lock(mu_);
  return fetches_;
}

ProviderLookup LookupEnvironmentProvider(const ChainOptions& o) {
  auto id = o.env->Get("AWS_ACCESS_KEY_ID");
  auto secret = o.env->Get("AWS_SECRET_ACCESS_KEY");
  if (!id && !secret)
    return ProviderLookup::Skip("AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY are not set");
  if (!id || !secret)
    return ProviderLookup::Fail(Status::Unauthenticated(
        std::string("partial credentials in the environment: ") +
        (id ? "AWS_SECRET_ACCESS_KEY" : "AWS_ACCESS_KEY_ID") + " is not set"));
  Credentials c;
  c.access_key_id = *id;
  c.secret_access_key = *secret;
  c.session_token =
      o.env->Get("AWS_SESSION_TOKEN").value_or(o.env->Get("AWS_SECURITY_TOKEN").value_or(""));
  c.provider = "environment";
  if (auto exp = o.env->Get("AWS_CREDENTIAL_EXPIRATION")) {
    auto t = util::ParseTimestamp(*exp);
    if (!t.ok())
      return ProviderLookup::Fail(Status(t.status()).Prepend("AWS_CREDENTIAL_EXPIRATION"));
    c.expiration = *t;
  }
  return ProviderLookup::Use(NewStaticCredentialsProvider(std::move(c)));
}

Result<Credentials> ParseCredentialsJson(const std::string& text, const std::string& session_key,
                                         const std::string& provider) {
  nlohmann::json j = nlohmann::json::parse(text, nullptr, /*allow_exceptions=*/false);
  if (j.is_discarded() || !j.is_object())
    return Status::Unauthenticated(provider + " returned something that is not a JSON object");
  auto str = [&](const char* k) {
    auto it = j.find(k);
    return it != j.end() && it->is_string() ? it->get_ref<const std::string&>() : std::string();
  };
  if (j.contains("Version") &&
      !(j["Version"].is_number_integer() &&
        j["Version"].get_ref<const nlohmann::json::number_integer_t&>() == 1))
    return Status::Unauthenticated(provider + " returned an unsupported Version (expected 1)");
  if (j.contains("Code") && str("Code") != "Success")
    return Status::Unauthenticated(provider + " answered Code=" + str("Code") + ": " +
                                   str("Message"));
  Credentials c;
  c.access_key_id = str("AccessKeyId");
  c.secret_access_key = str("SecretAccessKey");
  c.session_token = str(session_key.c_str());
  c.provider = provider;
  if (c.access_key_id.empty() || c.secret_access_key.empty())
    return Status::Unauthenticated(provider + " returned no AccessKeyId or SecretAccessKey");
  if (std::string exp = str("Expiration"); !exp.empty()) {
    auto t = util::ParseTimestamp(exp);
    if (!t.ok())
      return Status::Unauthenticated(provider + " returned an unreadable Expiration '" + exp + "'");
    c.expiration = *t;
  }
  return c;
}

}  // namespace rsx
