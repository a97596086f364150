// A rate-limited work queue of string keys, as client-go's workqueue: a key is queued at most
// once (dedup), is never handed to two workers at once (a key added while it is being processed
// is queued again when done()), can be added after a delay, and backs off exponentially per key
// on failure (forget() resets the backoff after a success).
#pragma once

#include <chrono>
#include <condition_variable>
#include <deque>
#include <map>
#include <mutex>
#include <optional>
#include <set>
#include <string>
#include <thread>

namespace attache::controller {

struct BackoffPolicy {
  std::chrono::milliseconds base{20};
  std::chrono::milliseconds max{30000};
};

// delay = base * 2^(failures-1), capped at max. Pure.
std::chrono::milliseconds backoffDelay(const BackoffPolicy& policy, int failures);

class WorkQueue {
 public:
  using Clock = std::chrono::steady_clock;

  explicit WorkQueue(BackoffPolicy policy = {});
  ~WorkQueue();
  WorkQueue(const WorkQueue&) = delete;
  WorkQueue& operator=(const WorkQueue&) = delete;

  void add(const std::string& key);
  void addAfter(const std::string& key, std::chrono::milliseconds delay);
  // addAfter(key, backoff for the key's failure count), then counts one more failure.
  void addRateLimited(const std::string& key);
  void forget(const std::string& key);
  int failures(const std::string& key);

  // Blocks for the next key; nullopt once shut down.
  std::optional<std::string> get();
  // The worker finished `key` (success or not).
  void done(const std::string& key);
  // Wakes every get(); later adds are ignored.
  void shutDown();

  size_t depth();  // queued keys (not delayed, not processing)

 private:
  void delayLoop();
  void pushLocked(const std::string& key);

  BackoffPolicy policy_;
  std::mutex mu_;
  std::condition_variable cv_;
  std::condition_variable delay_cv_;
  std::deque<std::string> queue_;
  std::set<std::string> dirty_;  // queued or to be re-queued when processing ends
  std::set<std::string> processing_;
  std::multimap<Clock::time_point, std::string> delayed_;
  std::map<std::string, int> failures_;
  bool shut_down_ = false;
  std::thread delay_thread_;
};

}  // namespace attache::controller
