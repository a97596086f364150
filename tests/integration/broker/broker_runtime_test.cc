// BrokerRuntime in process, on its own event loop: the idle timeout (from the listener's
// idle_timeout_ms; 0 never closes) and a client refused when no candidate can be reached.
#include "ambassador-image/proxy/broker/broker_runtime.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/post.hpp>
#include <future>

#include "common/logging.h"
#include "tests/integration/broker/broker_fixture.h"

namespace attache::ambassador::broker {
namespace {

using attache::testing::EchoServer;
using attache::testing::freePort;
using attache::testing::TestClient;

// The runtime on a loop thread; clients reach it through a loopback listener of the test.
class RuntimeHarness {
 public:
  explicit RuntimeHarness(int upstream_port, int idle_timeout_ms = 3600000) {
    config::PoolConfig cfg;
    cfg.name = "inproc";
    cfg.kind = config::ListenerKind::kBroker;
    cfg.protocol = config::Protocol::kTcp;
    cfg.connect_timeout_ms = 500;
    cfg.retry_timeout_ms = 2000;
    cfg.idle_timeout_ms = idle_timeout_ms;
    config::ServerConfig s;
    s.host = "127.0.0.1";
    s.port = static_cast<uint16_t>(upstream_port);
    s.name = s.address();
    cfg.servers.push_back(s);
    runtime_ = std::make_unique<BrokerRuntime>(io_, cfg, componentLogger("broker-test"));
    EXPECT_TRUE(runtime_->start().ok());
    listen_fd_ = ::socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    socklen_t len = sizeof(addr);
    ::bind(listen_fd_, reinterpret_cast<sockaddr*>(&addr), len);
    ::listen(listen_fd_, 8);
    ::getsockname(listen_fd_, reinterpret_cast<sockaddr*>(&addr), &len);
    port_ = ntohs(addr.sin_port);
    thread_ = std::thread([this] { io_.run(); });
  }
  ~RuntimeHarness() {
    asio::post(io_, [this] {
      runtime_.reset();
      work_.reset();
    });
    thread_.join();
    ::close(listen_fd_);
  }
  // Connects a test client and hands the accepted socket to the runtime.
  std::unique_ptr<TestClient> connect() {
    auto client = std::make_unique<TestClient>(port_);
    int fd = ::accept(listen_fd_, nullptr, nullptr);
    asio::post(io_, [this, fd] { runtime_->adopt(fd); });
    return client;
  }
  // Reads the stats on the loop thread.
  BrokerStats stats() {
    std::promise<BrokerStats> p;
    asio::post(io_, [&] { p.set_value(runtime_->stats()); });
    return p.get_future().get();
  }

 private:
  asio::io_context io_;
  asio::executor_work_guard<asio::io_context::executor_type> work_{io_.get_executor()};
  std::unique_ptr<BrokerRuntime> runtime_;
  int listen_fd_ = -1;
  int port_ = 0;
  std::thread thread_;
};

TEST(BrokerRuntimeTest, ClosesAConnectionThatStaysIdle) {
  EchoServer echo;
  RuntimeHarness h(echo.port(), /*idle_timeout_ms=*/300);
  auto c = h.connect();
  c->sendRaw("ping\n");
  ASSERT_EQ(c->readUntil("\n"), "ping\n");
  const auto start = std::chrono::steady_clock::now();
  EXPECT_TRUE(c->closedByPeer(std::chrono::milliseconds(3000)));
  EXPECT_GE(std::chrono::steady_clock::now() - start, std::chrono::milliseconds(200));
  EXPECT_EQ(h.stats().idle_timeouts, 1u);
  EXPECT_EQ(h.stats().connections, 0);
}

TEST(BrokerRuntimeTest, NeverClosesAnIdleConnectionWhenTheIdleTimeoutIsZero) {
  EchoServer echo;
  RuntimeHarness h(echo.port(), /*idle_timeout_ms=*/0);
  auto c = h.connect();
  c->sendRaw("ping\n");
  ASSERT_EQ(c->readUntil("\n"), "ping\n");
  EXPECT_FALSE(c->closedByPeer(std::chrono::milliseconds(600)));
  c->sendRaw("still there\n");
  EXPECT_EQ(c->readUntil("\n"), "still there\n");
  EXPECT_EQ(h.stats().idle_timeouts, 0u);
}

TEST(BrokerRuntimeTest, ClosesTheClientWhenNoCandidateCanBeReached) {
  RuntimeHarness h(freePort());
  auto c = h.connect();
  EXPECT_TRUE(c->closedByPeer(std::chrono::milliseconds(3000)));
  auto st = h.stats();
  EXPECT_EQ(st.unavailable, 1u);
  EXPECT_EQ(st.connections, 0);
  EXPECT_EQ(st.relayed_total, 0u);
}

}  // namespace
}  // namespace attache::ambassador::broker
