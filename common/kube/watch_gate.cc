#include "common/kube/watch_gate.h"

#include <utility>

namespace attache::kube {

WatchGate::WatchGate(WatchEventCallback on_event, WatchDoneCallback on_done)
    : on_event_(std::move(on_event)), on_done_(std::move(on_done)) {}

bool WatchGate::deliver(const WatchEvent& event) {
  std::lock_guard lock(mu_);
  if (cancelled_ || finished_) return false;
  if (on_event_) on_event_(event);
  return !cancelled_ && !finished_;
}

void WatchGate::finish(const Status& status) {
  std::lock_guard lock(mu_);
  if (cancelled_ || finished_) return;
  finished_ = true;
  WatchDoneCallback done = std::move(on_done_);
  if (done) done(status);
}

void WatchGate::cancel() {
  std::lock_guard lock(mu_);
  cancelled_ = true;
}

bool WatchGate::active() const {
  std::lock_guard lock(mu_);
  return !cancelled_ && !finished_;
}

}  // namespace attache::kube
