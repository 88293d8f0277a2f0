// Credentials from the shared config and credentials files: static keys, assume-role profiles
// (source_profile or credential_source, external_id, role_session_name, duration_seconds),
// web identity profiles, and credential_process.

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <set>

#include "aws/credentials_internal.h"
#include "aws/ini_file.h"
#include "rsx/endpoints.h"
#include "rsx/strings.h"
#include "rsx/sts.h"

namespace rsx {
namespace {

struct Profiles {
  std::string config_path, credentials_path;
  IniFile config, credentials;

  // Merged settings of a profile: config first, credentials file keys override.
  std::optional<IniSection> Get(const std::string& name) const {
    std::optional<IniSection> out;
    auto merge = [&](const IniFile& f, const std::string& section) {
      auto it = f.sections.find(section);
      if (it == f.sections.end()) return;
      if (!out) out.emplace();
      for (const auto& [k, v] : it->second) (*out)[k] = v;
    };
    if (name == "default") merge(config, "default");
    merge(config, "profile " + name);
    merge(credentials, name);
    return out;
  }
};

std::string Home(const Environment& env) { return env.Get("HOME").value_or(""); }

Result<IniFile> LoadOptional(const std::string& path) {
  auto f = LoadIni(path);
  if (!f.ok() && f.status().code() == StatusCode::kNotFound) return IniFile{path, {}};
  return f;
}

std::string Value(const IniSection& s, const std::string& key) {
  auto it = s.find(key);
  return it == s.end() ? "" : it->second;
}

// Runs credential_process. Its stdout is parsed, never echoed (it holds secrets); stderr goes
// to ours so the user sees the tool's own messages. A process that has not finished after
// RSX_CREDENTIAL_PROCESS_TIMEOUT seconds (default 60) is killed, with its process group.
Result<Credentials> RunCredentialProcess(const std::string& command, const std::string& profile,
                                         const Environment& env) {
  std::string who = "credential_process of profile " + profile;
  int timeout_s = 60;
  if (auto t = env.Get("RSX_CREDENTIAL_PROCESS_TIMEOUT"))
    timeout_s = std::max(1, std::atoi(t->c_str()));
  int fds[2];
  if (pipe2(fds, O_CLOEXEC) != 0)
    return Status::Unauthenticated(who + ": cannot start '" + command + "'");
  pid_t pid = fork();
  if (pid < 0) {
    close(fds[0]);
    close(fds[1]);
    return Status::Unauthenticated(who + ": cannot start '" + command + "'");
  }
  if (pid == 0) {
    setpgid(0, 0);
    dup2(fds[1], STDOUT_FILENO);
    execl("/bin/sh", "sh", "-c", command.c_str(), static_cast<char*>(nullptr));
    _exit(127);
  }
  setpgid(pid, pid);
  close(fds[1]);
  std::string out;
  char buf[4096];
  auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(timeout_s);
  bool timed_out = false;
  while (true) {
    auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
        deadline - std::chrono::steady_clock::now());
    if (left.count() <= 0) {
      timed_out = true;
      break;
    }
    pollfd p{fds[0], POLLIN, 0};
    int r = poll(&p, 1, static_cast<int>(std::min<long long>(left.count(), 1000)));
    if (r < 0 && errno == EINTR) continue;
    if (r <= 0) continue;
    ssize_t n = read(fds[0], buf, sizeof buf);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) break;
    out.append(buf, static_cast<size_t>(n));
    if (out.size() > (1 << 20)) break;  // far more than any credentials document
  }
  close(fds[0]);
  if (timed_out) kill(-pid, SIGKILL);
  int rc = 0;
  while (waitpid(pid, &rc, 0) < 0 && errno == EINTR) {
  }
  if (timed_out)
    return Status::Unauthenticated(
        who + ": '" + command + "' did not finish within " + std::to_string(timeout_s) +
        " s and was stopped (RSX_CREDENTIAL_PROCESS_TIMEOUT sets the limit)");
  if (!WIFEXITED(rc) || WEXITSTATUS(rc) != 0)
    return Status::Unauthenticated(who + ": '" + command + "' failed (exit status " +
                                   std::to_string(WIFEXITED(rc) ? WEXITSTATUS(rc) : -1) + ")");
  return ParseCredentialsJson(out, "SessionToken", who);
}

class ProfileResolver {
 public:
  ProfileResolver(std::shared_ptr<HttpClient> http, const ChainOptions& o, Profiles p)
      : http_(std::move(http)), o_(o), p_(std::move(p)) {}

  // The provider for profile `name`. `as_source`: the profile is another's source_profile,
  // so static keys win over its role_arn. An empty result with OK status: no credentials.
  Result<std::shared_ptr<CredentialsProvider>> Build(const std::string& name,
                                                     std::vector<std::string> chain,
                                                     bool as_source) {
    for (const auto& seen : chain) {
      if (seen == name) {
        std::string loop;
        for (const auto& c : chain) loop += c + " -> ";
        return Status::InvalidArgument("profile loop in " + p_.config_path + ": " + loop + name);
      }
    }
    chain.push_back(name);
    auto settings = p_.Get(name);
    if (!settings)
      return Status::NotFound("profile '" + name + "' is not in " + p_.config_path + " or " +
                              p_.credentials_path);
    const IniSection& s = *settings;
    std::string key_id = Value(s, "aws_access_key_id"), secret = Value(s, "aws_secret_access_key");
    if (key_id.empty() != secret.empty())
      return Status::Unauthenticated(
          "profile '" + name + "' has partial credentials: " +
          (key_id.empty() ? "aws_access_key_id" : "aws_secret_access_key") + " is missing");
    auto static_provider = [&] {
      Credentials c{key_id, secret, Value(s, "aws_session_token"), std::nullopt, "profile " + name};
      return NewStaticCredentialsProvider(std::move(c));
    };
    if (as_source && !key_id.empty()) return static_provider();
    if (!Value(s, "role_arn").empty()) return BuildAssumeRole(name, s, chain);
    if (!key_id.empty()) return static_provider();
    if (std::string cmd = Value(s, "credential_process"); !cmd.empty()) {
      std::string who = "credential_process of profile " + name;
      return std::shared_ptr<CredentialsProvider>(std::make_shared<RefreshingProvider>(
          who, [cmd, name, env = o_.env] { return RunCredentialProcess(cmd, name, *env); },
          o_.clock, o_.refresh_ahead));
    }
    if (as_source)
      return Status::Unauthenticated("source profile '" + name + "' has no credentials");
    return std::shared_ptr<CredentialsProvider>();
  }

 private:
  std::string RegionFor(const IniSection& s) const {
    if (!o_.region.empty()) return o_.region;
    std::string r = RegionFromEnvironment(*o_.env);
    if (!r.empty()) return r;
    return Value(s, "region");
  }

  Result<std::shared_ptr<CredentialsProvider>> BuildAssumeRole(
      const std::string& name, const IniSection& s, const std::vector<std::string>& chain) {
    AssumeRoleParams params;
    params.role_arn = Value(s, "role_arn");
    params.external_id = Value(s, "external_id");
    params.role_session_name = Value(s, "role_session_name");
    if (std::string d = Value(s, "duration_seconds"); !d.empty()) {
      char* end = nullptr;
      long v = std::strtol(d.c_str(), &end, 10);
      if (end == d.c_str() || *end != '\0')
        return Status::InvalidArgument("profile '" + name + "': duration_seconds '" + d +
                                       "' is not a whole number of seconds");
      params.duration_seconds = static_cast<int>(v);
    }
    Status valid = ValidateAssumeRoleParams(params);
    if (!valid.ok()) return valid.Prepend("profile '" + name + "'");

    std::string web_token_file = Value(s, "web_identity_token_file");
    std::string source_profile = Value(s, "source_profile");
    std::string credential_source = Value(s, "credential_source");
    if (!web_token_file.empty())
      return NewWebIdentityProvider(http_, o_, params.role_arn, web_token_file,
                                    params.role_session_name, RegionFor(s));
    if (!source_profile.empty() && !credential_source.empty())
      return Status::InvalidArgument("profile '" + name +
                                     "' sets both source_profile and credential_source; keep one");
    if (source_profile.empty() && credential_source.empty())
      return Status::InvalidArgument("profile '" + name +
                                     "' sets role_arn but neither source_profile nor "
                                     "credential_source");
    std::shared_ptr<CredentialsProvider> source;
    if (!source_profile.empty()) {
      RSX_ASSIGN_OR_RETURN(source, Build(source_profile, chain, /*as_source=*/true));
    } else {
      ProviderLookup found;
      if (credential_source == "Environment")
        found = LookupEnvironmentProvider(o_);
      else if (credential_source == "Ec2InstanceMetadata")
        found = LookupImdsProvider(http_, o_);
      else if (credential_source == "EcsContainer")
        found = LookupContainerProvider(http_, o_);
      else
        return Status::InvalidArgument("profile '" + name + "': credential_source '" +
                                       credential_source +
                                       "' is not one of Environment, Ec2InstanceMetadata, "
                                       "EcsContainer");
      if (!found.error.ok()) return found.error;
      if (!found.provider)
        return Status::Unauthenticated("profile '" + name + "': credential_source " +
                                       credential_source +
                                       " has no credentials: " + found.skip_reason);
      source = found.provider;
    }
    StsOptions sts_opt;
    sts_opt.region = RegionFor(s);
    sts_opt.endpoint_url = o_.sts_endpoint;
    sts_opt.env = o_.env;
    sts_opt.clock = o_.clock;
    RSX_ASSIGN_OR_RETURN(auto sts, StsClient::Create(http_, sts_opt));
    return NewAssumeRoleProvider(sts, source, params, o_);
  }

  std::shared_ptr<HttpClient> http_;
  const ChainOptions& o_;
  Profiles p_;
};

}  // namespace

ProviderLookup LookupProfileProvider(std::shared_ptr<HttpClient> http, const ChainOptions& o) {
  std::string name = o.profile;
  bool explicit_profile = !name.empty();
  if (name.empty())
    name = o.env->Get("AWS_PROFILE").value_or(o.env->Get("AWS_DEFAULT_PROFILE").value_or(""));
  explicit_profile = explicit_profile || !name.empty();
  if (name.empty()) name = "default";

  Profiles p;
  std::string home = Home(*o.env);
  p.config_path = o.env->Get("AWS_CONFIG_FILE").value_or(home + "/.aws/config");
  p.credentials_path =
      o.env->Get("AWS_SHARED_CREDENTIALS_FILE").value_or(home + "/.aws/credentials");
  auto config = LoadOptional(p.config_path);
  if (!config.ok()) return ProviderLookup::Fail(config.status());
  auto creds = LoadOptional(p.credentials_path);
  if (!creds.ok()) return ProviderLookup::Fail(creds.status());
  p.config = std::move(*config);
  p.credentials = std::move(*creds);
  if (!p.Get(name)) {
    if (explicit_profile)
      return ProviderLookup::Fail(Status::NotFound(
          "profile '" + name + "' (from " + (o.profile.empty() ? "AWS_PROFILE" : "--profile") +
          ") is not in " + p.config_path + " or " + p.credentials_path));
    return ProviderLookup::Skip("no [default] profile in " + p.config_path + " or " +
                                p.credentials_path);
  }
  ProfileResolver resolver(http, o, std::move(p));
  auto provider = resolver.Build(name, {}, false);
  if (!provider.ok()) return ProviderLookup::Fail(provider.status());
  if (!*provider) return ProviderLookup::Skip("profile '" + name + "' holds no credentials");
  return ProviderLookup::Use(*provider);
}

}  // namespace rsx
