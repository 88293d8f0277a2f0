#include "aws/credentials_internal.h"

namespace rsx {
namespace {

class ChainProvider : public CredentialsProvider {
 public:
  ChainProvider(std::shared_ptr<HttpClient> http, ChainOptions options)
      : http_(std::move(http)), options_(std::move(options)) {}

  Result<Credentials> Get() override {
    std::shared_ptr<CredentialsProvider> chosen;
    {
      std::lock_guard<std::mutex> lock(mu_);
      if (!chosen_) {
        auto found = Resolve();
        if (!found.ok()) return found.status();
        chosen_ = *found;
      }
      chosen = chosen_;
    }
    return chosen->Get();
  }

  std::string Name() const override {
    std::lock_guard<std::mutex> lock(mu_);
    return chosen_ ? chosen_->Name() : "default chain";
  }

 private:
  Result<std::shared_ptr<CredentialsProvider>> Resolve() {
    struct Link {
      const char* name;
      std::function<ProviderLookup()> lookup;
    };
    const ChainOptions& o = options_;
    auto http = http_;
    Link links[] = {
        {"environment", [&] { return LookupEnvironmentProvider(o); }},
        {"web identity", [&] { return LookupWebIdentityProvider(http, o); }},
        {"shared config/credentials profile", [&] { return LookupProfileProvider(http, o); }},
        {"container", [&] { return LookupContainerProvider(http, o); }},
        {"EC2 instance metadata", [&] { return LookupImdsProvider(http, o); }},
    };
    std::string why = "no AWS credentials found. Each source was tried:";
    for (auto& link : links) {
      ProviderLookup r = link.lookup();
      if (!r.error.ok())
        return Status(r.error).Prepend(std::string("credentials from ") + link.name);
      if (r.provider) return r.provider;
      why += std::string("\n  - ") + link.name + ": " + r.skip_reason;
    }
    why +=
        "\nSet AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY, AWS_PROFILE, or configure "
        "~/.aws/credentials.";
    return Status::Unauthenticated(why);
  }

  std::shared_ptr<HttpClient> http_;
  ChainOptions options_;
  mutable std::mutex mu_;
  std::shared_ptr<CredentialsProvider> chosen_;
};

}  // namespace

std::shared_ptr<CredentialsProvider> NewDefaultCredentialsChain(std::shared_ptr<HttpClient> http,
                                                                ChainOptions options) {
  return std::make_shared<ChainProvider>(std::move(http), std::move(options));
}

}  // namespace rsx
