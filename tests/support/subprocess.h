// Test support: run a command to completion (capturing its output) or start a server in the
// background and stop it by PID. Tests use these for kubectl, redis-server, nutcracker, ...
#pragma once

#include <sys/types.h>

#include <chrono>
#include <string>
#include <vector>

namespace attache::testing {

struct CommandResult {
  int exit_code = -1;  // -1 when the command could not be run or timed out
  std::string out;     // stdout
  std::string err;     // stderr
};

// Runs argv[0] (looked up on PATH) with stdin fed from `input`; kills it after `timeout`.
CommandResult runCommand(const std::vector<std::string>& argv, const std::string& input = "",
                         std::chrono::milliseconds timeout = std::chrono::seconds(60));

// A background process, stopped (SIGTERM, then SIGKILL) when the object goes away.
class ChildProcess {
 public:
  ChildProcess() = default;
  ChildProcess(const ChildProcess&) = delete;
  ChildProcess& operator=(const ChildProcess&) = delete;
  ChildProcess(ChildProcess&& other) noexcept;
  ChildProcess& operator=(ChildProcess&& other) noexcept;
  ~ChildProcess();

  // stdout and stderr go to `log_path` (or /dev/null when empty).
  static ChildProcess start(const std::vector<std::string>& argv, const std::string& log_path = "");

  pid_t pid() const { return pid_; }
  bool running();
  // Sends `sig` and, for SIGTERM/SIGKILL, waits up to 5 s (then SIGKILL) for the exit.
  void stop(int sig = 15);

 private:
  pid_t pid_ = -1;
};

// A TCP port on 127.0.0.1 that was free a moment ago, and never handed out before by this
// process (the kernel may offer the same free port twice in a row).
int freePort();

// Polls until a TCP connect to 127.0.0.1:port succeeds or the deadline passes.
bool waitForPort(int port, std::chrono::milliseconds timeout = std::chrono::seconds(10));

// A fresh directory under $TMPDIR, removed with its contents by the destructor.
class TempDir {
 public:
  TempDir();
  ~TempDir();
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;
  const std::string& path() const { return path_; }
  std::string file(const std::string& name) const { return path_ + "/" + name; }

 private:
  std::string path_;
};

void writeFile(const std::string& path, const std::string& content);
std::string readFile(const std::string& path);

}  // namespace attache::testing
