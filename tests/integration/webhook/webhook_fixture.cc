#include "tests/integration/webhook/webhook_fixture.h"

#include <random>
#include <thread>

namespace attache::webhook::testing {

using attache::testing::kubectl;
using nlohmann::json;

std::string webhookBinary() { return std::string(ATTACHE_BIN_DIR) + "/attache-webhook"; }

WebhookProcess::WebhookProcess(std::vector<std::string> extra_args) {
  std::random_device rd;
  std::string suffix = std::to_string(rd() % 1000000);
  port_ = attache::testing::freePort();
  config_name_ = "attache-webhook-it-" + suffix;
  label_value_ = "it-" + suffix;
  const char* kubeconfig = std::getenv("KUBECONFIG");
  std::vector<std::string> argv{webhookBinary(),
                                "--kubeconfig",
                                kubeconfig != nullptr ? kubeconfig : "",
                                "--listen",
                                "127.0.0.1:" + std::to_string(port_),
                                "--self-register-url",
                                "https://127.0.0.1:" + std::to_string(port_) + "/mutate",
                                "--webhook-config-name",
                                config_name_,
                                "--require-namespace-label",
                                "--namespace-label",
                                "attache.dev/injection=" + label_value_,
                                "--namespace",
                                "attache-it-system",
                                "--proxy-image",
                                "attache-ambassador:it",
                                "--resync-period",
                                "1",
                                "--log-level",
                                "debug"};
  argv.insert(argv.end(), extra_args.begin(), extra_args.end());
  process_ = attache::testing::ChildProcess::start(argv, dir_.file("webhook.log"));
}

WebhookProcess::~WebhookProcess() {
  process_.stop();
  kubectl({"delete", "mutatingwebhookconfiguration", config_name_, "--ignore-not-found"});
  for (const auto& ns : namespaces_) attache::testing::deleteNamespace(ns);
}

std::string WebhookProcess::log() const {
  return attache::testing::readFile(dir_.file("webhook.log"));
}

std::unique_ptr<HttpsConnection> WebhookProcess::connect(const std::string& ca_pem) const {
  HttpsClientOptions o;
  o.ca_pem = ca_pem;
  o.insecure_skip_verify = ca_pem.empty();
  auto c = HttpsConnection::connect("127.0.0.1", port_, o);
  return c.ok() ? std::move(*c) : nullptr;
}

std::string WebhookProcess::createNamespace(const std::string& prefix, bool labelled) {
  std::string ns = attache::testing::createTestNamespace(prefix);
  namespaces_.push_back(ns);
  if (labelled) kubectl({"label", "namespace", ns, "attache.dev/injection=" + label_value_});
  return ns;
}

bool WebhookProcess::waitReady(std::string* why) {
  bool ready = eventually([&] {
    auto conn = connect();
    if (!conn) return false;
    auto res = conn->request("GET", "/readyz");
    return res.ok() && res->status == 200;
  });
  if (!ready) {
    *why = "the webhook never became ready; log:\n" + log();
    return false;
  }
  // The API server picks the configuration up asynchronously: wait until it calls us.
  std::string ns = createNamespace("wh-probe");
  json probe = podManifest(
      "probe", {{"attache.dev/inject", "true"}, {"attache.dev/sharded-services", "probe"}});
  bool called = eventually([&] {
    json out = kubectlJson({"create", "--dry-run=server", "-o", "json", "-n", ns, "-f", "-"},
                           probe.dump());
    return out.is_object() && out["metadata"]["annotations"].contains("attache.dev/injected");
  });
  if (!called) *why = "the API server never called the webhook; log:\n" + log();
  return called;
}

json kubectlJson(const std::vector<std::string>& args, const std::string& input, std::string* err) {
  auto r = kubectl(args, input);
  if (err != nullptr) *err = r.err;
  if (r.exit_code != 0) return json();
  return json::parse(r.out, nullptr, false);
}

json podManifest(const std::string& name, const json& annotations, json spec_extra) {
  json spec = {
      {"containers", json::array({{{"name", "app"}, {"image", "registry.example.com/app:1"}}})}};
  spec.update(spec_extra);
  return {{"apiVersion", "v1"},
          {"kind", "Pod"},
          {"metadata", {{"name", name}, {"annotations", annotations}}},
          {"spec", spec}};
}

json resubmittable(json object, const std::string& new_name) {
  json& meta = object["metadata"];
  for (const char* field : {"uid", "resourceVersion", "creationTimestamp", "managedFields",
                            "generation", "namespace"}) {
    meta.erase(field);
  }
  meta["name"] = new_name;
  object.erase("status");
  return object;
}

}  // namespace attache::webhook::testing
