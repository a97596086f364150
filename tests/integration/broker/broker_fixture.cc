#include "tests/integration/broker/broker_fixture.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <filesystem>
#include <stdexcept>

namespace attache::testing {

namespace fs = std::filesystem;

TlsRedis::TlsRedis(const TestPki& pki, const std::string& auth_clients) : tls_port(freePort()) {
  server = std::make_unique<RedisServer>(std::vector<std::string>{
      "--tls-port", std::to_string(tls_port), "--tls-cert-file", pki.server_crt, "--tls-key-file",
      pki.server_key, "--tls-ca-cert-file", pki.ca_crt, "--tls-auth-clients", auth_clients});
  if (!waitForPort(tls_port)) throw std::runtime_error("redis-server TLS port did not open");
}

EchoServer::EchoServer(bool reply_on_eof) : reply_on_eof_(reply_on_eof) {
  listen_fd_ = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  socklen_t len = sizeof(addr);
  if (::bind(listen_fd_, reinterpret_cast<sockaddr*>(&addr), len) != 0 ||
      ::listen(listen_fd_, 64) != 0 ||
      ::getsockname(listen_fd_, reinterpret_cast<sockaddr*>(&addr), &len) != 0) {
    throw std::runtime_error("echo server: cannot listen");
  }
  port_ = ntohs(addr.sin_port);
  acceptor_ = std::thread([this] {
    while (!stop_) {
      pollfd p{listen_fd_, POLLIN, 0};
      if (::poll(&p, 1, 100) <= 0) continue;
      int fd = ::accept(listen_fd_, nullptr, nullptr);
      if (fd >= 0) workers_.emplace_back([this, fd] { serve(fd); });
    }
  });
}

EchoServer::~EchoServer() {
  stop_ = true;
  acceptor_.join();
  for (auto& w : workers_) w.join();
  ::close(listen_fd_);
}

void EchoServer::serve(int fd) {
  char buf[65536];
  uint64_t total = 0;
  while (!stop_) {
    pollfd p{fd, POLLIN, 0};
    if (::poll(&p, 1, 100) <= 0) continue;
    ssize_t n = ::recv(fd, buf, sizeof(buf), 0);
    if (n <= 0) break;
    total += static_cast<uint64_t>(n);
    for (ssize_t off = 0; !reply_on_eof_ && off < n && !stop_;) {
      pollfd w{fd, POLLOUT, 0};
      if (::poll(&w, 1, 100) <= 0) continue;
      ssize_t m = ::send(fd, buf + off, static_cast<size_t>(n - off), MSG_NOSIGNAL | MSG_DONTWAIT);
      if (m <= 0 && errno != EAGAIN) break;
      if (m > 0) off += m;
    }
  }
  if (reply_on_eof_) {
    std::string reply = std::to_string(total) + "\n";
    ::send(fd, reply.data(), reply.size(), MSG_NOSIGNAL);
  }
  ::close(fd);
}

void BrokerFixture::SetUp() {
  for (const char* tool : {"redis-server", "redis-cli", "openssl"}) {
    if (!haveBinary(tool)) GTEST_SKIP() << "no " << tool;
  }
  pki_ = makePki(dir_.file("pki"), "Attache Test CA");
  fs::create_directories(dir_.file("config"));
  fs::create_directories(dir_.file("secrets"));
  port_ = freePort();
  admin_port_ = freePort();
}

void BrokerFixture::TearDown() {
  if (HasFailure() && fs::exists(dir_.file("ambassador.log"))) {
    std::cerr << "--- ambassador log ---\n" << readFile(dir_.file("ambassador.log"));
  }
}

std::string BrokerFixture::brokerJson(const std::string& name, int listen_port,
                                      const std::vector<std::pair<std::string, int>>& upstreams,
                                      const std::string& tls, const std::string& extra) const {
  std::string list;
  for (const auto& [host, port] : upstreams) {
    if (!list.empty()) list += ", ";
    list += R"({"host": ")" + host + R"(", "port": )" + std::to_string(port) + "}";
  }
  return R"({"name": ")" + name + R"(", "kind": "broker", "listen": "127.0.0.1:)" +
         std::to_string(listen_port) + R"(", "upstreams": [)" + list + "]" +
         (tls.empty() ? "" : R"(, "tls": )" + tls) + R"(, "connectTimeoutMs": 1000)" + extra + "}";
}

std::string BrokerFixture::tlsJson(const std::string& ca, const std::string& server_name,
                                   const std::string& cert, const std::string& key) const {
  std::string out =
      R"({"mode": "originate", "caFile": ")" + ca + R"(", "serverName": ")" + server_name + R"(")";
  if (!cert.empty()) out += R"(, "certFile": ")" + cert + R"(", "keyFile": ")" + key + R"(")";
  return out + "}";
}

void BrokerFixture::writeListener(const std::string& file, const std::string& json) {
  // Written aside and renamed in, so the ambassador never reads half a file.
  writeFile(dir_.file(file + ".tmp"), json);
  fs::rename(dir_.file(file + ".tmp"), dir_.file("config/" + file));
}

std::vector<std::string> BrokerFixture::publishSecrets(
    const std::map<std::string, std::string>& files) {
  const std::string root = dir_.file("secrets");
  const std::string version = "..v" + std::to_string(++secret_generation_);
  fs::create_directories(root + "/" + version);
  for (const auto& [name, content] : files) secrets_[name] = content;
  for (const auto& [name, content] : secrets_)
    writeFile(root + "/" + version + "/" + name, content);
  fs::create_symlink(version, root + "/..data_tmp");
  fs::rename(root + "/..data_tmp", root + "/..data");
  std::vector<std::string> paths;
  for (const auto& [name, content] : files) {
    if (!fs::is_symlink(root + "/" + name)) fs::create_symlink("..data/" + name, root + "/" + name);
    paths.push_back(root + "/" + name);
  }
  return paths;
}

void BrokerFixture::startProxy(int wait_port) {
  proxy_ = startAmbassador({"--config-dir", dir_.file("config"), "--admin",
                            "127.0.0.1:" + std::to_string(admin_port_), "--log-level", "info"},
                           wait_port, dir_.file("ambassador.log"));
  ASSERT_TRUE(waitForPort(admin_port_));
}

double BrokerFixture::metric(const std::string& series) {
  const std::string body = httpGet(admin_port_, "/metrics").second;
  const std::string needle = "\n" + series + " ";
  auto at = body.find(needle);
  if (at == std::string::npos) return -1;
  return std::stod(body.substr(at + needle.size()));
}

bool BrokerFixture::eventually(const std::function<bool()>& pred, int ms) {
  auto deadline = std::chrono::steady_clock::now() + std::chrono::milliseconds(ms);
  while (std::chrono::steady_clock::now() < deadline) {
    if (pred()) return true;
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  return pred();
}

bool BrokerFixture::pingThrough(int port) {
  TestClient c(port);
  return c.connected() && c.command({"PING"}) == "+PONG\r\n";
}

}  // namespace attache::testing
