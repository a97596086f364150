// Native sidecar detection: the API server's /version (>= 1.29 serves init containers with
// restartPolicy: Always by default).
#pragma once

#include <string>

#include <nlohmann/json.hpp>

#include "common/kube/kubeconfig.h"
#include "common/result.h"

namespace attache::webhook {

struct ServerVersion {
  int major = 0;
  int minor = 0;
  std::string git_version;
};

// Parses /version's {"major": "1", "minor": "29+", "gitVersion": "v1.29.3-gke.1"}; falls back to
// gitVersion when major/minor are empty.
Result<ServerVersion> parseServerVersion(const nlohmann::json& version);

bool supportsNativeSidecars(const ServerVersion& version);

// GET /version with the cluster's credentials. (The KubeClient has no call for non-resource
// paths, so this is a direct HTTPS request.)
Result<ServerVersion> fetchServerVersion(const kube::ClusterConfig& config);

}  // namespace attache::webhook
