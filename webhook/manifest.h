// Offline injection of manifests (`attache-webhook inject -f`): Pods and the pod templates of
// Deployments, StatefulSets, DaemonSets, ReplicaSets, ReplicationControllers, Jobs, CronJobs and
// PodTemplates, in YAML streams, JSON objects and Lists. Pure; the same mutatePod as the webhook.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include "common/result.h"
#include "webhook/injector_config.h"
#include "webhook/references.h"

namespace attache::webhook {

enum class ManifestFormat { kYaml, kJson };

struct Manifest {
  std::vector<nlohmann::json> objects;
  ManifestFormat format = ManifestFormat::kYaml;
};

// JSON when the text starts with '{' or '[' (a JSON array is a list of objects), else a YAML
// stream. kInvalidArgument with the parser's position.
Result<Manifest> parseManifest(std::string_view text);

struct ManifestInjection {
  std::vector<nlohmann::json> objects;  // injected (or unchanged) objects, in input order
  std::vector<std::string> notes;       // one line per workload: "Deployment/web: injected"
  std::vector<std::string> warnings;
};

// Injects every pod and pod template. A workload whose injection is denied fails the whole
// manifest with an error naming it. `default_ns` applies to objects without a namespace.
Result<ManifestInjection> injectManifest(const std::vector<nlohmann::json>& objects,
                                         const InjectorConfig& cfg, ReferenceLookup& lookup,
                                         const std::string& default_ns);

// YAML documents separated by "---", or JSON (one object, or a List of several).
std::string renderManifest(const std::vector<nlohmann::json>& objects, ManifestFormat format);

}  // namespace attache::webhook
