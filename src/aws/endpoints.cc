#include "rsx/endpoints.h"

#include <regex>

#include "util/strings.h"

namespace rsx {
namespace {

struct PartitionRule {
  const char* id;
  const char* regex;
  const char* dns_suffix;
};

// From shared/aws-models/partitions.json (regionRegex and dnsSuffix of each partition).
const PartitionRule kPartitions[] = {
    {"aws", R"(^(us|eu|ap|sa|ca|me|af|il|mx)\-\w+\-\d+$)", "amazonaws.com"},
    {"aws-cn", R"(^cn\-\w+\-\d+$)", "amazonaws.com.cn"},
    {"aws-eusc", R"(^eusc\-(de)\-\w+\-\d+$)", "amazonaws.eu"},
    {"aws-iso", R"(^us\-iso\-\w+\-\d+$)", "c2s.ic.gov"},
    {"aws-iso-b", R"(^us\-isob\-\w+\-\d+$)", "sc2s.sgov.gov"},
    {"aws-iso-e", R"(^eu\-isoe\-\w+\-\d+$)", "cloud.adc-e.uk"},
    {"aws-iso-f", R"(^us\-isof\-\w+\-\d+$)", "csp.hci.ic.gov"},
    {"aws-us-gov", R"(^us\-gov\-\w+\-\d+$)", "amazonaws.com"},
};

// Explicit region lists of partitions.json that the regexes do not cover.
const std::pair<const char*, const char*> kGlobalRegions[] = {
    {"aws-global", "aws"},           {"aws-cn-global", "aws-cn"},
    {"aws-us-gov-global", "aws-us-gov"}, {"aws-iso-global", "aws-iso"},
    {"aws-iso-b-global", "aws-iso-b"},   {"aws-iso-e-global", "aws-iso-e"},
    {"aws-iso-f-global", "aws-iso-f"},
};

std::string EnvSuffix(const std::string& service) {
  std::string s;
  for (char c : service) s += c == '-' ? '_' : static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  return s;
}

Status ValidateUrl(const std::string& url, const std::string& source) {
  if (!util::StartsWith(url, "http://") && !util::StartsWith(url, "https://"))
    return Status::InvalidArgument(source + " must be an http:// or https:// URL, got '" + url + "'");
  return Status::OK();
}

}  // namespace

Status ValidateRegion(const std::string& region) {
  static const std::regex kForm(R"(^[a-z]{2,}(-[a-z0-9]+)*-\d+$|^aws(-[a-z]+)*-global$)");
  if (!std::regex_match(region, kForm))
    return Status::InvalidArgument("region '" + region +
                                   "' is not a region name; expected a form like eu-west-1");
  return Status::OK();
}

Result<Partition> PartitionForRegion(const std::string& region) {
  RSX_RETURN_IF_ERROR(ValidateRegion(region));
  for (const auto& [name, part] : kGlobalRegions)
    if (region == name)
      for (const auto& p : kPartitions)
        if (std::string(p.id) == part) return Partition{p.id, p.dns_suffix};
  for (const auto& p : kPartitions)
    if (std::regex_match(region, std::regex(p.regex))) return Partition{p.id, p.dns_suffix};
  return Partition{"aws", "amazonaws.com"};
}

std::string RegionFromEnvironment(const Environment& env) {
  if (auto r = env.Get("AWS_REGION")) return *r;
  if (auto r = env.Get("AWS_DEFAULT_REGION")) return *r;
  return "";
}

Result<ResolvedEndpoint> ResolveEndpoint(const std::string& service, const std::string& region,
                                         const Environment& env, const std::string& explicit_url) {
  if (region.empty())
    return Status::InvalidArgument("no AWS region: pass --region or set AWS_REGION");
  std::string signing_region = region;
  if (region == "aws-global") signing_region = "us-east-1";
  if (!explicit_url.empty()) {
    RSX_RETURN_IF_ERROR(ValidateUrl(explicit_url, "the endpoint URL"));
    return ResolvedEndpoint{explicit_url, signing_region, "explicit"};
  }
  std::string var = "AWS_ENDPOINT_URL_" + EnvSuffix(service);
  if (auto v = env.Get(var)) {
    RSX_RETURN_IF_ERROR(ValidateUrl(*v, var));
    return ResolvedEndpoint{*v, signing_region, var};
  }
  if (auto v = env.Get("AWS_ENDPOINT_URL")) {
    RSX_RETURN_IF_ERROR(ValidateUrl(*v, "AWS_ENDPOINT_URL"));
    return ResolvedEndpoint{*v, signing_region, "AWS_ENDPOINT_URL"};
  }
  RSX_ASSIGN_OR_RETURN(Partition part, PartitionForRegion(region));
  if (service == "sts" && region == "aws-global")
    return ResolvedEndpoint{"https://sts.amazonaws.com", "us-east-1", "rules"};
  return ResolvedEndpoint{"https://" + service + "." + region + "." + part.dns_suffix,
                          signing_region, "rules"};
}

}  // namespace rsx
