// The callback side of one watch, shared by the client implementations: delivers events in
// order, calls on_done at most once, and makes cancel() final.
#pragma once

#include <mutex>

#include "common/kube/kube_client.h"

namespace attache::kube {

class WatchGate {
 public:
  WatchGate(WatchEventCallback on_event, WatchDoneCallback on_done);
  WatchGate(const WatchGate&) = delete;
  WatchGate& operator=(const WatchGate&) = delete;

  // Runs on_event unless the watch was cancelled or finished; false when it was (stop reading).
  bool deliver(const WatchEvent& event);
  // Runs on_done once unless cancelled; later deliver() and finish() calls do nothing.
  void finish(const Status& status);
  // After cancel() returns no callback runs; called from inside a callback, none runs after that
  // callback returns. Waits for a callback running on another thread to return.
  void cancel();
  // False once cancelled or finished.
  bool active() const;

 private:
  // Held while a callback runs; recursive so that a callback may cancel its own watch.
  mutable std::recursive_mutex mu_;
  WatchEventCallback on_event_;
  WatchDoneCallback on_done_;
  bool cancelled_ = false;
  bool finished_ = false;
};

}  // namespace attache::kube
