// A running attache-webhook in local mode against the test cluster, and kubectl helpers.
#pragma once

#include <chrono>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include <nlohmann/json.hpp>

#include "tests/support/kube.h"
#include "tests/support/subprocess.h"
#include "webhook/https_client.h"

namespace attache::webhook::testing {

// attache-webhook with --self-register-url on a free port, scoped to namespaces carrying its
// own label value (so concurrent test processes never see each other's webhook).
class WebhookProcess {
 public:
  // Extra flags are appended (e.g. --tls-cert-file ...).
  explicit WebhookProcess(std::vector<std::string> extra_args = {});
  ~WebhookProcess();

  // Waits for /readyz and for the API server to call the webhook; false (with the log) when not.
  bool waitReady(std::string* why);
  int port() const { return port_; }
  const std::string& configName() const { return config_name_; }
  // "attache.dev/injection=<value>": the label a namespace needs to be injected.
  const std::string& labelValue() const { return label_value_; }
  std::string log() const;
  std::unique_ptr<HttpsConnection> connect(const std::string& ca_pem = "") const;

  // A fresh namespace labelled for this webhook (or not), deleted by the destructor.
  std::string createNamespace(const std::string& prefix, bool labelled = true);

 private:
  int port_ = 0;
  std::string config_name_, label_value_;
  attache::testing::TempDir dir_;
  attache::testing::ChildProcess process_;
  std::vector<std::string> namespaces_;
};

std::string webhookBinary();

// kubectl with its stdout parsed as JSON (null when it failed; `err` gets stderr).
nlohmann::json kubectlJson(const std::vector<std::string>& args, const std::string& input = "",
                           std::string* err = nullptr);

// A pod manifest annotated with `annotations`, one container "app".
nlohmann::json podManifest(const std::string& name, const nlohmann::json& annotations,
                           nlohmann::json spec_extra = nlohmann::json::object());

// The stored object's copy for re-submission: server-set metadata and status removed.
nlohmann::json resubmittable(nlohmann::json object, const std::string& new_name);

// Polls `pred` every 100 ms up to `seconds`.
template <typename Pred>
bool eventually(Pred pred, int seconds = 20) {
  for (int i = 0; i < seconds * 10; ++i) {
    if (pred()) return true;
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  return false;
}

}  // namespace attache::webhook::testing
