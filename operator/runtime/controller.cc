#include "operator/runtime/controller.h"

#include "common/logging.h"

namespace attache::controller {

Controller::Controller(std::string name, ReconcileFunc reconcile, OperatorMetrics* metrics,
                       BackoffPolicy backoff)
    : name_(std::move(name)),
      reconcile_(std::move(reconcile)),
      metrics_(metrics),
      queue_(backoff) {}

Controller::~Controller() { stop(); }

void Controller::start(int workers) {
  for (int i = 0; i < workers; ++i) workers_.emplace_back([this] { work(); });
}

void Controller::stop() {
  queue_.shutDown();
  for (auto& t : workers_) {
    if (t.joinable()) t.join();
  }
  workers_.clear();
}

void Controller::work() {
  while (auto key = queue_.get()) {
    processOne(*key);
    queue_.done(*key);
  }
}

void Controller::processOne(const std::string& key) {
  auto started = std::chrono::steady_clock::now();
  auto result = reconcile_(key);
  double seconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
  reconciles_++;
  std::string outcome = "success";
  if (!result.ok()) {
    outcome = "error";
    componentLogger("operator")
        ->warn("reconcile failed controller={} key={} error={} failures={}", name_, key,
               result.error().toString(), queue_.failures(key) + 1);
    queue_.addRateLimited(key);
  } else {
    queue_.forget(key);
    if (result->requeue_after) {
      outcome = "requeue";
      queue_.addAfter(key, *result->requeue_after);
    }
  }
  if (metrics_ != nullptr) metrics_->observeReconcile(name_, outcome, seconds);
}

}  // namespace attache::controller
