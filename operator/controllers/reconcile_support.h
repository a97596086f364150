// The shell around the pure cores: the caches the reconcilers read, Events, and the writes
// (owned ConfigMap, status) they apply.
#pragma once

#include <string>

#include <nlohmann/json.hpp>

#include "common/kube/kube_client.h"
#include "operator/controllers/owned_config.h"
#include "operator/runtime/informer.h"
#include "operator/runtime/metrics.h"

namespace attache::controller {

struct Caches {
  Informer* sharded = nullptr;
  Informer* bindings = nullptr;
  Informer* pods = nullptr;
  Informer* statefulsets = nullptr;
  Informer* configmaps = nullptr;
  Informer* secrets = nullptr;
  Informer* services = nullptr;
};

// What a reconciler needs from the outside world.
struct ReconcileContext {
  kube::KubeClient& client;
  Caches caches;
  OperatorMetrics* metrics = nullptr;
  std::string identity = "attache-operator";
};

// Posts a core/v1 Event about `obj` (best effort: failures are logged at debug and ignored).
void recordEvent(ReconcileContext& ctx, const nlohmann::json& obj, const std::string& type,
                 const std::string& reason, const std::string& message);

// Applies planConfigMap(desired, cached): create, or merge-patch when it differs. A create that
// finds the object (stale cache) falls back to a patch.
Result<ConfigMapAction> applyConfigMap(ReconcileContext& ctx, const nlohmann::json& desired);

// Writes the status subresource when it differs from `current_status` (merge patch).
Status writeStatus(ReconcileContext& ctx, const kube::ResourceRef& ref, const std::string& ns,
                   const std::string& name, const nlohmann::json& current_status,
                   const nlohmann::json& desired_status);

// The resource is gone: delete "<name>-attache" when its controller owner is that resource
// (garbage collection does this in a full cluster; this covers API servers without it).
Status deleteOwnedConfigMap(ReconcileContext& ctx, const std::string& ns, const std::string& name,
                            const std::string& kind);

std::string nowRfc3339();

}  // namespace attache::controller
