// End to end, as `make demo` tells it, with assertions: ShardedService -> operator -> ConfigMap;
// annotated pod -> API server -> webhook -> injected sidecar; that sidecar run as injected ->
// keys on the right shards (the same as twemproxy's), a shard failure, a pod IP change followed
// live; a ServiceBinding whose first candidate is missing brokers to the second; a Job-like pod
// gets a native sidecar.
#include <gtest/gtest.h>

#include <chrono>
#include <functional>
#include <map>
#include <memory>
#include <nlohmann/json.hpp>
#include <random>
#include <string>
#include <thread>
#include <vector>

#include "tests/support/kube.h"
#include "tests/support/servers.h"
#include "tests/support/subprocess.h"

namespace {

using ::attache::testing::ChildProcess;
using ::attache::testing::CommandResult;
using ::attache::testing::freePort;
using ::attache::testing::httpGet;
using ::attache::testing::kubectl;
using ::attache::testing::readFile;
using ::attache::testing::runCommand;
using ::attache::testing::sourcePath;
using ::attache::testing::TempDir;
using ::attache::testing::TestClient;
using ::attache::testing::waitForPort;
using ::attache::testing::writeFile;
using nlohmann::json;

bool eventually(const std::function<bool()>& done,
                std::chrono::milliseconds timeout = std::chrono::seconds(30)) {
  auto deadline = std::chrono::steady_clock::now() + timeout;
  while (std::chrono::steady_clock::now() < deadline) {
    if (done()) return true;
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  return done();
}

bool waitForAddress(const std::string& host, int port) {
  return eventually(
      [&] {
        return runCommand({"redis-cli", "-h", host, "-p", std::to_string(port), "ping"}).out ==
               "PONG\n";
      },
      std::chrono::seconds(10));
}

// A redis-server on host:port (an address of the 127/8 loopback network).
std::unique_ptr<ChildProcess> startRedis(const std::string& host, int port) {
  auto p = std::make_unique<ChildProcess>(
      ChildProcess::start({"redis-server", "--bind", host, "--port", std::to_string(port), "--save",
                           "", "--appendonly", "no"}));
  EXPECT_TRUE(waitForAddress(host, port)) << host << ":" << port;
  return p;
}

long dbsize(const std::string& host, int port) {
  auto r = runCommand({"redis-cli", "-h", host, "-p", std::to_string(port), "dbsize"});
  return r.exit_code == 0 ? std::stol(r.out) : -1;
}

std::string randomOctet() {
  std::random_device rd;
  return std::to_string(10 + rd() % 240);
}

// One e2e environment: a namespace labelled for this suite's webhook, the operator watching it,
// the webhook registered (local mode) for namespaces carrying that label.
class EndToEnd : public ::testing::Test {
 protected:
  void SetUp() override {
    ns_ = ::attache::testing::createTestNamespace("e2e");
    label_ = "attache.dev/e2e-" + ns_;
    ASSERT_EQ(kubectl({"label", "namespace", ns_, label_ + "=enabled"}).exit_code, 0);
    const std::string bin = ATTACHE_BIN_DIR;
    op_admin_ = freePort();
    processes_.push_back(std::make_unique<ChildProcess>(
        ChildProcess::start({bin + "/attache-operator", "--kubeconfig", kubeconfig(), "--namespace",
                             ns_, "--admin", "127.0.0.1:" + std::to_string(op_admin_),
                             "--lease-namespace", ns_, "--log-level", "debug"},
                            dir_.file("operator.log"))));
    int wh = freePort();
    std::string url = "https://127.0.0.1:" + std::to_string(wh) + "/mutate";
    processes_.push_back(std::make_unique<ChildProcess>(ChildProcess::start(
        // Attache's own namespace is never injected: not the one the test's pods live in.
        {bin + "/attache-webhook", "--kubeconfig", kubeconfig(), "--namespace", ns_ + "-system",
         "--listen", "127.0.0.1:" + std::to_string(wh), "--self-register-url", url,
         "--webhook-config-name", "attache-" + ns_, "--require-namespace-label",
         "--namespace-label", label_ + "=enabled", "--log-level", "debug"},
        dir_.file("webhook.log"))));
    ASSERT_TRUE(eventually([&] { return httpGet(op_admin_, "/readyz").first == 200; }))
        << readFile(dir_.file("operator.log"));
    ASSERT_TRUE(eventually([&] {
      return runCommand({"curl", "-fsk", "https://127.0.0.1:" + std::to_string(wh) + "/readyz"})
                 .exit_code == 0;
    })) << readFile(dir_.file("webhook.log"));
  }

  void TearDown() override {
    for (auto& p : sidecars_) p->stop();
    for (auto& p : processes_) p->stop();
    for (auto& p : redis_) p->stop();
    if (HasFailure()) {
      for (const char* log : {"operator.log", "webhook.log", "sidecar.log"}) {
        std::string text = readFile(dir_.file(log));
        std::printf("--- %s (last 3000 bytes)\n%s\n", log,
                    text.substr(text.size() > 3000 ? text.size() - 3000 : 0).c_str());
      }
    }
    for (const char* log : {"operator.log", "webhook.log", "sidecar.log"}) {
      EXPECT_EQ(::attache::testing::sanitizerReport(dir_.file(log)), "") << log;
    }
    ::attache::testing::deleteNamespace(ns_);
  }

  static std::string kubeconfig() { return std::getenv("KUBECONFIG"); }

  CommandResult apply(const std::string& yaml) {
    return kubectl({"apply", "-n", ns_, "-f", "-"}, yaml);
  }

  // An integer field of an object, or -1 while it is absent (status not written yet).
  int field(const std::string& what, const std::string& name, const std::string& pointer) {
    json obj = get(what, name);
    json::json_pointer ptr(pointer);
    return obj.contains(ptr) && obj[ptr].is_number_integer() ? obj[ptr].get<int>() : -1;
  }

  json get(const std::string& what, const std::string& name) {
    auto r = kubectl({"get", what, name, "-n", ns_, "-o", "json"});
    return r.exit_code == 0 ? json::parse(r.out) : json();
  }

  // A Pod object standing in for a running pod at `ip` (no kubelet here: the test sets status).
  void createPod(const std::string& name, const std::string& ip) {
    ASSERT_EQ(apply("apiVersion: v1\nkind: Pod\nmetadata: {name: " + name +
                    ", labels: {app: sharded-redis}}\n"
                    "spec: {containers: [{name: redis, image: 'redis:7'}]}\n")
                  .exit_code,
              0);
    setPodStatus(name, ip, true);
  }

  void setPodStatus(const std::string& name, const std::string& ip, bool ready) {
    json status = {{"status",
                    {{"phase", "Running"},
                     {"podIP", ip},
                     {"podIPs", {{{"ip", ip}}}},
                     {"conditions", {{{"type", "Ready"}, {"status", ready ? "True" : "False"}}}}}}};
    auto r = kubectl({"patch", "pod", name, "-n", ns_, "--subresource=status", "--type=merge", "-p",
                      status.dump()});
    ASSERT_EQ(r.exit_code, 0) << r.err;
  }

  // Runs the pod's injected ambassador as the kubelet would (scripts/run-sidecar.py).
  void runSidecar(const std::string& pod, int admin_port) {
    sidecars_.push_back(std::make_unique<ChildProcess>(ChildProcess::start(
        {"python3", sourcePath("scripts/run-sidecar.py"), ns_ + "/" + pod, "--bin-dir",
         ATTACHE_BIN_DIR, "--root", dir_.file("pod-" + pod), "--admin",
         "127.0.0.1:" + std::to_string(admin_port), "--sync-interval", "0.3"},
        dir_.file("sidecar.log"))));
  }

  TempDir dir_;
  std::string ns_, label_;
  int op_admin_ = 0;
  std::vector<std::unique_ptr<ChildProcess>> processes_, sidecars_, redis_;
};

TEST_F(EndToEnd, ShardedServiceFromStatefulSetToKeysOnShards) {
  // Three shards on 127.0.X.2-4, one port: the StatefulSet's pods.
  const std::string net = "127.0." + randomOctet() + ".";
  const int port = freePort();
  std::vector<std::string> ips{net + "2", net + "3", net + "4"};
  for (const auto& ip : ips) redis_.push_back(startRedis(ip, port));
  ASSERT_EQ(apply(R"(
apiVersion: apps/v1
kind: StatefulSet
metadata: {name: sharded-redis}
spec:
  serviceName: redis
  replicas: 3
  selector: {matchLabels: {app: sharded-redis}}
  template:
    metadata: {labels: {app: sharded-redis}}
    spec: {containers: [{name: redis, image: 'redis:7'}]}
)")
                .exit_code,
            0);
  for (int i = 0; i < 3; ++i) createPod("sharded-redis-" + std::to_string(i), ips[i]);

  const int listen = freePort();
  ASSERT_EQ(
      apply("apiVersion: attache.dev/v1alpha1\nkind: ShardedService\nmetadata: {name: cache}\n"
            "spec:\n  protocol: redis\n  listenPort: " +
            std::to_string(listen) +
            "\n  shards:\n    statefulSet: {name: sharded-redis, port: " + std::to_string(port) +
            "}\n  timeoutMs: 400\n"
            "  failure: {autoEject: true, failureLimit: 1, retryTimeoutMs: 1000}\n")
          .exit_code,
      0);
  ASSERT_TRUE(eventually([&] {
    return field("shardedservice", "cache", "/status/readyShards") == 3;
  })) << get("shardedservice", "cache").dump(2);

  // The API server calls the webhook for the annotated pod.
  ASSERT_EQ(apply(R"(
apiVersion: v1
kind: Pod
metadata:
  name: app
  annotations: {attache.dev/inject: "true", attache.dev/sharded-services: cache}
spec:
  containers: [{name: app, image: "shop/app:1"}]
)")
                .exit_code,
            0);
  json pod = get("pod", "app");
  ASSERT_TRUE(pod["spec"].contains("initContainers")) << pod.dump(2);
  json sidecar = pod["spec"]["initContainers"][0];
  EXPECT_EQ(sidecar["name"], "attache-ambassador");
  EXPECT_EQ(sidecar["restartPolicy"], "Always") << "API server 1.34: a native sidecar";
  EXPECT_TRUE(pod["metadata"]["annotations"].contains("attache.dev/injected"));
  EXPECT_EQ(pod["spec"]["containers"][0]["env"][0]["value"], "127.0.0.1:" + std::to_string(listen));

  const int admin = freePort();
  runSidecar("app", admin);
  ASSERT_TRUE(waitForPort(listen, std::chrono::seconds(20))) << readFile(dir_.file("sidecar.log"));
  EXPECT_TRUE(eventually([&] { return httpGet(admin, "/readyz").first == 200; }));

  // 2,000 keys through 127.0.0.1 land on all three shards.
  std::string pipeline;
  for (int i = 0; i < 2000; ++i) {
    pipeline += ::attache::testing::encodeCommand({"SET", "user:" + std::to_string(i), "v"});
  }
  {
    TestClient client(listen);
    ASSERT_TRUE(client.connected());
    client.sendRaw(pipeline);
    for (int i = 0; i < 2000; ++i) ASSERT_EQ(client.readReply(), "+OK\r\n") << i;
  }
  long total = 0;
  for (const auto& ip : ips) {
    long n = dbsize(ip, port);
    EXPECT_GT(n, 300) << ip;
    total += n;
  }
  EXPECT_EQ(total, 2000);

  // twemproxy with the same settings finds every key on the same shard.
  json listener = json::parse(readFile(dir_.file("pod-app") + "/etc/attache/config/cache.json"));
  const int nc_port = freePort();
  std::string yml = "cache:\n  listen: 127.0.0.1:" + std::to_string(nc_port) +
                    "\n  hash: " + listener["hash"].get<std::string>() +
                    "\n  distribution: " + listener["distribution"].get<std::string>() +
                    "\n  redis: true\n  servers:\n";
  for (const auto& s : listener["servers"]) {
    yml += "   - " + s["address"].get<std::string>() + ":1 " + s["name"].get<std::string>() + "\n";
  }
  writeFile(dir_.file("nutcracker.yml"), yml);
  {
    auto nc = ChildProcess::start(
        {"nutcracker", "-c", dir_.file("nutcracker.yml"), "-s", std::to_string(freePort())});
    ASSERT_TRUE(waitForPort(nc_port));
    TestClient client(nc_port);
    std::string gets;
    for (int i = 0; i < 2000; ++i) {
      gets += ::attache::testing::encodeCommand({"GET", "user:" + std::to_string(i)});
    }
    client.sendRaw(gets);
    int found = 0;
    for (int i = 0; i < 2000; ++i) found += client.readReply() == "$1\r\nv\r\n";
    EXPECT_EQ(found, 2000) << "the same key must land on the same shard as with twemproxy";
  }

  // Shard 1 dies: the app gets an error at most once per key, then autoEject re-homes keys.
  redis_[1]->stop();
  setPodStatus("sharded-redis-1", ips[1], false);
  EXPECT_TRUE(
      eventually([&] { return field("shardedservice", "cache", "/status/readyShards") == 2; }));
  {
    TestClient client(listen);
    int errors = 0;
    for (int i = 0; i < 50; ++i) {
      std::string reply = client.command({"SET", "after:" + std::to_string(i), "v"});
      if (reply.rfind("-", 0) == 0) ++errors;
    }
    EXPECT_LE(errors, 1) << "failureLimit 1: one failed request ejects the shard";
    EXPECT_EQ(client.command({"PING"}), "+PONG\r\n");
  }

  // The pod comes back at a new IP: operator -> ConfigMap -> files -> the running ambassador.
  const std::string moved = net + "5";
  redis_.push_back(startRedis(moved, port));
  setPodStatus("sharded-redis-1", moved, true);
  EXPECT_TRUE(eventually([&] {
    return readFile(dir_.file("pod-app") + "/etc/attache/config/cache.json").find(moved) !=
           std::string::npos;
  })) << readFile(dir_.file("sidecar.log"));
  EXPECT_TRUE(eventually(
      [&] {
        TestClient client(listen);
        for (int i = 0; i < 200; ++i) client.command({"SET", "back:" + std::to_string(i), "v"});
        return dbsize(moved, port) > 0;
      },
      std::chrono::seconds(15)))
      << "the moved shard gets its keys again, without restarting the ambassador";
  EXPECT_TRUE(
      eventually([&] { return field("shardedservice", "cache", "/status/readyShards") == 3; }));
}

TEST_F(EndToEnd, ServiceBindingBrokersToTheSecondCandidateWhenTheFirstIsMissing) {
  const int db_port = freePort();
  redis_.push_back(startRedis("127.0.0.1", db_port));
  const int listen = freePort();
  ASSERT_EQ(
      apply("apiVersion: attache.dev/v1alpha1\nkind: ServiceBinding\nmetadata: {name: orders-db}\n"
            "spec:\n  listenPort: " +
            std::to_string(listen) +
            "\n  candidates:\n    - service: {name: postgres, port: 5432}\n"
            "    - external: {host: 127.0.0.1, port: " +
            std::to_string(db_port) + "}\n")
          .exit_code,
      0);
  ASSERT_TRUE(eventually([&] {
    return field("servicebinding", "orders-db", "/status/selected/candidate") == 1;
  })) << get("servicebinding", "orders-db").dump(2);

  ASSERT_EQ(apply(R"(
apiVersion: v1
kind: Pod
metadata:
  name: orders
  annotations: {attache.dev/inject: "true", attache.dev/bindings: orders-db}
spec:
  containers: [{name: app, image: "shop/orders:1"}]
)")
                .exit_code,
            0);
  json pod = get("pod", "orders");
  EXPECT_EQ(pod["spec"]["containers"][0]["env"][0]["name"], "ATTACHE_ORDERS_DB_ADDR");
  runSidecar("orders", freePort());
  ASSERT_TRUE(waitForPort(listen, std::chrono::seconds(20))) << readFile(dir_.file("sidecar.log"));
  TestClient client(listen);
  EXPECT_EQ(client.command({"SET", "order:1", "paid"}), "+OK\r\n");
  EXPECT_EQ(runCommand({"redis-cli", "-p", std::to_string(db_port), "get", "order:1"}).out,
            "paid\n")
      << "the bytes reached the second candidate";

  // The missing Service appears: new connections follow the operator's new first choice, which
  // is checked here through the status and the rendered file.
  ASSERT_EQ(apply("apiVersion: v1\nkind: Service\nmetadata: {name: postgres}\n"
                  "spec: {ports: [{port: 5432}]}\n")
                .exit_code,
            0);
  EXPECT_TRUE(eventually(
      [&] { return field("servicebinding", "orders-db", "/status/selected/candidate") == 0; }));
}

TEST_F(EndToEnd, JobPodGetsANativeSidecarThatDoesNotBlockCompletion) {
  ASSERT_EQ(
      apply("apiVersion: attache.dev/v1alpha1\nkind: ShardedService\nmetadata: {name: cache}\n"
            "spec:\n  protocol: redis\n  shards:\n    endpoints: [{name: a, host: 127.0.0.1, "
            "port: 6379}]\n")
          .exit_code,
      0);
  ASSERT_EQ(apply(R"(
apiVersion: v1
kind: Pod
metadata:
  name: nightly-report-x7k2p
  labels: {job-name: nightly-report}
  annotations: {attache.dev/inject: "true", attache.dev/sharded-services: cache}
spec:
  restartPolicy: Never
  initContainers: [{name: migrate, image: "shop/migrate:1"}]
  containers: [{name: report, image: "shop/report:1"}]
)")
                .exit_code,
            0);
  json spec = get("pod", "nightly-report-x7k2p")["spec"];
  ASSERT_EQ(spec["initContainers"].size(), 2u) << spec.dump(2);
  json sidecar = spec["initContainers"][0];
  EXPECT_EQ(sidecar["name"], "attache-ambassador") << "first, so other init containers can use it";
  EXPECT_EQ(sidecar["restartPolicy"], "Always");
  EXPECT_TRUE(sidecar.contains("startupProbe"));
  EXPECT_EQ(spec["initContainers"][1]["name"], "migrate");
  ASSERT_EQ(spec["containers"].size(), 1u) << "no ordinary container that would keep the Job alive";
  EXPECT_EQ(spec["restartPolicy"], "Never");
}

}  // namespace
