// The webhook's life around admission: a reset caBundle is re-patched, cert-manager files are
// reloaded without a restart, --native-sidecar=false, deregistration on exit, and the offline
// `inject` command (the same code as the golden files).
#include <gtest/gtest.h>

#include <csignal>
#include <thread>

#include "common/kube/kubeconfig.h"
#include "tests/integration/webhook/webhook_fixture.h"
#include "webhook/cert_lifecycle.h"

namespace attache::webhook::testing {
namespace {

using attache::testing::kubectl;
using nlohmann::json;

std::string caBundleOf(const std::string& config_name) {
  json c = kubectlJson({"get", "mutatingwebhookconfiguration", config_name, "-o", "json"});
  if (!c.is_object()) return "";
  auto pem = kube::base64Decode(c["webhooks"][0]["clientConfig"]["caBundle"].get<std::string>());
  return pem ? *pem : "";
}

TEST(WebhookLifecycleTest, AResetCaBundleIsPatchedBack) {
  WebhookProcess webhook;
  std::string why;
  ASSERT_TRUE(webhook.waitReady(&why)) << why;
  std::string good = caBundleOf(webhook.configName());
  ASSERT_NE(good.find("BEGIN CERTIFICATE"), std::string::npos);
  auto r = kubectl(
      {"patch", "mutatingwebhookconfiguration", webhook.configName(), "--type=json", "-p",
       R"([{"op":"replace","path":"/webhooks/0/clientConfig/caBundle","value":"Ym9ndXM="}])"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_TRUE(eventually([&] { return caBundleOf(webhook.configName()) == good; }))
      << webhook.log();
  std::string metrics = webhook.connect()->request("GET", "/metrics")->body;
  EXPECT_NE(metrics.find("attache_webhook_registration_changes_total 2"), std::string::npos)
      << metrics;
}

TEST(WebhookLifecycleTest, CertManagerFilesAreReloadedOnChange) {
  attache::testing::TempDir dir;
  CertPolicy policy;
  policy.ip_addresses = {"127.0.0.1"};
  auto now = std::chrono::system_clock::now();
  auto first = applyCertPlan({}, {CertAction::kRotateCa, "test"}, policy, now);
  auto second = applyCertPlan({}, {CertAction::kRotateCa, "test"}, policy, now);
  ASSERT_TRUE(first.ok() && second.ok());
  auto write = [&](const CertBundle& b) {
    attache::testing::writeFile(dir.file("tls.key"), b.key);
    attache::testing::writeFile(dir.file("tls.crt"), b.cert);
    attache::testing::writeFile(dir.file("ca.crt"), b.ca_bundle);
  };
  write(*first);
  WebhookProcess webhook({"--tls-cert-file", dir.file("tls.crt"), "--tls-key-file",
                          dir.file("tls.key"), "--tls-ca-file", dir.file("ca.crt")});
  std::string why;
  ASSERT_TRUE(webhook.waitReady(&why)) << why;
  EXPECT_EQ(webhook.connect(first->ca_bundle)->peerCertificatePem(), first->cert);
  EXPECT_EQ(caBundleOf(webhook.configName()), first->ca_bundle);

  write(*second);
  EXPECT_TRUE(eventually([&] {
    auto conn = webhook.connect(second->ca_bundle);
    return conn != nullptr && conn->peerCertificatePem() == second->cert;
  })) << webhook.log();
  EXPECT_TRUE(eventually([&] { return caBundleOf(webhook.configName()) == second->ca_bundle; }));
  // And the API server, trusting the new CA, still injects.
  std::string ns = webhook.createNamespace("wh-files");
  json pod = podManifest("after-rotation", {{"attache.dev/inject", "true"},
                                            {"attache.dev/sharded-services", "cache"}});
  EXPECT_TRUE(eventually([&] {
    json out =
        kubectlJson({"create", "--dry-run=server", "-o", "json", "-n", ns, "-f", "-"}, pod.dump());
    return out.is_object() && out["metadata"]["annotations"].contains("attache.dev/injected");
  }));
}

TEST(WebhookLifecycleTest, ContainerModeWhenNativeSidecarsAreOff) {
  WebhookProcess webhook({"--native-sidecar", "false"});
  std::string why;
  ASSERT_TRUE(webhook.waitReady(&why)) << why;
  std::string ns = webhook.createNamespace("wh-legacy");
  json pod = podManifest(
      "legacy", {{"attache.dev/inject", "true"}, {"attache.dev/sharded-services", "cache"}});
  json stored = kubectlJson({"create", "-o", "json", "-n", ns, "-f", "-"}, pod.dump());
  ASSERT_TRUE(stored.is_object());
  EXPECT_FALSE(stored["spec"].contains("initContainers"));
  ASSERT_EQ(stored["spec"]["containers"].size(), 2u);
  EXPECT_EQ(stored["spec"]["containers"][1]["name"], "attache-ambassador");
}

TEST(WebhookLifecycleTest, ShutdownRemovesTheLocalRegistration) {
  auto webhook = std::make_unique<WebhookProcess>();
  std::string why;
  ASSERT_TRUE(webhook->waitReady(&why)) << why;
  std::string name = webhook->configName();
  EXPECT_NE(webhook->log().find("native_sidecar=true"), std::string::npos) << webhook->log();
  webhook.reset();  // SIGTERM
  auto r = kubectl({"get", "mutatingwebhookconfiguration", name});
  EXPECT_NE(r.exit_code, 0);
  EXPECT_NE(r.err.find("NotFound"), std::string::npos) << r.err;
}

TEST(OfflineInjectTest, PrintsWhatTheGoldenFileHolds) {
  std::string golden =
      attache::testing::sourcePath("tests/unit/webhook/golden/pod-sharded-service");
  auto r = attache::testing::runCommand({webhookBinary(), "inject", "-f", golden + "/input.yaml",
                                         "--resources", golden + "/resources.yaml", "--proxy-image",
                                         "attache-ambassador:golden", "-o", "json"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  json out = json::parse(r.out);
  json want = json::parse(attache::testing::readFile(golden + "/injected.json"));
  out["metadata"]["annotations"]["attache.dev/injected"] = "golden";
  EXPECT_EQ(out, want);

  auto yaml = attache::testing::runCommand(
      {webhookBinary(), "inject", "-f", "-"},
      "kind: Pod\nmetadata: {name: p, annotations: {attache.dev/inject: \"true\", "
      "attache.dev/sharded-services: cache}}\nspec: {containers: [{name: app, image: a}]}\n");
  ASSERT_EQ(yaml.exit_code, 0) << yaml.err;
  EXPECT_NE(yaml.out.find("name: attache-ambassador"), std::string::npos) << yaml.out;
  EXPECT_NE(yaml.err.find("warning:"), std::string::npos);

  auto denied = attache::testing::runCommand(
      {webhookBinary(), "inject", "-f",
       attache::testing::sourcePath("tests/unit/webhook/golden/pod-binding-missing/input.yaml")});
  EXPECT_EQ(denied.exit_code, 1);
  EXPECT_NE(denied.err.find("ServiceBinding \"orders-db\" not found"), std::string::npos);
}

}  // namespace
}  // namespace attache::webhook::testing
