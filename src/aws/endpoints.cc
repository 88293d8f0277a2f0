#include "rsx/endpoints.h"

#include <cctype>

#include "rsx/strings.h"

namespace rsx {

bool IsLoopbackUrl(const std::string& url) {
  auto scheme = url.find("://");
  if (scheme == std::string::npos) return false;
  std::string authority = url.substr(scheme + 3);
  authority = authority.substr(0, authority.find_first_of("/?#"));
  if (auto at = authority.rfind('@'); at != std::string::npos) authority = authority.substr(at + 1);
  std::string host;
  if (!authority.empty() && authority[0] == '[') {
    auto close = authority.find(']');
    if (close == std::string::npos) return false;
    host = authority.substr(1, close - 1);
    return host == "::1";
  }
  host = util::ToLower(authority.substr(0, authority.find(':')));
  if (host == "localhost") return true;
  auto parts = util::Split(host, '.');
  if (parts.size() != 4 || parts[0] != "127") return false;
  for (const auto& p : parts) {
    if (p.empty() || p.size() > 3) return false;
    for (char c : p)
      if (c < '0' || c > '9') return false;
    if (std::stoi(p) > 255) return false;
  }
  return true;
}

namespace {

struct PartitionInfo {
  const char* id;
  const char* dns_suffix;
};

// From shared/aws-models/partitions.json (dnsSuffix of each partition).
const PartitionInfo kPartitions[] = {
    {"aws", "amazonaws.com"},        {"aws-cn", "amazonaws.com.cn"},
    {"aws-eusc", "amazonaws.eu"},    {"aws-iso", "c2s.ic.gov"},
    {"aws-iso-b", "sc2s.sgov.gov"},  {"aws-iso-e", "cloud.adc-e.uk"},
    {"aws-iso-f", "csp.hci.ic.gov"}, {"aws-us-gov", "amazonaws.com"},
};

// Every regionRegex of partitions.json has the form ^PREFIX\-\w+\-\d+$; these are the
// prefixes: aws ^(us|eu|ap|sa|ca|me|af|il|mx)\-\w+\-\d+$, aws-cn ^cn\-\w+\-\d+$, and so on.
const std::pair<const char*, const char*> kRegionPrefixes[] = {
    {"us", "aws"},
    {"eu", "aws"},
    {"ap", "aws"},
    {"sa", "aws"},
    {"ca", "aws"},
    {"me", "aws"},
    {"af", "aws"},
    {"il", "aws"},
    {"mx", "aws"},
    {"cn", "aws-cn"},
    {"eusc-de", "aws-eusc"},
    {"us-iso", "aws-iso"},
    {"us-isob", "aws-iso-b"},
    {"eu-isoe", "aws-iso-e"},
    {"us-isof", "aws-iso-f"},
    {"us-gov", "aws-us-gov"},
};

// Explicit region lists of partitions.json that the regexes do not cover.
const std::pair<const char*, const char*> kGlobalRegions[] = {
    {"aws-global", "aws"},
    {"aws-cn-global", "aws-cn"},
    {"aws-us-gov-global", "aws-us-gov"},
    {"aws-iso-global", "aws-iso"},
    {"aws-iso-b-global", "aws-iso-b"},
    {"aws-iso-e-global", "aws-iso-e"},
    {"aws-iso-f-global", "aws-iso-f"},
};

std::string EnvSuffix(const std::string& service) {
  std::string s;
  for (char c : service)
    s += c == '-' ? '_' : static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  return s;
}

Status ValidateUrl(const std::string& url, const std::string& source, const Environment& env) {
  std::string lower = util::ToLower(url);
  if (!util::StartsWith(lower, "http://") && !util::StartsWith(lower, "https://"))
    return Status::InvalidArgument(source + " must be an http:// or https:// URL, got '" + url +
                                   "'");
  if (util::StartsWith(lower, "http://") && !IsLoopbackUrl(url) &&
      env.Get("RSX_ALLOW_INSECURE_HTTP") != "1")
    return Status::InvalidArgument(
        source + " is plain http:// to a host that is not this machine (" + url +
        "): the session token and the SQL would cross the network in clear text. Use https://, or "
        "opt in "
        "with --allow-insecure-http (RSX_ALLOW_INSECURE_HTTP=1) on a network you trust");
  return Status::OK();
}

}  // namespace

namespace {

bool AllOf(std::string_view s, int (*pred)(int)) {
  for (char c : s)
    if (!pred(static_cast<unsigned char>(c))) return false;
  return !s.empty();
}
int IsLowerAlnum(int c) { return std::islower(c) || std::isdigit(c); }

// "eu-west-1", "us-gov-west-1", "cn-north-1" ([a-z]{2,}(-[a-z0-9]+)*-[0-9]+), or "aws-global",
// "aws-us-gov-global" (aws(-[a-z]+)*-global).
bool RegionWellFormed(const std::string& region) {
  auto parts = util::Split(region, '-');
  if (parts.size() < 2) return false;
  if (parts.front() == "aws" && parts.back() == "global") {
    for (size_t i = 1; i + 1 < parts.size(); ++i)
      if (!AllOf(parts[i], std::islower)) return false;
    return true;
  }
  if (parts.front().size() < 2 || !AllOf(parts.front(), std::islower) ||
      !AllOf(parts.back(), std::isdigit))
    return false;
  for (size_t i = 1; i + 1 < parts.size(); ++i)
    if (!AllOf(parts[i], IsLowerAlnum)) return false;
  return true;
}

}  // namespace

Status ValidateRegion(const std::string& region) {
  if (!RegionWellFormed(region))
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
  // PREFIX-NAME-NUMBER, NAME being \w+ (letters, digits, '_').
  size_t last = region.rfind('-');
  size_t name =
      last == std::string::npos || last == 0 ? std::string::npos : region.rfind('-', last - 1);
  if (name != std::string::npos && name > 0) {
    std::string_view prefix = std::string_view(region).substr(0, name);
    for (const auto& [pre, id] : kRegionPrefixes)
      if (prefix == pre)
        for (const auto& p : kPartitions)
          if (std::string_view(p.id) == id) return Partition{p.id, p.dns_suffix};
  }
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
    RSX_RETURN_IF_ERROR(ValidateUrl(explicit_url, "the endpoint URL", env));
    return ResolvedEndpoint{explicit_url, signing_region, "explicit"};
  }
  std::string var = "AWS_ENDPOINT_URL_" + EnvSuffix(service);
  if (auto v = env.Get(var)) {
    RSX_RETURN_IF_ERROR(ValidateUrl(*v, var, env));
    return ResolvedEndpoint{*v, signing_region, var};
  }
  if (auto v = env.Get("AWS_ENDPOINT_URL")) {
    RSX_RETURN_IF_ERROR(ValidateUrl(*v, "AWS_ENDPOINT_URL", env));
    return ResolvedEndpoint{*v, signing_region, "AWS_ENDPOINT_URL"};
  }
  RSX_ASSIGN_OR_RETURN(Partition part, PartitionForRegion(region));
  if (service == "sts" && region == "aws-global")
    return ResolvedEndpoint{"https://sts.amazonaws.com", "us-east-1", "rules"};
  return ResolvedEndpoint{"https://" + service + "." + region + "." + part.dns_suffix,
                          signing_region, "rules"};
}

}  // namespace rsx
