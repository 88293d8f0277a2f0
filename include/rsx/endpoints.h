#pragma once
// Endpoint resolution for the services rsx calls, per the models' rule sets and partitions,
// overridable the standard AWS way. Precedence: an explicit URL, then
// AWS_ENDPOINT_URL_<SERVICE> (AWS_ENDPOINT_URL_STS, AWS_ENDPOINT_URL_REDSHIFT_DATA,
// AWS_ENDPOINT_URL_REDSHIFT_SERVERLESS), then AWS_ENDPOINT_URL, then the rule set.

#include <string>

#include "rsx/clock.h"
#include "rsx/result.h"

namespace rsx {

struct Partition {
  std::string id;          // "aws", "aws-cn", "aws-us-gov", ...
  std::string dns_suffix;  // "amazonaws.com", "amazonaws.com.cn", ...
};

// The partition a region belongs to (regex rules of partitions.json); unknown regions that
// are well formed fall in "aws", as the rule set does. A malformed region is an error.
Result<Partition> PartitionForRegion(const std::string& region);

// Checks a region name's form ("eu-west-1"); the error says what was expected.
Status ValidateRegion(const std::string& region);

struct ResolvedEndpoint {
  std::string url;
  std::string signing_region;
  std::string source;  // "explicit", "AWS_ENDPOINT_URL_STS", "AWS_ENDPOINT_URL", "rules"
};

// service: "sts", "redshift-data" or "redshift-serverless". An http:// URL (not https://) is
// refused unless its host is this machine (IsLoopbackUrl) or RSX_ALLOW_INSECURE_HTTP=1 is set:
// it would send the session token and the SQL in clear text.
Result<ResolvedEndpoint> ResolveEndpoint(const std::string& service, const std::string& region,
                                         const Environment& env,
                                         const std::string& explicit_url = "");

// Is the URL's host this machine: localhost, 127.0.0.0/8 or [::1]?
bool IsLoopbackUrl(const std::string& url);

// The region to use when none is given: AWS_REGION, then AWS_DEFAULT_REGION; "" when unset.
std::string RegionFromEnvironment(const Environment& env);

}  // namespace rsx
