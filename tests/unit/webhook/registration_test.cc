// The MutatingWebhookConfiguration: local mode creates and corrects it; in-cluster mode only
// keeps the caBundle of the chart's configuration; resets are repaired.
#include <gtest/gtest.h>

#include "common/kube/fake_kube_client.h"
#include "common/kube/kubeconfig.h"
#include "webhook/registration.h"

namespace attache::webhook {
namespace {

using nlohmann::json;

RegistrationOptions localOptions() {
  RegistrationOptions o;
  o.url = "https://127.0.0.1:8443/mutate";
  o.excluded_namespaces = {"kube-system", "attache-system"};
  o.require_namespace_label = true;
  return o;
}

std::string caBundleOf(const json& config, size_t i = 0) {
  return *kube::base64Decode(config["webhooks"][i]["clientConfig"]["caBundle"].get<std::string>());
}

TEST(DesiredWebhookConfigurationTest, PodsCreateOnlyWithAUrlAndScoping) {
  json c = desiredWebhookConfiguration(localOptions(), "CA");
  const json& w = c["webhooks"][0];
  EXPECT_EQ(c["metadata"]["name"], "attache-webhook");
  EXPECT_EQ(w["clientConfig"]["url"], "https://127.0.0.1:8443/mutate");
  EXPECT_EQ(caBundleOf(c), "CA");
  EXPECT_EQ(w["rules"][0]["operations"], json::array({"CREATE"}));
  EXPECT_EQ(w["rules"][0]["resources"], json::array({"pods"}));
  EXPECT_EQ(w["sideEffects"], "None");
  EXPECT_EQ(w["admissionReviewVersions"], json::array({"v1"}));
  const json& exprs = w["namespaceSelector"]["matchExpressions"];
  ASSERT_EQ(exprs.size(), 2u);
  EXPECT_EQ(exprs[0]["operator"], "NotIn");
  EXPECT_EQ(exprs[1]["key"], "attache.dev/injection");
  EXPECT_EQ(exprs[1]["values"], json::array({"enabled"}));
}

TEST(ReconcileRegistrationTest, LocalModeCreatesThenLeavesAloneThenRepairs) {
  kube::FakeKubeClient client;
  auto created = reconcileRegistration(client, localOptions(), "CA1");
  ASSERT_TRUE(created.ok()) << created.error().toString();
  EXPECT_EQ(*created, RegistrationChange::kCreated);
  EXPECT_EQ(*reconcileRegistration(client, localOptions(), "CA1"), RegistrationChange::kNone);

  // Someone resets the caBundle; the server also defaults fields we did not set.
  auto current = client.get(kube::kMutatingWebhookConfigurations, "", "attache-webhook");
  json reset = *current;
  reset["webhooks"][0]["clientConfig"]["caBundle"] = "";
  reset["webhooks"][0]["clientConfig"]["service"] = nullptr;
  reset["webhooks"][0]["rules"][0]["extra"] = "defaulted";
  ASSERT_TRUE(client.replace(kube::kMutatingWebhookConfigurations, "", reset).ok());
  EXPECT_EQ(*reconcileRegistration(client, localOptions(), "CA1"), RegistrationChange::kUpdated);
  EXPECT_EQ(caBundleOf(*client.get(kube::kMutatingWebhookConfigurations, "", "attache-webhook")),
            "CA1");
  EXPECT_EQ(*reconcileRegistration(client, localOptions(), "CA2"), RegistrationChange::kUpdated);
}

TEST(ReconcileRegistrationTest, InClusterModeOnlySetsEveryCaBundle) {
  kube::FakeKubeClient client;
  RegistrationOptions o;  // no URL
  auto missing = reconcileRegistration(client, o, "CA");
  ASSERT_FALSE(missing.ok());
  EXPECT_EQ(missing.error().code, ErrorCode::kNotFound);

  json chart = {
      {"apiVersion", "admissionregistration.k8s.io/v1"},
      {"kind", "MutatingWebhookConfiguration"},
      {"metadata", {{"name", "attache-webhook"}}},
      {"webhooks",
       json::array(
           {{{"name", "inject.attache.dev"},
             {"clientConfig", {{"service", {{"name", "attache-webhook"}, {"namespace", "a"}}}}},
             {"failurePolicy", "Ignore"}},
            {{"name", "second.attache.dev"}, {"clientConfig", json::object()}}})}};
  ASSERT_TRUE(client.create(kube::kMutatingWebhookConfigurations, "", chart).ok());
  EXPECT_EQ(*reconcileRegistration(client, o, "CA"), RegistrationChange::kUpdated);
  auto got = client.get(kube::kMutatingWebhookConfigurations, "", "attache-webhook");
  EXPECT_EQ(caBundleOf(*got, 0), "CA");
  EXPECT_EQ(caBundleOf(*got, 1), "CA");
  EXPECT_EQ((*got)["webhooks"][0]["failurePolicy"], "Ignore");  // the chart's choice stays
  EXPECT_EQ((*got)["webhooks"][0]["clientConfig"]["service"]["name"], "attache-webhook");
  EXPECT_EQ(*reconcileRegistration(client, o, "CA"), RegistrationChange::kNone);
}

TEST(RemoveRegistrationTest, DeletesAndToleratesAbsence) {
  kube::FakeKubeClient client;
  ASSERT_TRUE(reconcileRegistration(client, localOptions(), "CA").ok());
  EXPECT_TRUE(removeRegistration(client, localOptions()).ok());
  EXPECT_FALSE(client.get(kube::kMutatingWebhookConfigurations, "", "attache-webhook").ok());
  EXPECT_TRUE(removeRegistration(client, localOptions()).ok());
}

TEST(ContainsAllTest, ComparesOnlyWhatIsWanted) {
  EXPECT_TRUE(containsAll({{"a", 1}, {"b", 2}}, {{"a", 1}}));
  EXPECT_FALSE(containsAll({{"a", 1}}, {{"a", 2}}));
  EXPECT_TRUE(containsAll(json::object(), {{"a", json::object()}}));
  EXPECT_FALSE(containsAll({{"l", {1, 2}}}, {{"l", {1}}}));
  EXPECT_TRUE(containsAll({{"l", {{{"x", 1}, {"y", 2}}}}}, {{"l", {{{"x", 1}}}}}));
}

}  // namespace
}  // namespace attache::webhook
