// attache-webhook: the mutating admission webhook that injects an ambassador sidecar into
// opted-in pods; `attache-webhook inject -f pod.yaml` does the same offline.
#include "common/cli.h"
#include "common/logging.h"

int main(int argc, char** argv) {
  attache::CommandLine cli(
      "attache-webhook",
      "Mutating admission webhook that injects one configured ambassador into annotated pods.\n"
      "Offline: attache-webhook inject -f pod.yaml prints the injected pod.");
  cli.add({"kubeconfig", 0, "PATH", "kubeconfig to use out of cluster (default: in-cluster)", ""})
      .add({"listen", 0, "ADDR", "HTTPS listen address", "0.0.0.0:8443"})
      .add({"file", 'f', "PATH", "pod manifest to inject (with the inject command)", ""})
      .add({"log-level", 0, "LEVEL", "trace, debug, info, warn, error", "info"});
  auto outcome = attache::runCommandLine(cli, argc, argv);
  if (!outcome.args) return outcome.exit_code;
  if (auto st = attache::setupLogging(outcome.args->get("log-level")); !st) {
    std::fprintf(stderr, "attache-webhook: --log-level: %s\n", st.error().message.c_str());
    return 2;
  }
  attache::componentLogger("webhook")->error("the injector is not built yet");
  return 1;
}
