#include "tests/support/kube.h"

#include <random>
#include <stdexcept>

namespace attache::testing {

std::string sourcePath(const std::string& relative) {
  return std::string(ATTACHE_SOURCE_DIR) + "/" + relative;
}

CommandResult kubectl(const std::vector<std::string>& args, const std::string& input) {
  std::vector<std::string> argv{"kubectl"};
  argv.insert(argv.end(), args.begin(), args.end());
  return runCommand(argv, input, std::chrono::seconds(60));
}

std::string createTestNamespace(const std::string& prefix) {
  std::random_device rd;
  std::string name = prefix + "-" + std::to_string(rd() % 1000000);
  auto r = kubectl({"create", "namespace", name});
  if (r.exit_code != 0) throw std::runtime_error("kubectl create namespace failed: " + r.err);
  return name;
}

void deleteNamespace(const std::string& name) {
  // No namespace controller runs in the local control plane: delete the objects, then the
  // namespace (it stays Terminating, which is harmless; the cluster is torn down after the run).
  kubectl({"delete", "attache,configmaps,pods,secrets", "--all", "-n", name, "--wait=false"});
  kubectl({"delete", "namespace", name, "--wait=false"});
}

}  // namespace attache::testing
