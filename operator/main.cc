// attache-operator: watches ShardedService and ServiceBinding resources and renders one
// ambassador listener file per resource into an owned ConfigMap.
#include "common/cli.h"
#include "common/logging.h"

int main(int argc, char** argv) {
  attache::CommandLine cli(
      "attache-operator",
      "Watches ShardedService and ServiceBinding resources (attache.dev/v1alpha1), discovers\n"
      "shards and backends, and renders one ambassador config per resource into a ConfigMap.");
  cli.add({"kubeconfig", 0, "PATH", "kubeconfig to use out of cluster (default: in-cluster)", ""})
      .add({"log-level", 0, "LEVEL", "trace, debug, info, warn, error", "info"})
      .add({"admin", 0, "ADDR", "address of /healthz, /readyz and /metrics", "127.0.0.1:9090"});
  auto outcome = attache::runCommandLine(cli, argc, argv);
  if (!outcome.args) return outcome.exit_code;
  if (auto st = attache::setupLogging(outcome.args->get("log-level")); !st) {
    std::fprintf(stderr, "attache-operator: --log-level: %s\n", st.error().message.c_str());
    return 2;
  }
  attache::componentLogger("operator")->error("the controllers are not built yet");
  return 1;
}
