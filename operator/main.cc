// attache-operator: watches ShardedService and ServiceBinding resources and renders one
// ambassador listener file per resource into an owned ConfigMap.
#include <malloc.h>
#include <signal.h>
#include <unistd.h>

#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>
#include <chrono>
#include <cstdlib>
#include <thread>

#include "ambassador-image/proxy/admin/admin_server.h"
#include "common/cli.h"
#include "common/kube/kube_rest.h"
#include "common/kube/kubeconfig.h"
#include "common/logging.h"
#include "operator/controllers/manager.h"
#include "operator/runtime/leader_election.h"

namespace {

using attache::controller::LeaderElectionOptions;

attache::CommandLine makeCli() {
  attache::CommandLine cli(
      "attache-operator",
      "Watches ShardedService and ServiceBinding resources (attache.dev/v1alpha1), discovers\n"
      "shards and backends, and renders one ambassador config per resource into a ConfigMap.");
  cli.add({"kubeconfig", 0, "PATH", "kubeconfig to use out of cluster (default: in-cluster)", ""})
      .add({"namespace", 0, "NS", "watch only this namespace (default: all)", ""})
      .add({"log-level", 0, "LEVEL", "trace, debug, info, warn, error", "info"})
      .add({"admin", 0, "ADDR", "address of /healthz, /readyz and /metrics", "127.0.0.1:9090"})
      .add({"leader-elect", 0, "BOOL", "campaign for a Lease before reconciling", "true"})
      .add({"lease-namespace", 0, "NS", "namespace of the leader election Lease", ""})
      .add({"lease-name", 0, "NAME", "name of the leader election Lease", "attache-operator"})
      .add({"lease-duration-ms", 0, "MS", "leader election lease duration", "15000"})
      .add({"renew-deadline-ms", 0, "MS", "leader gives up after failing to renew this long",
            "10000"})
      .add({"retry-period-ms", 0, "MS", "leader election retry period", "2000"})
      .add({"workers", 0, "N", "ShardedService reconcile workers", "4"});
  return cli;
}

std::string identity() {
  if (auto pod = attache::envVar("POD_NAME"); pod && !pod->empty()) return *pod;
  char host[256] = {};
  gethostname(host, sizeof(host) - 1);
  return std::string(host) + "_" + std::to_string(getpid());
}

bool parseInt(const std::string& text, int* out) {
  char* end = nullptr;
  long v = std::strtol(text.c_str(), &end, 10);
  if (text.empty() || *end != '\0' || v < 1 || v > 3600000) return false;
  *out = static_cast<int>(v);
  return true;
}

struct Settings {
  attache::kube::ClusterConfig cluster;
  std::string ns, admin;
  bool leader_elect = true;
  LeaderElectionOptions lease;
  int workers = 4;
};

// One line naming the bad field, or the settings.
attache::Result<Settings> loadSettings(const attache::ParsedArgs& args) {
  Settings s;
  auto cluster = args.get("kubeconfig").empty()
                     ? attache::kube::loadInClusterConfig()
                     : attache::kube::loadKubeconfig(args.get("kubeconfig"));
  if (!cluster.ok()) return cluster.error();
  s.cluster = *cluster;
  s.ns = args.get("namespace");
  s.admin = args.get("admin");
  std::string le = args.get("leader-elect");
  if (le != "true" && le != "false") return attache::invalidArgument("--leader-elect: true|false");
  s.leader_elect = le == "true";
  s.lease.lease_namespace = args.get("lease-namespace");
  if (s.lease.lease_namespace.empty()) s.lease.lease_namespace = s.cluster.default_namespace;
  if (s.lease.lease_namespace.empty()) s.lease.lease_namespace = "default";
  s.lease.lease_name = args.get("lease-name");
  s.lease.identity = identity();
  int d = 0, r = 0, p = 0;
  if (!parseInt(args.get("lease-duration-ms"), &d) ||
      !parseInt(args.get("renew-deadline-ms"), &r) || !parseInt(args.get("retry-period-ms"), &p) ||
      !(p < r && r < d)) {
    return attache::invalidArgument(
        "--lease-duration-ms/--renew-deadline-ms/--retry-period-ms: need retry < renew < duration");
  }
  s.lease.lease_duration = std::chrono::milliseconds(d);
  s.lease.renew_deadline = std::chrono::milliseconds(r);
  s.lease.retry_period = std::chrono::milliseconds(p);
  if (!parseInt(args.get("workers"), &s.workers) || s.workers > 64) {
    return attache::invalidArgument("--workers: 1-64");
  }
  return s;
}

// Starts the workers once leading and synced; returns 0 on SIGINT/SIGTERM, 1 when leadership
// is lost (exit so that a fresh process campaigns again, as controller-runtime does).
int superviseUntilSignal(attache::controller::Manager& manager,
                         attache::controller::LeaderElector* elector) {
  auto log = attache::componentLogger("operator");
  sigset_t set;
  sigemptyset(&set);
  sigaddset(&set, SIGINT);
  sigaddset(&set, SIGTERM);
  bool was_leader = false;
  int ticks = 0;
  while (true) {
    timespec tick{0, 50L * 1000 * 1000};
    if (sigtimedwait(&set, nullptr, &tick) > 0) break;
    bool leading = elector == nullptr || elector->isLeader();
    if (leading && manager.synced()) manager.startControllers();
    // Give the pages of the initial lists (and of relists) back to the system.
    if (++ticks % 200 == 40) malloc_trim(0);
    if (was_leader && !leading) {
      log->error("leadership lost: exiting so that a fresh process campaigns again");
      return 1;
    }
    was_leader = was_leader || (leading && elector != nullptr);
  }
  return 0;
}

int run(const Settings& settings) {
  namespace ctl = attache::controller;
  auto log = attache::componentLogger("operator");
  auto client = attache::kube::makeRestClient(settings.cluster);
  if (!client.ok()) {
    std::fprintf(stderr, "attache-operator: %s\n", client.error().message.c_str());
    return 2;
  }
  ctl::OperatorMetrics metrics;
  ctl::ManagerOptions options;
  options.ns = settings.ns;
  options.sharded_workers = settings.workers;
  options.identity = settings.lease.identity;
  ctl::Manager manager(**client, options, &metrics);

  std::unique_ptr<ctl::LeaderElector> elector;
  if (settings.leader_elect) {
    elector = std::make_unique<ctl::LeaderElector>(**client, settings.lease, nullptr, nullptr);
  }
  metrics.addGauge("attache_operator_leader", "1 while this replica leads", "", "",
                   [&] { return elector == nullptr || elector->isLeader() ? 1.0 : 0.0; });

  boost::asio::io_context io;
  attache::ambassador::admin::AdminHandlers handlers;
  handlers.ready = [&](std::string* why) {
    if (manager.synced()) return true;
    *why = "caches not synced";
    return false;
  };
  handlers.metrics = [&] { return metrics.render(); };
  handlers.config = [&] {
    return std::string("{\"identity\":\"") + settings.lease.identity +
           "\",\"leader\":" + (elector == nullptr || elector->isLeader() ? "true" : "false") + "}";
  };
  attache::ambassador::admin::AdminServer admin(io, handlers);
  auto port = admin.listen(settings.admin);
  if (!port.ok()) {
    std::fprintf(stderr, "attache-operator: --admin: %s\n", port.error().message.c_str());
    return 2;
  }
  auto guard = boost::asio::make_work_guard(io);
  std::thread admin_thread([&] { io.run(); });
  log->info("started identity={} namespace={} admin=127.0.0.1:{} leader_elect={}",
            settings.lease.identity, settings.ns.empty() ? "*" : settings.ns, *port,
            settings.leader_elect);

  manager.startInformers();
  if (elector) elector->start();
  int exit_code = superviseUntilSignal(manager, elector.get());
  log->info("stopping");
  manager.stop();
  if (elector) elector->stop();  // releases the lease
  admin.stop();
  guard.reset();
  io.stop();
  admin_thread.join();
  return exit_code;
}

}  // namespace

int main(int argc, char** argv) {
  sigset_t set;
  sigemptyset(&set);
  sigaddset(&set, SIGINT);
  sigaddset(&set, SIGTERM);
  pthread_sigmask(SIG_BLOCK, &set, nullptr);  // every thread inherits: main waits for them
  // A peer that vanishes mid-write is an error value, not a kill. Before any thread starts.
  signal(SIGPIPE, SIG_IGN);  // NOLINT(concurrency-mt-unsafe)
  // ~30 threads, little contention: one arena keeps the heap compact.
  mallopt(M_ARENA_MAX, 1);  // NOLINT(concurrency-mt-unsafe): before any thread starts
  auto cli = makeCli();
  auto outcome = attache::runCommandLine(cli, argc, argv);
  if (!outcome.args) return outcome.exit_code;
  if (auto st = attache::setupLogging(outcome.args->get("log-level")); !st) {
    std::fprintf(stderr, "attache-operator: --log-level: %s\n", st.error().message.c_str());
    return 2;
  }
  auto settings = loadSettings(*outcome.args);
  if (!settings.ok()) {
    std::fprintf(stderr, "attache-operator: %s\n", settings.error().message.c_str());
    return 2;
  }
  return run(*settings);
}
