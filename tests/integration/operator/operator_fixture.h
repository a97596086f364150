// Integration fixture: a client for the harness's real kube-apiserver (KUBECONFIG), a test
// namespace, the real attache-operator binary started as a child process, a cuttable TCP proxy
// in front of the API server, and polling helpers.
#pragma once

#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <functional>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include <nlohmann/json.hpp>

#include "common/kube/kube_client.h"
#include "tests/support/subprocess.h"

namespace attache::controller::testing {

using nlohmann::json;

kube::KubeClientPtr makeClient();

// Polls pred every 20 ms until it holds or the timeout passes.
bool eventually(const std::function<bool()>& pred,
                std::chrono::milliseconds timeout = std::chrono::seconds(20));

// A TCP proxy on 127.0.0.1 to the API server; cut() closes every connection and the listener
// (clients see the API server vanish), restore() listens again on the same port.
class ApiProxy {
 public:
  explicit ApiProxy(int target_port);
  ~ApiProxy();
  int port() const { return port_; }
  void cut();
  void restore();

 private:
  void acceptLoop(int listen_fd);
  void pump(int a, int b);
  int target_port_;
  int port_ = 0;
  int listen_fd_ = -1;
  std::atomic<bool> open_{false};
  std::thread accept_thread_;
  std::mutex mu_;
  std::vector<int> fds_;
  std::vector<std::thread> pumps_;
};

class OperatorTest : public ::testing::Test {
 protected:
  void SetUp() override;
  void TearDown() override;

  // Starts attache-operator watching ns_; returns its admin port.
  int startOperator(const std::vector<std::string>& extra = {}, const std::string& kubeconfig = "");
  void stopOperators();
  std::string metrics(int admin_port);
  static double metricValue(const std::string& text, const std::string& series);

  json get(const kube::ResourceRef& ref, const std::string& name);
  void create(const kube::ResourceRef& ref, const json& obj);
  void setPodStatus(const std::string& name, const std::string& ip, bool ready);
  void createStatefulSet(const std::string& name, int replicas);
  void createPod(const std::string& name, const std::string& ip, bool ready);
  // The listener file in <name>-attache, parsed; null when absent.
  json listener(const std::string& resource_name);
  json condition(const json& obj, const std::string& type);

  kube::KubeClientPtr client_;
  std::string ns_;
  ::attache::testing::TempDir dir_;
  std::vector<std::unique_ptr<::attache::testing::ChildProcess>> operators_;
  std::vector<int> admin_ports_;
};

// The port the harness's kubeconfig points at, and a copy of it pointing elsewhere.
int apiServerPort();
std::string kubeconfigWithPort(const std::string& dir, int port);

}  // namespace attache::controller::testing
