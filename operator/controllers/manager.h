// Wires the operator together: one informer per watched collection (with the transforms and
// indexes the requeue mappings need), the two controllers, and the event handlers that map a
// change of any watched object to the keys of the resources that use it.
#pragma once

#include <memory>
#include <string>

#include "common/kube/kube_client.h"
#include "operator/controllers/reconcile_support.h"
#include "operator/runtime/controller.h"
#include "operator/runtime/informer.h"
#include "operator/runtime/metrics.h"

namespace attache::controller {

struct ManagerOptions {
  std::string ns;  // "" = all namespaces
  int sharded_workers = 4;
  int binding_workers = 2;
  std::string identity = "attache-operator";
  BackoffPolicy backoff;
};

class Manager {
 public:
  Manager(kube::KubeClient& client, ManagerOptions options, OperatorMetrics* metrics);
  ~Manager();

  void startInformers();
  bool synced() const;
  // Starts the workers (when leading). Idempotent.
  void startControllers();
  void stop();

  Controller& shardedController() { return *sharded_controller_; }
  Controller& bindingController() { return *binding_controller_; }
  Caches caches();

 private:
  void wireShardedMappings();
  void wireBindingMappings();
  void registerMetrics();

  kube::KubeClient& client_;
  ManagerOptions options_;
  OperatorMetrics* metrics_;
  std::unique_ptr<Informer> sharded_, bindings_, pods_, statefulsets_, configmaps_, secrets_,
      services_;
  std::unique_ptr<ReconcileContext> ctx_;
  std::unique_ptr<Controller> sharded_controller_, binding_controller_;
  bool controllers_started_ = false;
};

}  // namespace attache::controller
