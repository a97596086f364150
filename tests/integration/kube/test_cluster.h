// Shared setup for the REST client's integration tests: a client for the fixture's real
// kube-apiserver (KUBECONFIG) and a namespace per test suite.
#pragma once

#include <gtest/gtest.h>

#include <chrono>
#include <condition_variable>
#include <functional>
#include <mutex>
#include <string>
#include <vector>

#include "common/kube/kube_rest.h"

namespace attache::kube::testing {

// The harness's kubeconfig, parsed (fails the test when absent).
ClusterConfig clusterConfig();
KubeClientPtr makeClusterClient();

class ClusterTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite();
  static void TearDownTestSuite();
  static KubeClient& client() { return *client_; }
  static const std::string& ns() { return namespace_; }

  static KubeClientPtr client_;
  static std::string namespace_;
};

nlohmann::json configMap(const std::string& name, nlohmann::json labels = nlohmann::json::object());

// Collects watch callbacks from the client's thread; the test waits on conditions.
class WatchRecorder {
 public:
  WatchEventCallback onEvent();
  WatchDoneCallback onDone();
  // Waits until pred(events) holds; false on timeout.
  bool waitFor(const std::function<bool(const std::vector<WatchEvent>&)>& pred,
               std::chrono::milliseconds timeout = std::chrono::seconds(10));
  // Waits for on_done; nullopt on timeout.
  std::optional<Status> waitDone(std::chrono::milliseconds timeout = std::chrono::seconds(10));
  std::vector<WatchEvent> events();
  int callbacksAfter(std::chrono::steady_clock::time_point t);

 private:
  std::mutex mu_;
  std::condition_variable cv_;
  std::vector<WatchEvent> events_;
  std::vector<std::chrono::steady_clock::time_point> times_;
  std::optional<Status> done_;
};

// "ADDED name" / "BOOKMARK" / ...
std::string describe(const WatchEvent& event);

}  // namespace attache::kube::testing
