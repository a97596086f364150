// ShardedService against the real kube-apiserver: the real attache-operator binary publishes
// the listener ConfigMap and keeps status true while the test plays kubelet (pod status through
// the status subresource) and StatefulSet controller (creates the pods, scales).
#include <gtest/gtest.h>

#include "ambassador-image/proxy/config/listener_file.h"
#include "common/kube/resource.h"
#include "tests/integration/operator/operator_fixture.h"

namespace attache::controller::testing {
namespace {

json shardedService(const std::string& name, json shards) {
  return {{"apiVersion", "attache.dev/v1alpha1"},
          {"kind", "ShardedService"},
          {"metadata", {{"name", name}}},
          {"spec", {{"protocol", "redis"}, {"hashTag", "{}"}, {"shards", shards}}}};
}

json stsShards(const std::string& sts) {
  return {{"statefulSet", {{"name", sts}, {"port", 6379}}}};
}

std::vector<std::string> addresses(const json& listener) {
  std::vector<std::string> out;
  if (!listener.is_object()) return out;
  for (const auto& s : listener["servers"])
    out.push_back(s["name"].get<std::string>() + "=" + s["address"].get<std::string>());
  return out;
}

using Addrs = std::vector<std::string>;

class ShardedServiceTest : public OperatorTest {};

TEST_F(ShardedServiceTest, PublishesFollowsPodsScalesAndCleansUp) {
  createStatefulSet("redis", 3);
  for (int i = 0; i < 3; ++i)
    createPod("redis-" + std::to_string(i), "10.0.0." + std::to_string(i + 1), true);
  create(kube::kShardedServices, shardedService("cache", stsShards("redis")));
  startOperator({"--leader-elect=false"});

  ASSERT_TRUE(eventually([&] {
    return condition(get(kube::kShardedServices, "cache"), "Ready").value("status", "") == "True";
  }));
  EXPECT_EQ(addresses(listener("cache")),
            (Addrs{"redis-0=10.0.0.1:6379", "redis-1=10.0.0.2:6379", "redis-2=10.0.0.3:6379"}));
  json cm = get(kube::kConfigMaps, "cache-attache");
  EXPECT_EQ(cm["metadata"]["labels"]["app.kubernetes.io/managed-by"], "attache-operator");
  EXPECT_EQ(cm["metadata"]["ownerReferences"][0]["kind"], "ShardedService");
  EXPECT_EQ(cm["data"].size(), 1u);
  auto pool = ambassador::config::parseListenerFile(cm["data"]["cache.json"].get<std::string>());
  EXPECT_TRUE(pool.ok()) << (pool.ok() ? "" : pool.error().message);
  json status = get(kube::kShardedServices, "cache")["status"];
  EXPECT_EQ(status["readyShards"], 3);
  EXPECT_EQ(status["configMap"], "cache-attache");
  EXPECT_EQ(status["observedGeneration"], 1);
  EXPECT_FALSE(status.value("configHash", "").empty());

  // A pod IP change reaches the ConfigMap within a second.
  auto changed = std::chrono::steady_clock::now();
  setPodStatus("redis-1", "10.0.1.2", true);
  ASSERT_TRUE(eventually([&] { return addresses(listener("cache"))[1] == "redis-1=10.0.1.2:6379"; },
                         std::chrono::seconds(5)));
  EXPECT_LT(std::chrono::steady_clock::now() - changed, std::chrono::seconds(1));

  // Not ready: stays on the ring (stable placement), reported in status.
  setPodStatus("redis-2", "10.0.0.3", false);
  ASSERT_TRUE(eventually([&] {
    return condition(get(kube::kShardedServices, "cache"), "Degraded").value("reason", "") ==
           "ShardNotReady";
  }));
  EXPECT_EQ(addresses(listener("cache")).size(), 3u);
  EXPECT_EQ(get(kube::kShardedServices, "cache")["status"]["readyShards"], 2);
  setPodStatus("redis-2", "10.0.0.3", true);

  // Scale to 4: the new shard joins and the key movement is reported.
  auto scaled = client_->patch(kube::kStatefulSets, ns_, "redis", {{"spec", {{"replicas", 4}}}});
  ASSERT_TRUE(scaled.ok()) << scaled.error().toString();
  createPod("redis-3", "10.0.0.4", true);
  ASSERT_TRUE(eventually([&] { return addresses(listener("cache")).size() == 4u; }));
  ASSERT_TRUE(eventually([&] {
    return get(kube::kShardedServices, "cache")["status"].value("expectedKeyMovement", "") != "";
  }));
  double moved = std::stod(
      get(kube::kShardedServices, "cache")["status"]["expectedKeyMovement"].get<std::string>());
  EXPECT_GT(moved, 0.1);
  EXPECT_LT(moved, 0.4);

  // Delete: the owned ConfigMap goes too (no garbage collector in this control plane).
  ASSERT_TRUE(client_->remove(kube::kShardedServices, ns_, "cache").ok());
  EXPECT_TRUE(eventually([&] { return !get(kube::kConfigMaps, "cache-attache").is_object(); }));
}

TEST_F(ShardedServiceTest, EndpointsAndAMissingStatefulSetGetClearConditions) {
  create(kube::kShardedServices,
         shardedService(
             "fixed", {{"endpoints",
                        {{{"name", "b"}, {"host", "redis-b.example.com"}, {"port", 6380}},
                         {{"name", "a"}, {"host", "10.9.9.9"}, {"port", 6379}, {"weight", 2}}}}}));
  create(kube::kShardedServices, shardedService("orphan", stsShards("nope")));
  startOperator({"--leader-elect=false"});
  ASSERT_TRUE(eventually([&] { return addresses(listener("fixed")).size() == 2u; }));
  EXPECT_EQ(addresses(listener("fixed")), (Addrs{"a=10.9.9.9:6379", "b=redis-b.example.com:6380"}));
  EXPECT_EQ(listener("fixed")["servers"][0]["weight"], 2);
  ASSERT_TRUE(eventually([&] {
    return condition(get(kube::kShardedServices, "orphan"), "Ready").value("reason", "") ==
           "StatefulSetNotFound";
  }));
  EXPECT_EQ(condition(get(kube::kShardedServices, "orphan"), "Degraded")["status"], "True");
  // Fixing the world fixes the condition (reference-based requeue from the StatefulSet).
  createStatefulSet("nope", 1);
  createPod("nope-0", "10.0.0.7", true);
  EXPECT_TRUE(eventually([&] {
    return condition(get(kube::kShardedServices, "orphan"), "Ready").value("status", "") == "True";
  }));
  // A spec update bumps observedGeneration.
  auto patched =
      client_->patch(kube::kShardedServices, ns_, "fixed", {{"spec", {{"timeoutMs", 900}}}});
  ASSERT_TRUE(patched.ok());
  EXPECT_TRUE(eventually([&] { return listener("fixed").value("timeoutMs", 0) == 900; }));
  EXPECT_TRUE(eventually([&] {
    return get(kube::kShardedServices, "fixed")["status"].value("observedGeneration", 0) == 2;
  }));
}

TEST_F(ShardedServiceTest, TheApiServerRejectsSpecsTheSchemaForbids) {
  json bad = shardedService("bad", stsShards("redis"));
  bad["spec"]["hashTag"] = "{";
  auto created = client_->create(kube::kShardedServices, ns_, bad);
  ASSERT_FALSE(created.ok());
  EXPECT_NE(created.error().message.find("hashTag"), std::string::npos);
}

}  // namespace
}  // namespace attache::controller::testing
