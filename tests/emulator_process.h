#pragma once
// Starts rsx-emulator (built beside the tests) for one test and opens a DataApiClient on it as
// the default customer role.

#include <map>
#include <memory>
#include <string>

#include "rsx/data_api.h"
#include "rsx/s3.h"
#include "test_util.h"

namespace rsx::test {

class EmulatorProcess {
 public:
  explicit EmulatorProcess(const std::vector<std::string>& extra_args = {});
  ~EmulatorProcess();
  bool ok() const { return ok_; }
  std::string log() const;
  const std::map<std::string, std::string>& env() const { return env_; }
  // A client signed as the assumed customer role.
  Result<std::shared_ptr<DataApiClient>> Client();
  // An S3 client of the emulator's S3, signed as the same role.
  Result<std::shared_ptr<S3Client>> S3();

 private:
  Result<std::shared_ptr<CredentialsProvider>> Role(std::shared_ptr<HttpClient> http);
  MapEnvironment no_env_;  // clients see no process environment; outlives them
  TempDir dir_;
  std::unique_ptr<ChildProcess> child_;
  std::map<std::string, std::string> env_;
  bool ok_ = false;
};

}  // namespace rsx::test
