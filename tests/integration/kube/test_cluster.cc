#include "tests/integration/kube/test_cluster.h"

#include <cstdlib>

#include "tests/support/kube.h"

namespace attache::kube::testing {

KubeClientPtr ClusterTest::client_;
std::string ClusterTest::namespace_;

ClusterConfig clusterConfig() {
  const char* path = std::getenv("KUBECONFIG");
  if (path == nullptr) {
    ADD_FAILURE() << "KUBECONFIG is not set (run through ctest: the local_cluster fixture)";
    return {};
  }
  auto config = loadKubeconfig(path);
  if (!config.ok()) ADD_FAILURE() << config.error().toString();
  return config.ok() ? *config : ClusterConfig{};
}

KubeClientPtr makeClusterClient() {
  auto client = makeRestClient(clusterConfig());
  if (!client.ok()) {
    ADD_FAILURE() << client.error().toString();
    return nullptr;
  }
  return std::move(*client);
}

void ClusterTest::SetUpTestSuite() {
  client_ = makeClusterClient();
  namespace_ = attache::testing::createTestNamespace("kube");
}

void ClusterTest::TearDownTestSuite() {
  attache::testing::deleteNamespace(namespace_);
  client_.reset();
}

nlohmann::json configMap(const std::string& name, nlohmann::json labels) {
  return {{"apiVersion", "v1"},
          {"kind", "ConfigMap"},
          {"metadata", {{"name", name}, {"labels", labels}}},
          {"data", {{"k", "v"}}}};
}

WatchEventCallback WatchRecorder::onEvent() {
  return [this](const WatchEvent& e) {
    std::lock_guard lock(mu_);
    events_.push_back(e);
    times_.push_back(std::chrono::steady_clock::now());
    cv_.notify_all();
  };
}

WatchDoneCallback WatchRecorder::onDone() {
  return [this](const Status& s) {
    std::lock_guard lock(mu_);
    done_ = s;
    times_.push_back(std::chrono::steady_clock::now());
    cv_.notify_all();
  };
}

bool WatchRecorder::waitFor(const std::function<bool(const std::vector<WatchEvent>&)>& pred,
                            std::chrono::milliseconds timeout) {
  std::unique_lock lock(mu_);
  return cv_.wait_for(lock, timeout, [&] { return pred(events_); });
}

std::optional<Status> WatchRecorder::waitDone(std::chrono::milliseconds timeout) {
  std::unique_lock lock(mu_);
  cv_.wait_for(lock, timeout, [&] { return done_.has_value(); });
  return done_;
}

std::vector<WatchEvent> WatchRecorder::events() {
  std::lock_guard lock(mu_);
  return events_;
}

int WatchRecorder::callbacksAfter(std::chrono::steady_clock::time_point t) {
  std::lock_guard lock(mu_);
  int n = 0;
  for (auto at : times_) n += at > t ? 1 : 0;
  return n;
}

std::string describe(const WatchEvent& event) {
  std::string out(watchEventTypeName(event.type));
  if (event.type != WatchEventType::kBookmark) {
    out += " " + event.object.value(nlohmann::json::json_pointer("/metadata/name"), std::string());
  }
  return out;
}

}  // namespace attache::kube::testing
