#pragma once
// Providers of the default chain, and the refreshing cache they share.

#include <functional>
#include <memory>
#include <mutex>
#include <string>

#include "rsx/credentials.h"
#include "rsx/http.h"

namespace rsx {

// Caches credentials from `fetch` and calls it again `ahead` before they expire. Get() holds
// one mutex while fetching, so concurrent callers cause one fetch and all get its result.
// When a refresh fails but the cached credentials have not yet expired, those are returned.
class RefreshingProvider : public CredentialsProvider {
 public:
  RefreshingProvider(std::string name, std::function<Result<Credentials>()> fetch,
                     const Clock* clock, std::chrono::seconds ahead);
  Result<Credentials> Get() override;
  std::string Name() const override { return name_; }
  int fetch_count() const;

 private:
  std::string name_;
  std::function<Result<Credentials>()> fetch_;
  const Clock* clock_;
  std::chrono::seconds ahead_;
  mutable std::mutex mu_;
  std::optional<Credentials> cached_;
  int fetches_ = 0;
};

// What a chain link found: a provider to use, a reason it does not apply ("skip"), or an
// error (configured but broken: the chain stops and reports it).
struct ProviderLookup {
  std::shared_ptr<CredentialsProvider> provider;
  std::string skip_reason;
  Status error;

  static ProviderLookup Use(std::shared_ptr<CredentialsProvider> p) {
    return {std::move(p), "", {}};
  }
  static ProviderLookup Skip(std::string why) { return {nullptr, std::move(why), {}}; }
  static ProviderLookup Fail(Status st) { return {nullptr, "", std::move(st)}; }
};

ProviderLookup LookupEnvironmentProvider(const ChainOptions& options);
ProviderLookup LookupWebIdentityProvider(std::shared_ptr<HttpClient> http,
                                         const ChainOptions& options);
ProviderLookup LookupProfileProvider(std::shared_ptr<HttpClient> http, const ChainOptions& options);
ProviderLookup LookupContainerProvider(std::shared_ptr<HttpClient> http,
                                       const ChainOptions& options);
ProviderLookup LookupImdsProvider(std::shared_ptr<HttpClient> http, const ChainOptions& options);

// Web identity: reads the token file on each refresh and calls AssumeRoleWithWebIdentity.
std::shared_ptr<CredentialsProvider> NewWebIdentityProvider(
    std::shared_ptr<HttpClient> http, const ChainOptions& options, std::string role_arn,
    std::string token_file, std::string session_name, std::string region);

// Parses the JSON document that container endpoints, IMDS and credential_process return.
// `session_key` is "Token" (container, IMDS) or "SessionToken" (credential_process).
Result<Credentials> ParseCredentialsJson(const std::string& json, const std::string& session_key,
                                         const std::string& provider);

}  // namespace rsx
