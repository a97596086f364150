// The runtime (informer, leader election) and the whole operator wired over FakeKubeClient.
#include <gtest/gtest.h>

#include <functional>
#include <thread>

#include "common/kube/fake_kube_client.h"
#include "operator/controllers/manager.h"
#include "operator/controllers/owned_config.h"
#include "operator/runtime/informer.h"
#include "operator/runtime/leader_election.h"

namespace attache::controller {
namespace {

using nlohmann::json;
using std::chrono::milliseconds;

bool eventually(const std::function<bool()>& pred, milliseconds timeout = milliseconds(5000)) {
  auto deadline = std::chrono::steady_clock::now() + timeout;
  while (std::chrono::steady_clock::now() < deadline) {
    if (pred()) return true;
    std::this_thread::sleep_for(milliseconds(5));
  }
  return pred();
}

json configMap(const std::string& name) {
  return {{"metadata", {{"name", name}, {"namespace", "ns"}}}, {"data", {{"k", "v"}}}};
}

TEST(Informer, ListsWatchesAndRelistsAfterGone) {
  kube::FakeKubeClient fake;
  ASSERT_TRUE(fake.seed(kube::kConfigMaps, configMap("a")).ok());
  Informer informer(fake, InformerOptions{kube::kConfigMaps, "ns"});
  std::atomic<int> deletes{0};
  informer.addHandler([&](ChangeType type, const ObjectPtr&, const ObjectPtr&) {
    if (type == ChangeType::kDeleted) deletes++;
  });
  informer.start();
  ASSERT_TRUE(eventually([&] { return informer.hasSynced() && fake.activeWatchCount() == 1; }));
  EXPECT_TRUE(informer.store().get("ns", "a"));
  ASSERT_TRUE(fake.create(kube::kConfigMaps, "ns", configMap("b")).ok());
  ASSERT_TRUE(eventually([&] { return informer.store().get("ns", "b") != nullptr; }));
  // 410 Gone: the informer relists and watches again; the deletion is reported once.
  fake.setWatchDelivery(kube::WatchDelivery::kManual);
  ASSERT_TRUE(fake.remove(kube::kConfigMaps, "ns", "a").ok());
  fake.compactHistory();
  fake.endWatches(Status(Error{ErrorCode::kGone, "too old"}));
  fake.flushWatchEvents();
  fake.setWatchDelivery(kube::WatchDelivery::kSynchronous);
  ASSERT_TRUE(eventually([&] { return informer.store().get("ns", "a") == nullptr; }));
  EXPECT_TRUE(eventually([&] { return informer.stats().relists_gone.load() >= 1; }));
  EXPECT_TRUE(eventually([&] { return fake.activeWatchCount() == 1; }));
  EXPECT_EQ(deletes.load(), 1);  // seen once, by the watch or the relist
  informer.stop();
}

TEST(Informer, RetriesWhenTheApiServerIsUnavailable) {
  kube::FakeKubeClient fake;
  fake.failNext(kube::Verb::kList, unavailable("down"), 2);
  Informer informer(fake, InformerOptions{kube::kConfigMaps, "ns"});
  informer.start();
  EXPECT_TRUE(eventually([&] { return informer.hasSynced(); }));
  EXPECT_GE(informer.stats().errors.load(), 2);
}

LeaderElectionOptions lease(const std::string& id) {
  LeaderElectionOptions o;
  o.lease_namespace = "kube-system";
  o.identity = id;
  o.lease_duration = milliseconds(600);
  o.renew_deadline = milliseconds(400);
  o.retry_period = milliseconds(50);
  return o;
}

TEST(LeaderElector, OneLeaderAndAHandOverOnRelease) {
  kube::FakeKubeClient fake;
  LeaderElector a(fake, lease("a"), nullptr, nullptr);
  LeaderElector b(fake, lease("b"), nullptr, nullptr);
  a.start();
  ASSERT_TRUE(eventually([&] { return a.isLeader(); }));
  b.start();
  std::this_thread::sleep_for(milliseconds(300));
  EXPECT_FALSE(b.isLeader());
  a.stop();  // releases
  EXPECT_TRUE(eventually([&] { return b.isLeader(); }, milliseconds(2000)));
  auto held = fake.get(kube::kLeases, "kube-system", "attache-operator");
  EXPECT_EQ((*held)["spec"]["holderIdentity"], "b");
}

TEST(LeaderElector, TakesOverAnExpiredLease) {
  kube::FakeKubeClient fake;
  json stale = {
      {"metadata", {{"name", "attache-operator"}, {"namespace", "kube-system"}}},
      {"spec", {{"holderIdentity", "dead"}, {"leaseDurationSeconds", 1}, {"renewTime", "x"}}}};
  ASSERT_TRUE(fake.seed(kube::kLeases, stale).ok());
  auto options = lease("b");
  LeaderElector b(fake, options, nullptr, nullptr);
  b.start();
  EXPECT_FALSE(eventually([&] { return b.isLeader(); }, milliseconds(500)));
  EXPECT_TRUE(eventually([&] { return b.isLeader(); }, milliseconds(2000)));
}

json pod(const std::string& name, const std::string& ip, bool ready) {
  return {{"metadata", {{"name", name}, {"namespace", "ns"}}},
          {"status",
           {{"podIP", ip},
            {"conditions", {{{"type", "Ready"}, {"status", ready ? "True" : "False"}}}}}}};
}

std::string listenerOf(kube::FakeKubeClient& fake) {
  auto cm = fake.get(kube::kConfigMaps, "ns", "cache-attache");
  return cm.ok() ? (*cm)["data"].value("cache.json", "") : "";
}

TEST(Manager, PublishesAndFollowsPodChanges) {
  kube::FakeKubeClient fake;
  ASSERT_TRUE(
      fake.seed(kube::kStatefulSets, {{"metadata", {{"name", "redis"}, {"namespace", "ns"}}},
                                      {"spec", {{"replicas", 2}}}})
          .ok());
  ASSERT_TRUE(fake.seed(kube::kPods, pod("redis-0", "10.0.0.1", true)).ok());
  ASSERT_TRUE(fake.seed(kube::kPods, pod("redis-1", "10.0.0.2", true)).ok());
  json cr = {{"apiVersion", "attache.dev/v1alpha1"},
             {"kind", "ShardedService"},
             {"metadata", {{"name", "cache"}, {"namespace", "ns"}}},
             {"spec", {{"shards", {{"statefulSet", {{"name", "redis"}, {"port", 6379}}}}}}}};
  ASSERT_TRUE(fake.create(kube::kShardedServices, "ns", cr).ok());
  OperatorMetrics metrics;
  Manager manager(fake, ManagerOptions{}, &metrics);
  manager.startInformers();
  ASSERT_TRUE(eventually([&] { return manager.synced(); }));
  manager.startControllers();
  ASSERT_TRUE(
      eventually([&] { return listenerOf(fake).find("10.0.0.2:6379") != std::string::npos; }));
  ASSERT_TRUE(fake.patch(kube::kPods, "ns", "redis-1", {{"status", {{"podIP", "10.0.0.9"}}}},
                         kube::PatchOptions{kube::PatchType::kMerge, true})
                  .ok());
  EXPECT_TRUE(
      eventually([&] { return listenerOf(fake).find("10.0.0.9:6379") != std::string::npos; }));
  auto status = [&] { return (*fake.get(kube::kShardedServices, "ns", "cache"))["status"]; };
  EXPECT_TRUE(eventually([&] { return status().value("readyShards", 0) == 2; }));
  EXPECT_NE(metrics.render().find("attache_operator_reconcile_total"), std::string::npos);
  manager.stop();
}

TEST(Manager, AnInvalidSpecGetsAConditionAndAnEvent) {
  kube::FakeKubeClient fake;  // no schema validation here: what an old CRD would let through
  json cr = {{"apiVersion", "attache.dev/v1alpha1"},
             {"kind", "ShardedService"},
             {"metadata", {{"name", "bad"}, {"namespace", "ns"}}},
             {"spec",
              {{"hash", "sha1"},
               {"shards", {{"endpoints", {{{"name", "a"}, {"host", "h"}, {"port", 1}}}}}}}}};
  ASSERT_TRUE(fake.create(kube::kShardedServices, "ns", cr).ok());
  Manager manager(fake, ManagerOptions{}, nullptr);
  manager.startInformers();
  ASSERT_TRUE(eventually([&] { return manager.synced(); }));
  manager.startControllers();
  auto ready = [&] {
    json status = (*fake.get(kube::kShardedServices, "ns", "bad")).value("status", json::object());
    const json* c = findCondition(status, "Ready");
    return c == nullptr ? json::object() : *c;
  };
  ASSERT_TRUE(eventually([&] { return ready().value("reason", "") == "InvalidSpec"; }));
  EXPECT_EQ(ready()["message"], "spec.hash: unknown hash \"sha1\"");
  auto events = fake.list(kube::kEvents, "ns");
  ASSERT_TRUE(events.ok());
  ASSERT_EQ(events->items.size(), 1u);
  EXPECT_EQ(events->items[0]["reason"], "InvalidSpec");
  EXPECT_FALSE(fake.get(kube::kConfigMaps, "ns", "bad-attache").ok());
  manager.stop();
}

}  // namespace
}  // namespace attache::controller
