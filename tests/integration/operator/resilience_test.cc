// Two replicas with one leader, and a watch broken under the operator.
//
// Breaking the watch: restarting the fixture's kube-apiserver would change its port (the
// harness picks free ports at start) and disturb every other test sharing the fixture, so the
// operator talks to the API server through a TCP proxy on 127.0.0.1 that the test cuts (every
// connection reset, the port refusing connections) and restores on the same port.
#include <gtest/gtest.h>

#include "common/kube/resource.h"
#include "tests/integration/operator/operator_fixture.h"

namespace attache::controller::testing {
namespace {

class ResilienceTest : public OperatorTest {};

json shardedService(const std::string& name, const std::string& sts) {
  return {{"apiVersion", "attache.dev/v1alpha1"},
          {"kind", "ShardedService"},
          {"metadata", {{"name", name}}},
          {"spec", {{"shards", {{"statefulSet", {{"name", sts}, {"port", 6379}}}}}}}};
}

std::string serverAddress(const json& listener, size_t i) {
  if (!listener.is_object() || listener["servers"].size() <= i) return "";
  return listener["servers"][i]["address"];
}

TEST_F(ResilienceTest, TwoReplicasHaveOneLeaderAndHandOver) {
  std::vector<std::string> fast = {"--lease-name",        "op-test", "--lease-duration-ms", "3000",
                                   "--renew-deadline-ms", "2000",    "--retry-period-ms",   "200"};
  int a = startOperator(fast);
  int b = startOperator(fast);
  createStatefulSet("redis", 1);
  createPod("redis-0", "10.0.0.1", true);
  create(kube::kShardedServices, shardedService("cache", "redis"));
  ASSERT_TRUE(eventually([&] { return serverAddress(listener("cache"), 0) == "10.0.0.1:6379"; }));
  auto leaders = [&] {
    return metricValue(metrics(a), "attache_operator_leader") +
           metricValue(metrics(b), "attache_operator_leader");
  };
  ASSERT_TRUE(eventually([&] { return leaders() == 1; }));
  int leader = metricValue(metrics(a), "attache_operator_leader") == 1 ? 0 : 1;
  int standby_port = leader == 0 ? b : a;
  // Only the leader reconciles.
  EXPECT_EQ(metricValue(metrics(standby_port), "attache_operator_reconcile_total"), 0);
  EXPECT_GT(metricValue(metrics(admin_ports_[leader]), "attache_operator_reconcile_total"), 0);
  json lease = get(kube::kLeases, "op-test");
  EXPECT_FALSE(lease["spec"].value("holderIdentity", "").empty());

  // The leader stops (SIGTERM releases the lease): the standby takes over and reconciles.
  operators_[leader]->stop();
  ASSERT_TRUE(
      eventually([&] { return metricValue(metrics(standby_port), "attache_operator_leader") == 1; },
                 std::chrono::seconds(10)));
  setPodStatus("redis-0", "10.0.0.2", true);
  EXPECT_TRUE(eventually([&] { return serverAddress(listener("cache"), 0) == "10.0.0.2:6379"; }));
}

TEST_F(ResilienceTest, ConvergesAfterTheApiServerConnectionBreaks) {
  int api_port = apiServerPort();
  ASSERT_NE(api_port, 0);
  ApiProxy proxy(api_port);
  std::string kubeconfig = kubeconfigWithPort(dir_.path(), proxy.port());
  int admin = startOperator({"--leader-elect=false"}, kubeconfig);
  createStatefulSet("redis", 2);
  createPod("redis-0", "10.0.0.1", true);
  createPod("redis-1", "10.0.0.2", true);
  create(kube::kShardedServices, shardedService("cache", "redis"));
  ASSERT_TRUE(eventually([&] { return serverAddress(listener("cache"), 1) == "10.0.0.2:6379"; }));
  double watches_before = metricValue(metrics(admin), "attache_operator_watch_restarts");

  proxy.cut();
  // The world changes while the operator cannot see it.
  setPodStatus("redis-1", "10.0.0.22", true);
  create(kube::kShardedServices, shardedService("cache2", "redis"));
  std::this_thread::sleep_for(std::chrono::seconds(2));
  EXPECT_EQ(serverAddress(listener("cache"), 1), "10.0.0.2:6379");
  proxy.restore();

  EXPECT_TRUE(eventually([&] { return serverAddress(listener("cache"), 1) == "10.0.0.22:6379"; }));
  EXPECT_TRUE(eventually([&] { return serverAddress(listener("cache2"), 1) == "10.0.0.22:6379"; }));
  EXPECT_GT(metricValue(metrics(admin), "attache_operator_watch_restarts"), watches_before);
  auto ready =
      ::attache::testing::runCommand({"curl", "-s", "-o", "/dev/null", "-w", "%{http_code}",
                                      "http://127.0.0.1:" + std::to_string(admin) + "/readyz"});
  EXPECT_EQ(ready.out, "200");
}

}  // namespace
}  // namespace attache::controller::testing
