// Test support: real servers on 127.0.0.1 free ports (redis-server, memcached, nutcracker, the
// ambassador itself) and a small blocking client for RESP and memcached text.
#pragma once

#include <chrono>
#include <string>
#include <vector>

#include "tests/support/subprocess.h"

namespace attache::testing {

bool haveBinary(const std::string& name);

struct RedisServer {
  explicit RedisServer(const std::vector<std::string>& extra_args = {});
  int port = 0;
  ChildProcess process;
  void stop() { process.stop(); }
  void restart();  // same port
 private:
  std::vector<std::string> args_;
};

struct MemcachedServer {
  MemcachedServer();
  int port = 0;
  ChildProcess process;
};

// attache-ambassador from the build tree, with `args`; waits until `wait_port` accepts.
ChildProcess startAmbassador(const std::vector<std::string>& args, int wait_port,
                             const std::string& log_path = "");
std::string ambassadorBinary();

// Lines of a sanitizer report (ASan, UBSan, LSan) in a process log; "" when clean. Tests stop
// the processes they started, then assert this is empty so a child's memory error fails them.
std::string sanitizerReport(const std::string& log_path);

// A blocking TCP client for tests.
class TestClient {
 public:
  explicit TestClient(int port);
  ~TestClient();
  TestClient(const TestClient&) = delete;
  TestClient& operator=(const TestClient&) = delete;

  bool connected() const { return fd_ >= 0; }
  void sendRaw(const std::string& bytes);
  // One RESP command as an array of bulk strings; returns the raw reply frame.
  std::string command(const std::vector<std::string>& args);
  // Reads one complete RESP reply frame (raw); "" on timeout or EOF.
  std::string readReply(std::chrono::milliseconds timeout = std::chrono::seconds(5));
  // Reads until `terminator` appears at the end of what was read (memcached "END\r\n").
  std::string readUntil(const std::string& terminator,
                        std::chrono::milliseconds timeout = std::chrono::seconds(5));
  // True when the server closed the connection (reads EOF within the timeout).
  bool closedByPeer(std::chrono::milliseconds timeout = std::chrono::seconds(2));
  // A client far ahead of its replies: a second thread sends all of `requests` while this one
  // waits `read_after` before reading, until `expect_bytes` have come or nothing has come for
  // `stall`. Returns what was read. The connection is shut down afterwards.
  std::string pipeline(const std::string& requests, size_t expect_bytes,
                       std::chrono::milliseconds read_after,
                       std::chrono::milliseconds stall = std::chrono::seconds(10));

 private:
  bool fill(std::chrono::steady_clock::time_point deadline);
  int fd_ = -1;
  std::string buf_;
};

std::string encodeCommand(const std::vector<std::string>& args);
// An HTTP GET on 127.0.0.1:port; returns {status, body}.
std::pair<int, std::string> httpGet(int port, const std::string& path);

}  // namespace attache::testing
