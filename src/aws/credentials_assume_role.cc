#include "aws/credentials_internal.h"
#include "rsx/sts.h"

namespace rsx {

std::shared_ptr<CredentialsProvider> NewAssumeRoleProvider(
    std::shared_ptr<StsClient> sts, std::shared_ptr<CredentialsProvider> source,
    AssumeRoleParams params, const ChainOptions& options) {
  std::string name = "assume-role " + params.role_arn;
  auto fetch = [sts, source, params, name]() -> Result<Credentials> {
    RSX_ASSIGN_OR_RETURN(AssumedRole r, sts->AssumeRole(*source, params));
    r.credentials.provider = name;
    return r.credentials;
  };
  return std::make_shared<RefreshingProvider>(name, fetch, options.clock, options.refresh_ahead);
}

}  // namespace rsx
