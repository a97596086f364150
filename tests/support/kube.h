// Test support for integration tests against the harness's real kube-apiserver
// (KUBECONFIG is set by CTest from the local_cluster fixture).
#pragma once

#include <string>
#include <vector>

#include "tests/support/subprocess.h"

namespace attache::testing {

// Absolute path of a file in the source tree.
std::string sourcePath(const std::string& relative);

// Runs kubectl with the harness's KUBECONFIG.
CommandResult kubectl(const std::vector<std::string>& args, const std::string& input = "");

// Creates a uniquely named namespace ("<prefix>-<random>") and returns its name.
std::string createTestNamespace(const std::string& prefix);
void deleteNamespace(const std::string& name);

}  // namespace attache::testing
