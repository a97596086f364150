#include "operator/runtime/work_queue.h"

#include <algorithm>

namespace attache::controller {

std::chrono::milliseconds backoffDelay(const BackoffPolicy& policy, int failures) {
  if (failures <= 0) return std::chrono::milliseconds(0);
  int64_t delay = policy.base.count();
  for (int i = 1; i < failures && delay < policy.max.count(); ++i) delay *= 2;
  return std::chrono::milliseconds(std::min<int64_t>(delay, policy.max.count()));
}

WorkQueue::WorkQueue(BackoffPolicy policy) : policy_(policy) {
  delay_thread_ = std::thread([this] { delayLoop(); });
}

WorkQueue::~WorkQueue() {
  shutDown();
  if (delay_thread_.joinable()) delay_thread_.join();
}

void WorkQueue::pushLocked(const std::string& key) {
  if (shut_down_ || dirty_.count(key)) return;
  dirty_.insert(key);
  if (processing_.count(key)) return;  // re-queued by done()
  queue_.push_back(key);
  cv_.notify_one();
}

void WorkQueue::add(const std::string& key) {
  std::lock_guard lock(mu_);
  pushLocked(key);
}

void WorkQueue::addAfter(const std::string& key, std::chrono::milliseconds delay) {
  if (delay.count() <= 0) return add(key);
  std::lock_guard lock(mu_);
  if (shut_down_) return;
  delayed_.emplace(Clock::now() + delay, key);
  delay_cv_.notify_one();
}

void WorkQueue::addRateLimited(const std::string& key) {
  int n;
  {
    std::lock_guard lock(mu_);
    n = ++failures_[key];
  }
  addAfter(key, backoffDelay(policy_, n));
}

void WorkQueue::forget(const std::string& key) {
  std::lock_guard lock(mu_);
  failures_.erase(key);
}

int WorkQueue::failures(const std::string& key) {
  std::lock_guard lock(mu_);
  auto it = failures_.find(key);
  return it == failures_.end() ? 0 : it->second;
}

std::optional<std::string> WorkQueue::get() {
  std::unique_lock lock(mu_);
  cv_.wait(lock, [&] { return shut_down_ || !queue_.empty(); });
  if (shut_down_) return std::nullopt;
  std::string key = std::move(queue_.front());
  queue_.pop_front();
  dirty_.erase(key);
  processing_.insert(key);
  return key;
}

void WorkQueue::done(const std::string& key) {
  std::lock_guard lock(mu_);
  processing_.erase(key);
  if (dirty_.count(key) && !shut_down_) {
    queue_.push_back(key);
    cv_.notify_one();
  }
}

void WorkQueue::shutDown() {
  std::lock_guard lock(mu_);
  shut_down_ = true;
  cv_.notify_all();
  delay_cv_.notify_all();
}

size_t WorkQueue::depth() {
  std::lock_guard lock(mu_);
  return queue_.size();
}

void WorkQueue::delayLoop() {
  std::unique_lock lock(mu_);
  while (!shut_down_) {
    if (delayed_.empty()) {
      delay_cv_.wait(lock);
      continue;
    }
    auto first = delayed_.begin();
    if (first->first > Clock::now()) {
      delay_cv_.wait_until(lock, first->first);
      continue;
    }
    std::string key = first->second;
    delayed_.erase(first);
    pushLocked(key);
  }
}

}  // namespace attache::controller
