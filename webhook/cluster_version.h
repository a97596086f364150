// Native sidecar detection: the API server's /version (>= 1.29 serves init containers with
// restartPolicy: Always by default).
#pragma once

#include <string>

#include <nlohmann/json.hpp>

#include "common/kube/kube_client.h"
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

// GET /version through the client.
Result<ServerVersion> fetchServerVersion(kube::KubeClient& client);

}  // namespace attache::webhook
