// The webhook's view of ShardedServices and ServiceBindings: a list + watch cache of both kinds
// in all namespaces (so admission does not wait on the API server), with a GET on a miss (a
// resource created a moment before its pod may not have reached the watch yet).
#pragma once

#include <chrono>
#include <memory>
#include <string>

#include "common/kube/kube_client.h"
#include "webhook/references.h"

namespace attache::webhook {

struct ReferenceCacheOptions {
  std::chrono::milliseconds retry_backoff{1000};  // after a failed list or watch
  int watch_timeout_seconds = 25;
};

class ReferenceCache : public ReferenceLookup {
 public:
  explicit ReferenceCache(kube::KubeClient& client, ReferenceCacheOptions options = {});
  ~ReferenceCache() override;
  ReferenceCache(const ReferenceCache&) = delete;
  ReferenceCache& operator=(const ReferenceCache&) = delete;

  // Starts one list/watch thread per kind. stop() (or the destructor) ends them.
  void start();
  void stop();
  // True once both kinds have been listed; otherwise `why` says what is missing.
  bool synced(std::string* why = nullptr) const;
  // Number of cached objects of `kind` (tests, logs).
  size_t size(ReferenceKind kind) const;

  Result<std::shared_ptr<const nlohmann::json>> find(ReferenceKind kind, const std::string& ns,
                                                     const std::string& name) override;

 private:
  class Informer;
  Informer& informer(ReferenceKind kind) const;
  std::unique_ptr<Informer> sharded_, bindings_;
};

}  // namespace attache::webhook
