// operator_bench: the operator's speed on the local control plane (scripts/local-cluster.sh up).
//   1. N StatefulSets x P pods (default 1,000 x 5 = 5,000 pods, status set like a kubelet would);
//   2. attache-operator started, caches synced;
//   3. N ShardedServices created at once: time until every one reports Ready;
//   4. pod IP changes: time until the new address is in the ConfigMap (20 samples);
//   5. the operator's RSS (VmRSS, VmHWM) with everything cached.
// Usage: operator_bench --operator build/bin/attache-operator [--services N] [--pods-per P]
// (KUBECONFIG from the environment). Creates and deletes namespace opbench-<pid>.
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <functional>
#include <string>
#include <thread>
#include <vector>

#include "common/kube/kube_rest.h"
#include "common/kube/kubeconfig.h"
#include "common/kube/resource.h"

extern char** environ;

namespace {

using attache::kube::KubeClient;
using nlohmann::json;
using Clock = std::chrono::steady_clock;
namespace kube = attache::kube;

void parallel(int n, int threads, const std::function<void(int)>& fn) {
  std::atomic<int> next{0};
  std::vector<std::thread> pool;
  for (int t = 0; t < threads; ++t) {
    pool.emplace_back([&] {
      for (int i = next++; i < n; i = next++) fn(i);
    });
  }
  for (auto& t : pool) t.join();
}

double secondsSince(Clock::time_point t) {
  return std::chrono::duration<double>(Clock::now() - t).count();
}

std::string procField(pid_t pid, const std::string& field) {
  std::ifstream in("/proc/" + std::to_string(pid) + "/status");
  std::string line;
  while (std::getline(in, line)) {
    if (line.rfind(field + ":", 0) == 0) return line.substr(field.size() + 1);
  }
  return "?";
}

// 10.<sts/250>.<sts%250>.<ordinal + 1 + 20 * generation>: generation < 10, ordinal < 20.
std::string ip(int sts, int ordinal, int gen = 0) {
  return "10." + std::to_string(sts / 250) + "." + std::to_string(sts % 250) + "." +
         std::to_string(ordinal + 1 + 20 * gen);
}

void createWorld(KubeClient& c, const std::string& ns, int services, int pods_per) {
  parallel(services, 8, [&](int i) {
    std::string name = "s" + std::to_string(i);
    json labels = {{"app", name}};
    (void)c.create(kube::kStatefulSets, ns,
                   {{"metadata", {{"name", name}}},
                    {"spec",
                     {{"replicas", pods_per},
                      {"serviceName", name},
                      {"selector", {{"matchLabels", labels}}},
                      {"template",
                       {{"metadata", {{"labels", labels}}},
                        {"spec", {{"containers", {{{"name", "r"}, {"image", "redis"}}}}}}}}}}});
  });
  parallel(services * pods_per, 8, [&](int k) {
    int s = k / pods_per, o = k % pods_per;
    std::string name = "s" + std::to_string(s) + "-" + std::to_string(o);
    (void)c.create(kube::kPods, ns,
                   {{"metadata", {{"name", name}}},
                    {"spec", {{"containers", {{{"name", "r"}, {"image", "redis"}}}}}}});
    kube::PatchOptions status;
    status.status = true;
    (void)c.patch(kube::kPods, ns, name,
                  {{"status",
                    {{"phase", "Running"},
                     {"podIP", ip(s, o)},
                     {"podIPs", {{{"ip", ip(s, o)}}}},
                     {"conditions", {{{"type", "Ready"}, {"status", "True"}}}}}}},
                  status);
  });
}

int readyCount(KubeClient& c, const std::string& ns) {
  auto list = c.listAll(kube::kShardedServices, ns);
  if (!list.ok()) return -1;
  int ready = 0;
  for (const auto& ss : list->items) {
    for (const auto& cond : ss.value("status", json::object()).value("conditions", json::array())) {
      if (cond.value("type", "") == "Ready" && cond.value("status", "") == "True") ++ready;
    }
  }
  return ready;
}

}  // namespace

int main(int argc, char** argv) {
  std::string op_path;
  int services = 1000, pods_per = 5;
  for (int i = 1; i + 1 < argc; i += 2) {
    std::string a = argv[i];
    if (a == "--operator") op_path = argv[i + 1];
    if (a == "--services") services = std::stoi(argv[i + 1]);
    if (a == "--pods-per") pods_per = std::stoi(argv[i + 1]);
  }
  const char* kc = std::getenv("KUBECONFIG");
  if (op_path.empty() || kc == nullptr) {
    std::fprintf(
        stderr,
        "usage: KUBECONFIG=... operator_bench --operator PATH [--services N] [--pods-per P]\n");
    return 2;
  }
  auto config = kube::loadKubeconfig(kc);
  if (!config.ok()) return std::fprintf(stderr, "%s\n", config.error().message.c_str()), 2;
  auto client = kube::makeRestClient(*config, {8, 30});
  if (!client.ok()) return 2;
  KubeClient& c = **client;
  std::string ns = "opbench-" + std::to_string(getpid());
  (void)c.create(kube::kNamespaces, "", {{"metadata", {{"name", ns}}}});

  auto t0 = Clock::now();
  createWorld(c, ns, services, pods_per);
  std::printf("world: %d statefulsets, %d pods created in %.1f s\n", services, services * pods_per,
              secondsSince(t0));

  std::string admin = "127.0.0.1:" + std::to_string(20000 + getpid() % 20000);
  std::vector<std::string> args = {op_path,
                                   "--kubeconfig",
                                   kc,
                                   "--namespace",
                                   ns,
                                   "--admin",
                                   admin,
                                   "--leader-elect=false",
                                   "--log-level",
                                   "warn"};
  std::vector<char*> cargs;
  for (auto& s : args) cargs.push_back(s.data());
  cargs.push_back(nullptr);
  pid_t pid = 0;
  if (posix_spawn(&pid, op_path.c_str(), nullptr, nullptr, cargs.data(), environ) != 0) return 2;
  std::this_thread::sleep_for(std::chrono::seconds(2));  // list 5,000 pods, sync caches

  t0 = Clock::now();
  parallel(services, 16, [&](int i) {
    std::string name = "s" + std::to_string(i);
    (void)c.create(kube::kShardedServices, ns,
                   {{"apiVersion", "attache.dev/v1alpha1"},
                    {"kind", "ShardedService"},
                    {"metadata", {{"name", name}}},
                    {"spec", {{"shards", {{"statefulSet", {{"name", name}, {"port", 6379}}}}}}}});
  });
  double created = secondsSince(t0);
  int ready = 0;
  while (secondsSince(t0) < 120 && (ready = readyCount(c, ns)) < services) {
    std::this_thread::sleep_for(std::chrono::milliseconds(200));
  }
  std::printf("%d ShardedServices: created in %.2f s, %d Ready after %.2f s\n", services, created,
              ready, secondsSince(t0));

  std::vector<double> lat;
  for (int k = 0; k < 20; ++k) {
    int s = (k * 37) % services;
    std::string pod = "s" + std::to_string(s) + "-0", want = ip(s, 0, k % 9 + 1) + ":6379";
    kube::PatchOptions status;
    status.status = true;
    auto t = Clock::now();
    (void)c.patch(
        kube::kPods, ns, pod,
        {{"status", {{"podIP", ip(s, 0, k % 9 + 1)}, {"podIPs", {{{"ip", ip(s, 0, k % 9 + 1)}}}}}}},
        status);
    while (secondsSince(t) < 10) {
      auto cm = c.get(kube::kConfigMaps, ns, "s" + std::to_string(s) + "-attache");
      if (cm.ok() && (*cm)["data"].value("s" + std::to_string(s) + ".json", "").find(want) !=
                         std::string::npos)
        break;
      std::this_thread::sleep_for(std::chrono::milliseconds(2));
    }
    lat.push_back(secondsSince(t) * 1000);
  }
  std::sort(lat.begin(), lat.end());
  std::printf("pod IP change -> ConfigMap: p50 %.0f ms, max %.0f ms (20 samples)\n",
              lat[lat.size() / 2], lat.back());
  std::printf("operator RSS with %d pods, %d ShardedServices cached: VmRSS%s, VmHWM%s\n",
              services * pods_per, services, procField(pid, "VmRSS").c_str(),
              procField(pid, "VmHWM").c_str());

  kill(pid, SIGTERM);
  int st = 0;
  waitpid(pid, &st, 0);
  (void)c.remove(kube::kNamespaces, "", ns);
  return ready == services ? 0 : 1;
}
