// The real kube-apiserver calls attache-webhook: stored pods carry the ambassador, excluded and
// plain pods are untouched, a re-submitted injected pod gains nothing, impossible injections are
// denied with their reason, and the API server's own validation accepts every golden output.
#include <gtest/gtest.h>

#include <filesystem>
#include <thread>

#include "tests/integration/webhook/webhook_fixture.h"

namespace attache::webhook::testing {
namespace {

using attache::testing::kubectl;
using nlohmann::json;

class WebhookAdmissionTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    webhook_ = new WebhookProcess();
    std::string why;
    ready_ = webhook_->waitReady(&why);
    if (!ready_) std::fprintf(stderr, "%s\n", why.c_str());
  }
  static void TearDownTestSuite() {
    delete webhook_;
    webhook_ = nullptr;
  }
  void SetUp() override {
    ASSERT_TRUE(ready_) << "the webhook did not start (see above)";
    ns_ = webhook_->createNamespace("wh");
  }

  json createPod(const json& pod, const std::string& ns = "") {
    std::string err;
    json out = kubectlJson({"create", "-o", "json", "-n", ns.empty() ? ns_ : ns, "-f", "-"},
                           pod.dump(), &err);
    EXPECT_TRUE(out.is_object()) << err;
    return out;
  }
  json getPod(const std::string& name, const std::string& ns = "") {
    return kubectlJson({"get", "pod", name, "-o", "json", "-n", ns.empty() ? ns_ : ns});
  }

  static WebhookProcess* webhook_;
  static bool ready_;
  std::string ns_;
};

WebhookProcess* WebhookAdmissionTest::webhook_ = nullptr;
bool WebhookAdmissionTest::ready_ = false;

const json kCacheOptIn = {{"attache.dev/inject", "true"},
                          {"attache.dev/sharded-services", "cache"}};

json shardedService(const std::string& name, int port) {
  return {{"apiVersion", "attache.dev/v1alpha1"},
          {"kind", "ShardedService"},
          {"metadata", {{"name", name}}},
          {"spec",
           {{"protocol", "redis"},
            {"listenPort", port},
            {"shards", {{"statefulSet", {{"name", "sharded-redis"}, {"port", 6379}}}}}}}};
}

bool hasAmbassador(const json& pod) {
  for (const char* list : {"initContainers", "containers"}) {
    if (!pod["spec"].contains(list)) continue;
    for (const json& c : pod["spec"][list]) {
      if (c["name"] == "attache-ambassador") return true;
    }
  }
  return false;
}

TEST_F(WebhookAdmissionTest, TheStoredPodCarriesTheAmbassadorAsANativeSidecar) {
  ASSERT_EQ(
      kubectl({"create", "-n", ns_, "-f", "-"}, shardedService("cache", 7000).dump()).exit_code, 0);
  createPod(podManifest("web", kCacheOptIn));
  json pod = getPod("web");
  ASSERT_TRUE(pod.is_object());
  const json& sidecar = pod["spec"]["initContainers"][0];
  EXPECT_EQ(sidecar["name"], "attache-ambassador");
  EXPECT_EQ(sidecar["restartPolicy"], "Always");  // the cluster is 1.34: native sidecars
  EXPECT_EQ(sidecar["image"], "attache-ambassador:it");
  EXPECT_EQ(sidecar["startupProbe"]["httpGet"]["path"], "/readyz");
  EXPECT_EQ(pod["spec"]["containers"][0]["env"][0],
            json({{"name", "ATTACHE_CACHE_ADDR"}, {"value", "127.0.0.1:7000"}}));
  EXPECT_TRUE(pod["metadata"]["annotations"].contains("attache.dev/injected"));
  const json& sources = pod["spec"]["volumes"][0]["projected"]["sources"];
  EXPECT_EQ(sources[0]["configMap"]["name"], "cache-attache");
  EXPECT_EQ(sources[0]["configMap"]["optional"], true);
}

TEST_F(WebhookAdmissionTest, AResourceCreatedJustBeforeItsPodIsFound) {
  json binding = {
      {"apiVersion", "attache.dev/v1alpha1"},
      {"kind", "ServiceBinding"},
      {"metadata", {{"name", "orders-db"}}},
      {"spec",
       {{"listenPort", 5433},
        {"candidates",
         json::array({{{"external", {{"host", "db.example.com"}, {"port", 5432}}}}})}}}};
  json pod = podManifest("orders",
                         {{"attache.dev/inject", "true"}, {"attache.dev/bindings", "orders-db"}});
  json list = {{"apiVersion", "v1"}, {"kind", "List"}, {"items", json::array({binding, pod})}};
  auto r = kubectl({"create", "-n", ns_, "-f", "-"}, list.dump());
  ASSERT_EQ(r.exit_code, 0) << r.err;
  json stored = getPod("orders");
  EXPECT_EQ(stored["spec"]["containers"][0]["env"][0]["value"], "127.0.0.1:5433");
}

TEST_F(WebhookAdmissionTest, ExcludedAndPlainPodsAreUntouched) {
  std::vector<json> pods = {
      podManifest("plain", json::object()),
      podManifest("opted-out",
                  {{"attache.dev/inject", "false"}, {"attache.dev/sharded-services", "cache"}}),
      podManifest("host-network", kCacheOptIn, {{"hostNetwork", true}}),
      podManifest("no-references", {{"attache.dev/inject", "true"}}),
  };
  for (const json& p : pods) createPod(p);
  std::string unlabelled = webhook_->createNamespace("wh-off", /*labelled=*/false);
  createPod(podManifest("elsewhere", kCacheOptIn), unlabelled);
  for (const json& p : pods) {
    json stored = getPod(p["metadata"]["name"]);
    ASSERT_TRUE(stored.is_object());
    EXPECT_FALSE(hasAmbassador(stored)) << p["metadata"]["name"];
    EXPECT_FALSE(stored["metadata"]["annotations"].contains("attache.dev/injected"));
    EXPECT_EQ(stored["spec"]["containers"].size(), 1u);
  }
  EXPECT_FALSE(hasAmbassador(getPod("elsewhere", unlabelled)));
}

TEST_F(WebhookAdmissionTest, AResubmittedInjectedPodGainsNothing) {
  json first = createPod(podManifest("first", kCacheOptIn));
  ASSERT_TRUE(hasAmbassador(first));
  json second = createPod(resubmittable(first, "second"));
  ASSERT_TRUE(second.is_object());
  EXPECT_EQ(second["spec"]["initContainers"], first["spec"]["initContainers"]);
  EXPECT_EQ(second["spec"]["containers"], first["spec"]["containers"]);
  EXPECT_EQ(second["spec"]["volumes"], first["spec"]["volumes"]);
  EXPECT_EQ(second["metadata"]["annotations"], first["metadata"]["annotations"]);
}

TEST_F(WebhookAdmissionTest, AnImpossibleInjectionIsDeniedWithItsReason) {
  json pod = podManifest("orphan",
                         {{"attache.dev/inject", "true"}, {"attache.dev/bindings", "missing-db"}});
  auto r = kubectl({"create", "-n", ns_, "-f", "-"}, pod.dump());
  EXPECT_NE(r.exit_code, 0);
  EXPECT_NE(r.err.find("denied the request: attache: ServiceBinding \"missing-db\" not found"),
            std::string::npos)
      << r.err;
  json bad = podManifest("typo", {{"attache.dev/inject", "true"},
                                  {"attache.dev/sharded-services", "cache"},
                                  {"attache.dev/proxy-cpu-limit", "lots"}});
  auto r2 = kubectl({"create", "-n", ns_, "-f", "-"}, bad.dump());
  EXPECT_NE(r2.exit_code, 0);
  EXPECT_NE(r2.err.find("attache.dev/proxy-cpu-limit"), std::string::npos) << r2.err;
}

TEST_F(WebhookAdmissionTest, TheApiServerAcceptsEveryGoldenOutput) {
  namespace fs = std::filesystem;
  std::string plain_ns = webhook_->createNamespace("wh-golden", /*labelled=*/false);
  int checked = 0;
  for (const auto& entry :
       fs::directory_iterator(attache::testing::sourcePath("tests/unit/webhook/golden"))) {
    fs::path injected = entry.path() / "injected.json";
    if (!fs::exists(injected)) continue;
    json object = json::parse(attache::testing::readFile(injected.string()));
    object["metadata"].erase("namespace");
    auto r = kubectl({"create", "--dry-run=server", "-n", plain_ns, "-f", "-"}, object.dump());
    EXPECT_EQ(r.exit_code, 0) << entry.path().filename() << ": " << r.err;
    ++checked;
  }
  EXPECT_GT(checked, 15);
}

TEST_F(WebhookAdmissionTest, MetricsAndMalformedReviews) {
  createPod(podManifest("counted", kCacheOptIn));
  createPod(podManifest("skipped", json::object()));
  auto conn = webhook_->connect();
  ASSERT_NE(conn, nullptr);
  auto bad = conn->request("POST", "/mutate", "{\"apiVersion\": 1}");
  ASSERT_TRUE(bad.ok());
  EXPECT_EQ(bad->status, 400);
  std::string metrics = conn->request("GET", "/metrics")->body;
  for (const char* want : {"attache_webhook_injections_total",
                           "attache_webhook_skips_total{reason=\"not-annotated\"} 1",
                           "attache_webhook_failures_total{reason=\"malformed-review\"} 1",
                           "attache_webhook_admission_duration_seconds_bucket"}) {
    EXPECT_NE(metrics.find(want), std::string::npos) << want << "\n" << metrics;
  }
}

}  // namespace
}  // namespace attache::webhook::testing
