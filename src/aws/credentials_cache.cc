// Assumed-role credentials cached on disk between rsx processes (see credentials.h).

#include <sys/stat.h>

#include <cerrno>
#include <cstring>
#include <nlohmann/json.hpp>

#include "aws/credentials_internal.h"
#include "rsx/crypto.h"
#include "rsx/files.h"
#include "rsx/strings.h"
#include "rsx/sts.h"
#include "util/json_access.h"

namespace rsx {
namespace {

using nlohmann::json;
namespace ja = json_access;

// Creates `dir` (and its parent) 0700 when missing; refuses a folder others may read.
Status EnsurePrivateDir(const std::string& dir) {
  size_t slash = dir.rfind('/');
  if (slash != std::string::npos && slash > 0) {
    std::string parent = dir.substr(0, slash);
    if (mkdir(parent.c_str(), 0700) != 0 && errno != EEXIST)
      return Status::IoError("cannot create " + parent + ": " + std::strerror(errno));
  }
  if (mkdir(dir.c_str(), 0700) != 0 && errno != EEXIST)
    return Status::IoError("cannot create " + dir + ": " + std::strerror(errno));
  struct stat st {};
  if (stat(dir.c_str(), &st) != 0 || !S_ISDIR(st.st_mode))
    return Status::IoError(dir + " is not a directory");
  if ((st.st_mode & 0077) != 0 && chmod(dir.c_str(), 0700) != 0)
    return Status::IoError("cannot make " + dir + " private (0700): " + std::strerror(errno));
  return Status::OK();
}

class CredentialCache {
 public:
  CredentialCache(CredentialCacheOptions o, const Clock* clock, std::chrono::seconds ahead)
      : o_(std::move(o)), clock_(clock), ahead_(ahead) {}

  std::string PathFor(const Credentials& base, const AssumeRoleParams& p) const {
    std::string key = "rsx-credential-cache-v1\n" + base.access_key_id + "\n" + p.role_arn + "\n" +
                      p.external_id + "\n" + std::to_string(p.duration_seconds) + "\n" +
                      o_.sts_endpoint;
    return o_.dir + "/" + crypto::Sha256Hex(key) + ".json";
  }

  // The cached credentials, when the file holds ones valid beyond `ahead`.
  std::optional<Credentials> Load(const std::string& path) const {
    struct stat st {};
    if (stat(path.c_str(), &st) != 0) return std::nullopt;  // no entry yet
    auto text = ReadTextFile(path, "credential cache entry", 64 << 10);
    if (!text.ok()) return Corrupt(path, text.status().message());
    json j = json::parse(*text, nullptr, false);
    if (!j.is_object()) return Corrupt(path, "not a JSON object");
    Credentials c;
    auto key = ja::String(j, "AccessKeyId", "cache"),
         secret = ja::String(j, "SecretAccessKey", "cache"),
         token = ja::String(j, "SessionToken", "cache"),
         expires = ja::String(j, "Expiration", "cache");
    if (!key.ok() || !secret.ok() || !token.ok() || !expires.ok() || key->empty() ||
        secret->empty() || token->empty())
      return Corrupt(path, "AccessKeyId, SecretAccessKey, SessionToken or Expiration missing");
    auto when = util::ParseTimestamp(*expires);
    if (!when.ok()) return Corrupt(path, "Expiration is not an ISO 8601 time");
    if (*when - ahead_ <= clock_->Now()) return std::nullopt;  // expired or about to
    c.access_key_id = *key;
    c.secret_access_key = *secret;
    c.session_token = *token;
    c.expiration = *when;
    return c;
  }

  void Store(const std::string& path, const Credentials& c) const {
    if (!c.expiration) return;  // nothing to key the reuse on
    Status made = EnsurePrivateDir(o_.dir);
    json j = {{"AccessKeyId", c.access_key_id},
              {"SecretAccessKey", c.secret_access_key},
              {"SessionToken", c.session_token},
              {"Expiration", util::FormatIso8601(*c.expiration)}};
    if (made.ok()) made = WriteFileAtomic(path, j.dump(), 0600);
    if (!made.ok() && o_.warn)
      o_.warn("credential cache: cannot write " + path + " (" + made.message() +
              "); the next rsx process will assume the role again");
  }

 private:
  std::optional<Credentials> Corrupt(const std::string& path, const std::string& why) const {
    if (o_.warn)
      o_.warn("credential cache: ignoring " + path + " (" + why +
              "); it is replaced after the next AssumeRole");
    return std::nullopt;
  }

  CredentialCacheOptions o_;
  const Clock* clock_;
  std::chrono::seconds ahead_;
};

}  // namespace

std::shared_ptr<CredentialsProvider> NewCachedAssumeRoleProvider(
    std::shared_ptr<StsClient> sts, std::shared_ptr<CredentialsProvider> source,
    AssumeRoleParams params, CredentialCacheOptions cache, const ChainOptions& options) {
  std::string name = "assume-role " + params.role_arn;
  auto disk =
      std::make_shared<CredentialCache>(std::move(cache), options.clock, options.refresh_ahead);
  auto fetch = [sts, source, params, name, disk]() -> Result<Credentials> {
    RSX_ASSIGN_OR_RETURN(Credentials base, source->Get());
    std::string path = disk->PathFor(base, params);
    if (auto hit = disk->Load(path)) {
      hit->provider = name + kFromCredentialCache;
      return *hit;
    }
    RSX_ASSIGN_OR_RETURN(AssumedRole r, sts->AssumeRole(*source, params));
    disk->Store(path, r.credentials);
    r.credentials.provider = name;
    return r.credentials;
  };
  return std::make_shared<RefreshingProvider>(name, fetch, options.clock, options.refresh_ahead);
}

}  // namespace rsx
