#pragma once
// Helpers shared by tests: paths, files, temporary directories, child processes, free ports.

#include <filesystem>
#include <string>
#include <vector>

namespace rsx::test {

std::filesystem::path SharedDir();
std::filesystem::path SourceDir();
std::string ReadFile(const std::filesystem::path& p);
void WriteFile(const std::filesystem::path& p, const std::string& text);

// A directory removed when the object goes away.
class TempDir {
 public:
  TempDir();
  ~TempDir();
  const std::filesystem::path& path() const { return path_; }

 private:
  std::filesystem::path path_;
};

// Runs `argv` with `env` (NAME=VALUE entries; the whole environment), waits, returns exit
// code, and captures stdout/stderr.
struct ProcessResult {
  int exit_code = -1;
  std::string out, err;
};
ProcessResult RunProcess(const std::vector<std::string>& argv, const std::vector<std::string>& env,
                         const std::string& stdin_text = "");

// A free TCP port on 127.0.0.1 (bound then released).
int FreePort();

// A background child process (e.g. moto_server), killed on destruction.
class ChildProcess {
 public:
  ChildProcess(const std::vector<std::string>& argv, const std::string& log_path);
  ~ChildProcess();
  int pid() const { return pid_; }

 private:
  int pid_ = -1;
};

// Waits until something accepts TCP connections on 127.0.0.1:port; false after timeout_ms.
bool WaitForPort(int port, int timeout_ms);

}  // namespace rsx::test
