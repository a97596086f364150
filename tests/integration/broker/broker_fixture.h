// Shared fixture for the broker tests (and the sharded TLS tests in integration/ambassador): a
// PKI, a config directory of listener files, the ambassador with an admin port, TLS
// redis-servers, and a TCP echo server.
#pragma once

#include <gtest/gtest.h>

#include <atomic>
#include <functional>
#include <map>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "tests/support/servers.h"
#include "tests/support/subprocess.h"
#include "tests/unit/ambassador/broker/test_certs.h"

namespace attache::testing {

// redis-server with a plain port (`port`, for the test's own checks) and a TLS port.
struct TlsRedis {
  TlsRedis(const TestPki& pki, const std::string& auth_clients);
  int tls_port = 0;
  std::unique_ptr<RedisServer> server;
};

// Echoes every byte back; or, with reply_on_eof, counts what it reads until EOF and then
// answers "<count>\n" and closes. One thread per connection; stopped by the destructor.
class EchoServer {
 public:
  explicit EchoServer(bool reply_on_eof = false);
  ~EchoServer();
  int port() const { return port_; }

 private:
  void serve(int fd);
  int listen_fd_ = -1;
  int port_ = 0;
  bool reply_on_eof_;
  std::atomic<bool> stop_{false};
  std::thread acceptor_;
  std::vector<std::thread> workers_;
};

class BrokerFixture : public ::testing::Test {
 protected:
  void SetUp() override;
  void TearDown() override;

  // A listener file body. `upstreams` are {host, port}; `tls` is the "tls" object or "";
  // `extra` more fields (", \"key\": value").
  std::string brokerJson(const std::string& name, int listen_port,
                         const std::vector<std::pair<std::string, int>>& upstreams,
                         const std::string& tls = "", const std::string& extra = "") const;
  std::string tlsJson(const std::string& ca, const std::string& server_name = "localhost",
                      const std::string& cert = "", const std::string& key = "") const;
  void writeListener(const std::string& file, const std::string& json);
  // Publishes Secret files the way kubelet does: all at once by a `..data` symlink swap.
  // Returns the visible path of each file, in order.
  std::vector<std::string> publishSecrets(const std::map<std::string, std::string>& files);
  void startProxy(int wait_port);

  // The value of one Prometheus series ("name{labels}"); -1 when absent.
  double metric(const std::string& series);
  // Polls `pred` every 50 ms for up to `ms`.
  static bool eventually(const std::function<bool()>& pred, int ms = 5000);
  // PING through the broker on a fresh connection.
  bool pingThrough(int port);

  TempDir dir_;
  TestPki pki_;
  ChildProcess proxy_;
  int port_ = 0;
  int admin_port_ = 0;
  int secret_generation_ = 0;
  std::map<std::string, std::string> secrets_;
};

}  // namespace attache::testing
