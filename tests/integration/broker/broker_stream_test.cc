// A plain-TCP broker listener in front of a TCP echo server: a large transfer keeps the
// ambassador's memory bounded, a reader that stops reading stops the writer (backpressure),
// a half-close is forwarded, SIGTERM drains open connections before exiting, and the listener
// file's idleTimeoutMs closes idle connections (applied again on reload).
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <signal.h>
#include <sys/socket.h>
#include <unistd.h>

#include <fstream>

#include "tests/integration/broker/broker_fixture.h"

namespace attache::testing {
namespace {

constexpr size_t kMiB = 1 << 20;

// VmHWM / VmRSS of a process, in bytes.
size_t procStatus(pid_t pid, const std::string& key) {
  std::ifstream in("/proc/" + std::to_string(pid) + "/status");
  for (std::string line; std::getline(in, line);) {
    if (line.rfind(key + ":", 0) == 0) return std::stoul(line.substr(key.size() + 1)) * 1024;
  }
  return 0;
}

int connectTo(int port) {
  int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  addr.sin_port = htons(static_cast<uint16_t>(port));
  if (::connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)) != 0) {
    ::close(fd);
    return -1;
  }
  return fd;
}

char patternAt(size_t i) { return static_cast<char>((i * 31 + i / 4093) % 251); }

// Reads exactly `n` bytes (checking the pattern from `offset`); returns the count read.
size_t readPattern(int fd, size_t n, size_t offset, bool* intact) {
  std::vector<char> buf(256 * 1024);
  size_t got = 0;
  while (got < n) {
    pollfd p{fd, POLLIN, 0};
    if (::poll(&p, 1, 10000) <= 0) break;
    ssize_t r = ::recv(fd, buf.data(), std::min(buf.size(), n - got), 0);
    if (r <= 0) break;
    for (ssize_t i = 0; i < r; ++i) {
      if (buf[static_cast<size_t>(i)] != patternAt(offset + got + static_cast<size_t>(i))) {
        *intact = false;
      }
    }
    got += static_cast<size_t>(r);
  }
  return got;
}

class BrokerStreamTest : public BrokerFixture {
 protected:
  void startEchoBroker(bool reply_on_eof = false, const std::string& extra = "") {
    echo_ = std::make_unique<EchoServer>(reply_on_eof);
    writeListener("pipe.json",
                  brokerJson("pipe", port_, {{"127.0.0.1", echo_->port()}}, "", extra));
    startProxy(port_);
    baseline_ = procStatus(proxy_.pid(), "VmRSS");
  }
  std::unique_ptr<EchoServer> echo_;
  size_t baseline_ = 0;
};

TEST_F(BrokerStreamTest, RelaysAHundredMegabytesWithBoundedMemory) {
  startEchoBroker();
  const size_t total = 100 * kMiB;
  int fd = connectTo(port_);
  ASSERT_GE(fd, 0);
  std::thread writer([fd, total] {
    std::vector<char> chunk(256 * 1024);
    for (size_t sent = 0; sent < total;) {
      size_t n = std::min(chunk.size(), total - sent);
      for (size_t i = 0; i < n; ++i) chunk[i] = patternAt(sent + i);
      for (size_t off = 0; off < n;) {
        ssize_t w = ::send(fd, chunk.data() + off, n - off, MSG_NOSIGNAL);
        if (w <= 0) return;
        off += static_cast<size_t>(w);
      }
      sent += n;
    }
  });
  bool intact = true;
  const size_t got = readPattern(fd, total, 0, &intact);
  writer.join();
  ::close(fd);
  EXPECT_EQ(got, total);
  EXPECT_TRUE(intact);
  const size_t peak = procStatus(proxy_.pid(), "VmHWM");
  EXPECT_LT(peak, baseline_ + 16 * kMiB) << "baseline " << baseline_ << " peak " << peak;
  EXPECT_EQ(metric(R"(attache_broker_bytes_total{listener="pipe",direction="downstream"})"),
            static_cast<double>(total));
}

TEST_F(BrokerStreamTest, StopsReadingTheWriterWhileTheOtherSideDoesNotRead) {
  startEchoBroker();
  int fd = connectTo(port_);
  ASSERT_GE(fd, 0);
  ::fcntl(fd, F_SETFL, O_NONBLOCK);
  // Write without reading the echo: everything fills up until the writer is stopped.
  std::vector<char> chunk(64 * 1024);
  size_t sent = 0;
  while (sent < 400 * kMiB) {
    pollfd p{fd, POLLOUT, 0};
    if (::poll(&p, 1, 1000) <= 0) break;  // no room for a second: the writer is held back
    for (size_t i = 0; i < chunk.size(); ++i) chunk[i] = patternAt(sent + i);
    ssize_t w = ::send(fd, chunk.data(), chunk.size(), MSG_NOSIGNAL);
    if (w > 0) sent += static_cast<size_t>(w);
    if (w > 0 && static_cast<size_t>(w) < chunk.size()) {
      // Finish this chunk so the byte stream stays a prefix of the pattern.
      for (size_t off = static_cast<size_t>(w); off < chunk.size();) {
        pollfd q{fd, POLLOUT, 0};
        if (::poll(&q, 1, 1000) <= 0) break;
        ssize_t m = ::send(fd, chunk.data() + off, chunk.size() - off, MSG_NOSIGNAL);
        if (m > 0) off += static_cast<size_t>(m), sent += static_cast<size_t>(m);
      }
    }
  }
  EXPECT_LT(sent, 200 * kMiB) << "only socket buffers and the broker's bounded buffers fill";
  EXPECT_LT(procStatus(proxy_.pid(), "VmHWM"), baseline_ + 16 * kMiB);
  EXPECT_GE(metric(R"(attache_broker_backpressure_pauses_total{listener="pipe"})"), 1);
  ::fcntl(fd, F_SETFL, 0);
  bool intact = true;
  EXPECT_EQ(readPattern(fd, sent, 0, &intact), sent) << "everything arrives once read";
  EXPECT_TRUE(intact);
  ::close(fd);
}

TEST_F(BrokerStreamTest, ForwardsAHalfCloseAndKeepsTheOtherDirectionOpen) {
  startEchoBroker(/*reply_on_eof=*/true);
  int fd = connectTo(port_);
  ASSERT_GE(fd, 0);
  ASSERT_EQ(::send(fd, "eleven byte", 11, MSG_NOSIGNAL), 11);
  ::shutdown(fd, SHUT_WR);
  std::string reply;
  char buf[64];
  for (ssize_t n; (n = ::recv(fd, buf, sizeof(buf), 0)) > 0;)
    reply.append(buf, static_cast<size_t>(n));
  ::close(fd);
  EXPECT_EQ(reply, "11\n") << "the upstream saw EOF, answered, and the answer arrived";
}

TEST_F(BrokerStreamTest, DrainsOpenConnectionsOnSigtermAndThenExits) {
  startEchoBroker();
  auto live = std::make_unique<TestClient>(port_);
  live->sendRaw("before\n");
  ASSERT_EQ(live->readUntil("\n"), "before\n");
  ::kill(proxy_.pid(), SIGTERM);
  EXPECT_TRUE(eventually([&] { return !TestClient(port_).connected(); })) << "stops accepting";
  EXPECT_EQ(httpGet(admin_port_, "/readyz").first, 503);
  live->sendRaw("during\n");
  EXPECT_EQ(live->readUntil("\n"), "during\n") << "the open connection carries on";
  EXPECT_TRUE(proxy_.running());
  live.reset();
  EXPECT_TRUE(eventually([&] { return !proxy_.running(); }, 3000)) << "exits once drained";
}

TEST_F(BrokerStreamTest, ClosesConnectionsIdleLongerThanTheListenersIdleTimeout) {
  startEchoBroker(false, R"(, "idleTimeoutMs": 300)");
  TestClient idle(port_);
  idle.sendRaw("hello\n");
  ASSERT_EQ(idle.readUntil("\n"), "hello\n");
  const auto start = std::chrono::steady_clock::now();
  EXPECT_TRUE(idle.closedByPeer(std::chrono::milliseconds(3000)));
  EXPECT_GE(std::chrono::steady_clock::now() - start, std::chrono::milliseconds(200));
  EXPECT_EQ(metric(R"(attache_broker_idle_timeouts_total{listener="pipe"})"), 1);
  EXPECT_NE(httpGet(admin_port_, "/config").second.find(R"("idleTimeoutMs": 300)"),
            std::string::npos);
  // A reload to 0 (never) applies to the connections that follow.
  writeListener("pipe.json", brokerJson("pipe", port_, {{"127.0.0.1", echo_->port()}}, "",
                                        R"(, "idleTimeoutMs": 0)"));
  ASSERT_TRUE(eventually([&] {
    return httpGet(admin_port_, "/config").second.find(R"("idleTimeoutMs": 0)") !=
           std::string::npos;
  }));
  TestClient kept(port_);
  kept.sendRaw("hello\n");
  ASSERT_EQ(kept.readUntil("\n"), "hello\n");
  EXPECT_FALSE(kept.closedByPeer(std::chrono::milliseconds(800)));
  kept.sendRaw("still here\n");
  EXPECT_EQ(kept.readUntil("\n"), "still here\n");
}

TEST_F(BrokerStreamTest, RefusesAnInvalidIdleTimeoutAndNamesTheField) {
  writeListener("pipe.json", brokerJson("pipe", port_, {{"127.0.0.1", freePort()}}, "",
                                        R"(, "idleTimeoutMs": -5)"));
  auto r = runCommand({ambassadorBinary(), "--config-dir", dir_.file("config"), "-t"});
  EXPECT_NE(r.exit_code, 0);
  EXPECT_NE((r.out + r.err).find("idleTimeoutMs: is out of range"), std::string::npos)
      << r.out << r.err;
}

}  // namespace
}  // namespace attache::testing
