#include "tests/support/servers.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cstdlib>
#include <stdexcept>
#include <thread>

namespace attache::testing {

bool haveBinary(const std::string& name) {
  return runCommand({"sh", "-c", "command -v " + name}).exit_code == 0;
}

RedisServer::RedisServer(const std::vector<std::string>& extra_args) : port(freePort()) {
  args_ = {"redis-server", "--port", std::to_string(port), "--bind", "127.0.0.1",
           "--save",       "",       "--appendonly",       "no"};
  args_.insert(args_.end(), extra_args.begin(), extra_args.end());
  restart();
}

void RedisServer::restart() {
  process = ChildProcess::start(args_);
  if (!waitForPort(port)) throw std::runtime_error("redis-server did not start");
}

MemcachedServer::MemcachedServer() : port(freePort()) {
  process = ChildProcess::start(
      {"memcached", "-u", "nobody", "-l", "127.0.0.1", "-p", std::to_string(port), "-U", "0"});
  if (!waitForPort(port)) throw std::runtime_error("memcached did not start");
}

std::string ambassadorBinary() { return std::string(ATTACHE_BIN_DIR) + "/attache-ambassador"; }

ChildProcess startAmbassador(const std::vector<std::string>& args, int wait_port,
                             const std::string& log_path) {
  std::vector<std::string> argv{ambassadorBinary()};
  argv.insert(argv.end(), args.begin(), args.end());
  auto p = ChildProcess::start(argv, log_path);
  if (wait_port > 0 && !waitForPort(wait_port)) {
    throw std::runtime_error("attache-ambassador did not listen on " + std::to_string(wait_port));
  }
  return p;
}

std::string sanitizerReport(const std::string& log_path) {
  std::string log = readFile(log_path);
  std::string report;
  size_t pos = 0;
  while (pos < log.size()) {
    size_t eol = log.find('\n', pos);
    if (eol == std::string::npos) eol = log.size();
    std::string_view line(log.data() + pos, eol - pos);
    if (line.find("Sanitizer") != std::string_view::npos ||
        line.find("runtime error:") != std::string_view::npos) {
      report.append(line).append("\n");
    }
    pos = eol + 1;
  }
  return report;
}

TestClient::TestClient(int port) {
  fd_ = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  addr.sin_port = htons(static_cast<uint16_t>(port));
  if (::connect(fd_, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)) != 0) {
    ::close(fd_);
    fd_ = -1;
  }
}

TestClient::~TestClient() {
  if (fd_ >= 0) ::close(fd_);
}

void TestClient::sendRaw(const std::string& bytes) {
  size_t off = 0;
  while (fd_ >= 0 && off < bytes.size()) {
    ssize_t n = ::send(fd_, bytes.data() + off, bytes.size() - off, MSG_NOSIGNAL);
    if (n <= 0) return;
    off += static_cast<size_t>(n);
  }
}

std::string TestClient::pipeline(const std::string& requests, size_t expect_bytes,
                                 std::chrono::milliseconds read_after,
                                 std::chrono::milliseconds stall) {
  std::thread writer([this, &requests] { sendRaw(requests); });
  std::this_thread::sleep_for(read_after);
  std::string got = std::move(buf_);
  buf_.clear();
  std::vector<char> chunk(256 * 1024);
  while (fd_ >= 0 && got.size() < expect_bytes) {
    pollfd p{fd_, POLLIN, 0};
    if (::poll(&p, 1, static_cast<int>(stall.count())) <= 0) break;
    ssize_t n = ::recv(fd_, chunk.data(), chunk.size(), 0);
    if (n <= 0) break;
    got.append(chunk.data(), static_cast<size_t>(n));
  }
  if (fd_ >= 0) ::shutdown(fd_, SHUT_RDWR);  // a writer blocked on a stalled peer returns
  writer.join();
  return got;
}

std::string encodeCommand(const std::vector<std::string>& args) {
  std::string out = "*" + std::to_string(args.size()) + "\r\n";
  for (const auto& a : args) out += "$" + std::to_string(a.size()) + "\r\n" + a + "\r\n";
  return out;
}

std::string TestClient::command(const std::vector<std::string>& args) {
  sendRaw(encodeCommand(args));
  return readReply();
}

bool TestClient::fill(std::chrono::steady_clock::time_point deadline) {
  auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
      deadline - std::chrono::steady_clock::now());
  if (left.count() <= 0 || fd_ < 0) return false;
  pollfd p{fd_, POLLIN, 0};
  if (::poll(&p, 1, static_cast<int>(left.count())) <= 0) return false;
  char tmp[65536];
  ssize_t n = ::recv(fd_, tmp, sizeof(tmp), 0);
  if (n <= 0) return false;
  buf_.append(tmp, static_cast<size_t>(n));
  return true;
}

namespace {

// Length of the complete RESP frame at the start of `s`, or 0 when incomplete.
size_t frameLength(const std::string& s, size_t pos = 0) {
  auto eol = s.find("\r\n", pos);
  if (pos >= s.size() || eol == std::string::npos) return 0;
  char type = s[pos];
  long n = std::atol(s.c_str() + pos + 1);
  size_t after = eol + 2;
  if (type == '$') {
    if (n < 0) return after - pos;
    return s.size() >= after + static_cast<size_t>(n) + 2 ? after + static_cast<size_t>(n) + 2 - pos
                                                          : 0;
  }
  if (type == '*') {
    size_t p = after;
    for (long i = 0; i < n; ++i) {
      size_t len = frameLength(s, p);
      if (len == 0) return 0;
      p += len;
    }
    return p - pos;
  }
  return after - pos;
}

}  // namespace

std::string TestClient::readReply(std::chrono::milliseconds timeout) {
  auto deadline = std::chrono::steady_clock::now() + timeout;
  while (true) {
    if (size_t len = frameLength(buf_); len > 0) {
      std::string frame = buf_.substr(0, len);
      buf_.erase(0, len);
      return frame;
    }
    if (!fill(deadline)) return "";
  }
}

std::string TestClient::readUntil(const std::string& terminator,
                                  std::chrono::milliseconds timeout) {
  auto deadline = std::chrono::steady_clock::now() + timeout;
  while (true) {
    if (auto at = buf_.find(terminator); at != std::string::npos) {
      std::string out = buf_.substr(0, at + terminator.size());
      buf_.erase(0, at + terminator.size());
      return out;
    }
    if (!fill(deadline)) return buf_;
  }
}

bool TestClient::closedByPeer(std::chrono::milliseconds timeout) {
  pollfd p{fd_, POLLIN, 0};
  if (::poll(&p, 1, static_cast<int>(timeout.count())) <= 0) return false;
  char tmp[4096];
  while (true) {
    ssize_t n = ::recv(fd_, tmp, sizeof(tmp), MSG_DONTWAIT);
    if (n == 0) return true;
    if (n < 0) return false;
  }
}

std::pair<int, std::string> httpGet(int port, const std::string& path) {
  auto r = runCommand({"curl", "-s", "-o", "-", "-w", "\n%{http_code}",
                       "http://127.0.0.1:" + std::to_string(port) + path},
                      "", std::chrono::seconds(10));
  auto nl = r.out.rfind('\n');
  if (nl == std::string::npos) return {0, r.out};
  return {std::atoi(r.out.c_str() + nl + 1), r.out.substr(0, nl)};
}

}  // namespace attache::testing
