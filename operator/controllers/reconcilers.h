// The level-based reconcile functions: gather from the caches, run the pure core, apply.
#pragma once

#include <string>

#include "operator/controllers/reconcile_support.h"
#include "operator/runtime/controller.h"

namespace attache::controller {

Result<ReconcileResult> reconcileShardedService(ReconcileContext& ctx, const std::string& key);
Result<ReconcileResult> reconcileServiceBinding(ReconcileContext& ctx, const std::string& key);

// The StatefulSet a pod belongs to by name ("<sts>-<ordinal>"), "" when the name has no ordinal.
std::string statefulSetOfPod(const std::string& pod_name);

// Informer transforms: keep only what the controllers read (memory: 5,000 pods).
nlohmann::json trimPod(const nlohmann::json& pod);
nlohmann::json trimStatefulSet(const nlohmann::json& sts);
nlohmann::json trimSecret(const nlohmann::json& secret);
nlohmann::json trimService(const nlohmann::json& service);

}  // namespace attache::controller
