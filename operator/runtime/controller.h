// A controller: a work queue of "namespace/name" keys drained by worker threads that call a
// level-based reconcile function. Errors requeue with per-key exponential backoff; a result may
// ask for a delayed requeue. Keys may be queued before start() (they wait for the workers: a
// standby replica warms its caches and queue, and starts workers when it becomes leader).
#pragma once

#include <atomic>
#include <chrono>
#include <functional>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "common/result.h"
#include "operator/runtime/metrics.h"
#include "operator/runtime/work_queue.h"

namespace attache::controller {

struct ReconcileResult {
  std::optional<std::chrono::milliseconds> requeue_after;
};

using ReconcileFunc = std::function<Result<ReconcileResult>(const std::string& key)>;

class Controller {
 public:
  Controller(std::string name, ReconcileFunc reconcile, OperatorMetrics* metrics,
             BackoffPolicy backoff = {});
  ~Controller();
  Controller(const Controller&) = delete;
  Controller& operator=(const Controller&) = delete;

  void enqueue(const std::string& key) { queue_.add(key); }
  void start(int workers);
  void stop();
  const std::string& name() const { return name_; }
  WorkQueue& queue() { return queue_; }
  int64_t reconciles() const { return reconciles_.load(); }

 private:
  void work();
  void processOne(const std::string& key);

  std::string name_;
  ReconcileFunc reconcile_;
  OperatorMetrics* metrics_;
  WorkQueue queue_;
  std::vector<std::thread> workers_;
  std::atomic<int64_t> reconciles_{0};
};

}  // namespace attache::controller
