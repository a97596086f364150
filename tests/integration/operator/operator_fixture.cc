#include "tests/integration/operator/operator_fixture.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cstdlib>
#include <regex>
#include <sstream>

#include "common/kube/kube_rest.h"
#include "common/kube/kubeconfig.h"
#include "common/kube/resource.h"
#include "tests/support/kube.h"

namespace attache::controller::testing {

using ::attache::testing::ChildProcess;

kube::KubeClientPtr makeClient() {
  const char* path = std::getenv("KUBECONFIG");
  if (path == nullptr) return nullptr;
  auto config = kube::loadKubeconfig(path);
  if (!config.ok()) return nullptr;
  auto client = kube::makeRestClient(*config);
  return client.ok() ? std::move(*client) : nullptr;
}

bool eventually(const std::function<bool()>& pred, std::chrono::milliseconds timeout) {
  auto deadline = std::chrono::steady_clock::now() + timeout;
  while (std::chrono::steady_clock::now() < deadline) {
    if (pred()) return true;
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  return pred();
}

int apiServerPort() {
  std::string text = ::attache::testing::readFile(std::getenv("KUBECONFIG"));
  std::smatch m;
  if (!std::regex_search(text, m, std::regex("server: https://127\\.0\\.0\\.1:(\\d+)"))) return 0;
  return std::stoi(m[1]);
}

std::string kubeconfigWithPort(const std::string& dir, int port) {
  std::string kubeconfig = std::getenv("KUBECONFIG");
  std::string text = ::attache::testing::readFile(kubeconfig);
  text = std::regex_replace(text, std::regex("server: https://127\\.0\\.0\\.1:\\d+"),
                            "server: https://127.0.0.1:" + std::to_string(port));
  // Relative certificate paths stay valid: keep the file next to the original when possible.
  std::string kube_dir = kubeconfig.substr(0, kubeconfig.rfind('/'));
  text = std::regex_replace(
      text, std::regex("(certificate-authority|client-certificate|client-key): (?!/)"),
      "$1: " + kube_dir + "/");
  std::string path = dir + "/kubeconfig-" + std::to_string(port);
  ::attache::testing::writeFile(path, text);
  return path;
}

// --- ApiProxy ---

ApiProxy::ApiProxy(int target_port) : target_port_(target_port) { restore(); }

ApiProxy::~ApiProxy() { cut(); }

void ApiProxy::restore() {
  int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  int one = 1;
  ::setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_port = htons(static_cast<uint16_t>(port_));
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  if (::bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)) != 0 || ::listen(fd, 64) != 0) {
    ::close(fd);
    ADD_FAILURE() << "proxy cannot listen on " << port_;
    return;
  }
  socklen_t len = sizeof(addr);
  ::getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len);
  port_ = ntohs(addr.sin_port);
  listen_fd_ = fd;
  open_ = true;
  accept_thread_ = std::thread([this, fd] { acceptLoop(fd); });
}

void ApiProxy::cut() {
  if (!open_.exchange(false)) return;
  ::shutdown(listen_fd_, SHUT_RDWR);
  if (accept_thread_.joinable()) accept_thread_.join();
  ::close(listen_fd_);
  std::vector<std::thread> pumps;
  {
    std::lock_guard lock(mu_);
    for (int fd : fds_) ::shutdown(fd, SHUT_RDWR);
    pumps.swap(pumps_);
  }
  for (auto& t : pumps) t.join();
  std::lock_guard lock(mu_);
  for (int fd : fds_) ::close(fd);
  fds_.clear();
}

void ApiProxy::acceptLoop(int listen_fd) {
  while (open_) {
    int client = ::accept(listen_fd, nullptr, nullptr);
    if (client < 0) return;
    int upstream = ::socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_port = htons(static_cast<uint16_t>(target_port_));
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    if (::connect(upstream, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)) != 0) {
      ::close(client);
      ::close(upstream);
      continue;
    }
    std::lock_guard lock(mu_);
    fds_.push_back(client);
    fds_.push_back(upstream);
    pumps_.emplace_back([this, client, upstream] { pump(client, upstream); });
  }
}

void ApiProxy::pump(int a, int b) {
  char buf[16384];
  pollfd fds[2] = {{a, POLLIN, 0}, {b, POLLIN, 0}};
  while (true) {
    if (::poll(fds, 2, 200) < 0) return;
    for (int i = 0; i < 2; ++i) {
      if (fds[i].revents == 0) continue;
      ssize_t n = ::read(fds[i].fd, buf, sizeof(buf));
      if (n <= 0) {
        ::shutdown(a, SHUT_RDWR);
        ::shutdown(b, SHUT_RDWR);
        return;
      }
      if (::send(fds[1 - i].fd, buf, static_cast<size_t>(n), MSG_NOSIGNAL) != n) return;
    }
  }
}

// --- OperatorTest ---

void OperatorTest::SetUp() {
  client_ = makeClient();
  ASSERT_TRUE(client_) << "KUBECONFIG must point at the test cluster";
  ns_ = ::attache::testing::createTestNamespace("op");
}

void OperatorTest::TearDown() {
  stopOperators();
  if (HasFailure()) {
    for (size_t i = 0; i < admin_ports_.size(); ++i) {
      std::string log =
          ::attache::testing::readFile(dir_.file("operator-" + std::to_string(i) + ".log"));
      std::printf("--- operator %zu log (last 4000 bytes)\n%s\n", i,
                  log.substr(log.size() > 4000 ? log.size() - 4000 : 0).c_str());
    }
  }
  if (!ns_.empty()) ::attache::testing::deleteNamespace(ns_);
}

int OperatorTest::startOperator(const std::vector<std::string>& extra,
                                const std::string& kubeconfig) {
  int port = ::attache::testing::freePort();
  std::vector<std::string> argv = {
      std::string(ATTACHE_BIN_DIR) + "/attache-operator",
      "--kubeconfig",
      kubeconfig.empty() ? std::string(std::getenv("KUBECONFIG")) : kubeconfig,
      "--namespace",
      ns_,
      "--admin",
      "127.0.0.1:" + std::to_string(port),
      "--lease-namespace",
      ns_,
      "--log-level",
      "debug"};
  argv.insert(argv.end(), extra.begin(), extra.end());
  std::string log = dir_.file("operator-" + std::to_string(operators_.size()) + ".log");
  operators_.push_back(std::make_unique<ChildProcess>(ChildProcess::start(argv, log)));
  admin_ports_.push_back(port);
  EXPECT_TRUE(::attache::testing::waitForPort(port)) << ::attache::testing::readFile(log);
  return port;
}

void OperatorTest::stopOperators() {
  for (auto& op : operators_) op->stop();
  operators_.clear();
}

std::string OperatorTest::metrics(int admin_port) {
  auto r = ::attache::testing::runCommand(
      {"curl", "-s", "http://127.0.0.1:" + std::to_string(admin_port) + "/metrics"});
  return r.out;
}

double OperatorTest::metricValue(const std::string& text, const std::string& series) {
  std::istringstream in(text);
  std::string line;
  double total = 0;
  while (std::getline(in, line)) {
    if (line.rfind(series, 0) != 0) continue;
    total += std::stod(line.substr(line.rfind(' ') + 1));
  }
  return total;
}

json OperatorTest::get(const kube::ResourceRef& ref, const std::string& name) {
  auto obj = client_->get(ref, ns_, name);
  return obj.ok() ? *obj : json();
}

void OperatorTest::create(const kube::ResourceRef& ref, const json& obj) {
  auto created = client_->create(ref, ns_, obj);
  ASSERT_TRUE(created.ok()) << created.error().toString();
}

void OperatorTest::setPodStatus(const std::string& name, const std::string& ip, bool ready) {
  json status = {{"phase", "Running"},
                 {"conditions", {{{"type", "Ready"}, {"status", ready ? "True" : "False"}}}}};
  status["podIP"] = ip.empty() ? json() : json(ip);
  status["podIPs"] = ip.empty() ? json() : json::array({{{"ip", ip}}});
  kube::PatchOptions options;
  options.status = true;
  auto r = client_->patch(kube::kPods, ns_, name, {{"status", status}}, options);
  ASSERT_TRUE(r.ok()) << r.error().toString();
}

void OperatorTest::createStatefulSet(const std::string& name, int replicas) {
  json labels = {{"app", name}};
  create(kube::kStatefulSets,
         {{"apiVersion", "apps/v1"},
          {"kind", "StatefulSet"},
          {"metadata", {{"name", name}}},
          {"spec",
           {{"replicas", replicas},
            {"serviceName", name},
            {"selector", {{"matchLabels", labels}}},
            {"template",
             {{"metadata", {{"labels", labels}}},
              {"spec", {{"containers", {{{"name", "redis"}, {"image", "redis:7"}}}}}}}}}}});
}

void OperatorTest::createPod(const std::string& name, const std::string& ip, bool ready) {
  create(kube::kPods, {{"apiVersion", "v1"},
                       {"kind", "Pod"},
                       {"metadata", {{"name", name}}},
                       {"spec", {{"containers", {{{"name", "redis"}, {"image", "redis:7"}}}}}}});
  if (!ip.empty()) setPodStatus(name, ip, ready);
}

json OperatorTest::listener(const std::string& resource_name) {
  json cm = get(kube::kConfigMaps, resource_name + "-attache");
  if (!cm.is_object() || !cm.contains("data")) return json();
  std::string text = cm["data"].value(resource_name + ".json", "");
  json parsed = json::parse(text, nullptr, false);
  return parsed.is_discarded() ? json() : parsed;
}

json OperatorTest::condition(const json& obj, const std::string& type) {
  if (!obj.is_object()) return json::object();
  for (const auto& c : obj.value("status", json::object()).value("conditions", json::array())) {
    if (c.value("type", "") == type) return c;
  }
  return json::object();
}

}  // namespace attache::controller::testing
