#include "emulator_process.h"

#include <chrono>
#include <filesystem>
#include <thread>

#include "rsx/strings.h"
#include "rsx/sts.h"

namespace rsx::test {

EmulatorProcess::EmulatorProcess(const std::vector<std::string>& extra_args) {
  auto ready = dir_.path() / "ready";
  auto env_file = dir_.path() / "env";
  std::string cmd =
      std::string(RSX_EMULATOR_BINARY) + " --ready-file " + ready.string() + " --print-env";
  for (const auto& a : extra_args) cmd += " '" + a + "'";
  cmd += " > " + env_file.string();
  child_ = std::make_unique<ChildProcess>(std::vector<std::string>{"sh", "-c", "exec " + cmd},
                                          (dir_.path() / "log").string());
  for (int i = 0; i < 600 && !std::filesystem::exists(ready); ++i)
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  if (!std::filesystem::exists(ready)) return;
  for (const auto& line : util::Split(ReadFile(env_file), '\n')) {
    if (!util::StartsWith(line, "export ")) continue;
    size_t eq = line.find('=');
    std::string v = line.substr(eq + 1);
    if (v.size() >= 2 && v.front() == '"') v = v.substr(1, v.size() - 2);
    env_[line.substr(7, eq - 7)] = v;
  }
  ok_ = env_.count("AWS_ENDPOINT_URL") > 0;
}

EmulatorProcess::~EmulatorProcess() { child_.reset(); }

std::string EmulatorProcess::log() const { return ReadFile(dir_.path() / "log"); }

Result<std::shared_ptr<CredentialsProvider>> EmulatorProcess::Role(
    std::shared_ptr<HttpClient> http) {
  auto base = NewStaticCredentialsProvider(
      {env_["AWS_ACCESS_KEY_ID"], env_["AWS_SECRET_ACCESS_KEY"], "", std::nullopt, "test"});
  StsOptions so;
  so.region = env_["AWS_REGION"];
  so.endpoint_url = env_["AWS_ENDPOINT_URL"];
  so.env = &no_env_;
  RSX_ASSIGN_OR_RETURN(auto sts, StsClient::Create(http, so));
  ChainOptions co;
  co.env = &no_env_;
  return NewAssumeRoleProvider(sts, base, {env_["RSX_ROLE_ARN"], env_["RSX_EXTERNAL_ID"], "", 3600},
                               co);
}

Result<std::shared_ptr<S3Client>> EmulatorProcess::S3() {
  auto http = NewCurlHttpClient({}, no_env_);
  RSX_ASSIGN_OR_RETURN(auto role, Role(http));
  return S3Client::Create(http, role, env_["AWS_REGION"], no_env_, env_["AWS_ENDPOINT_URL_S3"]);
}

Result<std::shared_ptr<DataApiClient>> EmulatorProcess::Client() {
  auto http = NewCurlHttpClient({}, no_env_);
  RSX_ASSIGN_OR_RETURN(auto role, Role(http));
  return DataApiClient::Create(
      http, role,
      {env_["AWS_REGION"], env_["RSX_WORKGROUP"], env_["RSX_DATABASE"], env_["AWS_ENDPOINT_URL"]},
      no_env_);
}

}  // namespace rsx::test
